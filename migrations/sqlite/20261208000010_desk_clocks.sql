-- no-transaction
-- The dispatch desk's clocks (jiesu_calendar::desk): placing a request no rule could place,
-- reviewing a held disclaim, reviewing a result. Each is a row with its due time and its chain
-- (stage, next_action_at), leased by the escalation scanner like a task's deadline; and the
-- escalation trigger a missed one opens, `desk_overdue`.
--
-- SQLite cannot change a CHECK constraint in place, so `escalations` is rebuilt by SQLite's own
-- procedure (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off around it,
-- because `meetings` and `hotspot_members` point at `escalations`, and foreign keys cannot be
-- switched inside a transaction; hence this migration opens its own.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE escalations_rebuilt (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    trigger         TEXT    NOT NULL
        CHECK (trigger IN ('exhausted', 'ping_pong', 'deadline_missed', 'hotspot', 'desk_overdue')),
    state           TEXT    NOT NULL,
    level           TEXT    NOT NULL,
    owner           TEXT,
    deadline_id     BLOB,
    opened_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- One escalation per request and trigger, however many workers see the same events.
    UNIQUE (request_id, trigger)
) STRICT;
INSERT INTO escalations_rebuilt (id, request_id, trigger, state, level, owner, deadline_id, opened_at, updated_at)
    SELECT id, request_id, trigger, state, level, owner, deadline_id, opened_at, updated_at FROM escalations;
DROP TABLE escalations;
ALTER TABLE escalations_rebuilt RENAME TO escalations;
CREATE INDEX escalations_state ON escalations (state, opened_at);
CREATE INDEX escalations_opened ON escalations (opened_at, id);

CREATE TABLE desk_clocks (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('placement', 'disclaim_review', 'closure_review')),
    -- The disclaimed task a disclaim review is about.
    task_id         BLOB    REFERENCES tasks (id),
    started_at      INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'met', 'cancelled')),
    settled_at      INTEGER,
    stage           INTEGER NOT NULL DEFAULT 0,
    next_action_at  INTEGER,
    lease_until     INTEGER
) STRICT;

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
    SELECT randomblob(16), id, 'placement', NULL, updated_at, updated_at + 7200000000, 'pending',
           updated_at + 7200000000
    FROM requests WHERE status = 'awaiting_dispatch'
        -- A held disclaim also waits at the desk, on its own clock below.
        AND NOT EXISTS (SELECT 1 FROM disclaims x WHERE x.request_id = requests.id AND x.state = 'pending');
INSERT INTO desk_clocks (id, request_id, kind, task_id, started_at, due_at, state, next_action_at)
    SELECT randomblob(16), id, 'closure_review', NULL, updated_at, updated_at + 86400000000, 'pending',
           updated_at + 86400000000
    FROM requests WHERE status = 'resolved';
INSERT INTO desk_clocks (id, request_id, kind, task_id, started_at, due_at, state, next_action_at)
    SELECT randomblob(16), request_id, 'disclaim_review', task_id, at, at + 86400000000, 'pending',
           at + 86400000000
    FROM disclaims WHERE state = 'pending';

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
