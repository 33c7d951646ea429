-- The dispatch desk's clocks (jiesu_calendar::desk): placing a request no rule could place,
-- reviewing a held disclaim, reviewing a result. Each is a row with its due time and its chain
-- (stage, next_action_at), leased by the escalation scanner like a task's deadline; and the
-- escalation trigger a missed one opens, `desk_overdue`.

ALTER TABLE escalations DROP CONSTRAINT escalations_trigger_check;
ALTER TABLE escalations ADD CONSTRAINT escalations_trigger_check
    CHECK (trigger IN ('exhausted', 'ping_pong', 'deadline_missed', 'hotspot', 'desk_overdue'));

CREATE TABLE desk_clocks (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    kind            text        NOT NULL CHECK (kind IN ('placement', 'disclaim_review', 'closure_review')),
    -- The disclaimed task a disclaim review is about.
    task_id         uuid        REFERENCES tasks (id),
    started_at      timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'met', 'cancelled')),
    settled_at      timestamptz,
    stage           integer     NOT NULL DEFAULT 0,
    next_action_at  timestamptz,
    lease_until     timestamptz
);

CREATE INDEX desk_clocks_request ON desk_clocks (request_id);
-- The scanner's question: whose chain acts next?
CREATE INDEX desk_clocks_next_action ON desk_clocks (next_action_at) WHERE state = 'pending';
-- A desk queue, soonest due first.
CREATE INDEX desk_clocks_queue ON desk_clocks (kind, due_at, id) WHERE state = 'pending';

-- What the desk owed before its clocks existed starts timed from when it began to wait, with the
-- sample district's limits in clock time (2 hours to place; a day, for the working day, to
-- review): the working-day calendar is not in the database, and a day is never shorter than the
-- working day it stands for.
INSERT INTO desk_clocks (id, request_id, kind, task_id, started_at, due_at, state, next_action_at)
    SELECT gen_random_uuid(), id, 'placement', NULL, updated_at, updated_at + interval '2 hours', 'pending',
           updated_at + interval '2 hours'
    FROM requests WHERE status = 'awaiting_dispatch'
        -- A held disclaim also waits at the desk, on its own clock below.
        AND NOT EXISTS (SELECT 1 FROM disclaims x WHERE x.request_id = requests.id AND x.state = 'pending');
INSERT INTO desk_clocks (id, request_id, kind, task_id, started_at, due_at, state, next_action_at)
    SELECT gen_random_uuid(), id, 'closure_review', NULL, updated_at, updated_at + interval '1 day', 'pending',
           updated_at + interval '1 day'
    FROM requests WHERE status = 'resolved';
INSERT INTO desk_clocks (id, request_id, kind, task_id, started_at, due_at, state, next_action_at)
    SELECT gen_random_uuid(), request_id, 'disclaim_review', task_id, at, at + interval '1 day', 'pending',
           at + interval '1 day'
    FROM disclaims WHERE state = 'pending';
