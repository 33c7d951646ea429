-- The bureau's day: a version on each request for optimistic concurrency, the current routing
-- (candidate bureaus in order), and the workflow's rows: deadlines, disclaims, extensions and
-- return visits.

ALTER TABLE requests ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN routing jsonb;

-- Requests stored before this migration keep their routing in their request_routed event.
UPDATE requests SET routing = (
    SELECT e.payload -> 'routing' FROM events e
    WHERE e.request_id = requests.id AND e.kind = 'request_routed'
    ORDER BY e.seq DESC LIMIT 1
);

CREATE TABLE deadlines (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    task_id         uuid        NOT NULL REFERENCES tasks (id),
    kind            text        NOT NULL CHECK (kind IN ('response', 'resolution')),
    class           text        NOT NULL,
    due_at          timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'met', 'cancelled')),
    settled_at      timestamptz
);

CREATE INDEX deadlines_task ON deadlines (task_id);
-- The scanner's question: which pending clocks ran out?
CREATE INDEX deadlines_pending_due ON deadlines (due_at) WHERE state = 'pending';

CREATE TABLE disclaims (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    task_id         uuid        NOT NULL REFERENCES tasks (id),
    bureau          text        NOT NULL,
    reason          text        NOT NULL,
    explanation     text        NOT NULL,
    by_user         text        NOT NULL,
    at              timestamptz NOT NULL,
    state           text        NOT NULL,
    decided_by      text,
    decided_at      timestamptz,
    decision_note   text,
    -- A bureau disclaims a request once.
    UNIQUE (request_id, bureau)
);

CREATE INDEX disclaims_bureau ON disclaims (bureau, at);

CREATE TABLE extensions (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    task_id         uuid        NOT NULL REFERENCES tasks (id),
    bureau          text        NOT NULL,
    days            bigint      NOT NULL,
    reason          text        NOT NULL,
    requested_by    text        NOT NULL,
    requested_at    timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
    decided_by      text,
    decided_at      timestamptz,
    decision_note   text,
    new_due         timestamptz
);

CREATE INDEX extensions_request ON extensions (request_id);
CREATE INDEX extensions_pending ON extensions (requested_at) WHERE state = 'pending';

CREATE TABLE return_visits (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    solved          boolean     NOT NULL,
    satisfaction    text,
    comment         text,
    -- NULL: the citizen answered on the tracking page.
    operator        text,
    at              timestamptz NOT NULL
);

CREATE INDEX return_visits_request ON return_visits (request_id);
CREATE INDEX return_visits_at ON return_visits (at);
