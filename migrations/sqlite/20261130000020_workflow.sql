-- The bureau's day: a version on each request for optimistic concurrency, the current routing
-- (candidate bureaus in order), and the workflow's rows: deadlines, disclaims, extensions and
-- return visits.

ALTER TABLE requests ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN routing TEXT;

-- Requests stored before this migration keep their routing in their request_routed event.
UPDATE requests SET routing = (
    SELECT json_extract(e.payload, '$.routing') FROM events e
    WHERE e.request_id = requests.id AND e.kind = 'request_routed'
    ORDER BY e.seq DESC LIMIT 1
);

CREATE TABLE deadlines (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    task_id         BLOB    NOT NULL REFERENCES tasks (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('response', 'resolution')),
    class           TEXT    NOT NULL,
    due_at          INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'met', 'cancelled')),
    settled_at      INTEGER
) STRICT;

CREATE INDEX deadlines_task ON deadlines (task_id);
-- The scanner's question: which pending clocks ran out?
CREATE INDEX deadlines_pending_due ON deadlines (due_at) WHERE state = 'pending';

CREATE TABLE disclaims (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    task_id         BLOB    NOT NULL REFERENCES tasks (id),
    bureau          TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    explanation     TEXT    NOT NULL,
    by_user         TEXT    NOT NULL,
    at              INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER,
    decision_note   TEXT,
    -- A bureau disclaims a request once.
    UNIQUE (request_id, bureau)
) STRICT;

CREATE INDEX disclaims_bureau ON disclaims (bureau, at);

CREATE TABLE extensions (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    task_id         BLOB    NOT NULL REFERENCES tasks (id),
    bureau          TEXT    NOT NULL,
    days            INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    requested_by    TEXT    NOT NULL,
    requested_at    INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
    decided_by      TEXT,
    decided_at      INTEGER,
    decision_note   TEXT,
    new_due         INTEGER
) STRICT;

CREATE INDEX extensions_request ON extensions (request_id);
CREATE INDEX extensions_pending ON extensions (requested_at) WHERE state = 'pending';

CREATE TABLE return_visits (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    solved          INTEGER NOT NULL,
    satisfaction    TEXT,
    comment         TEXT,
    -- NULL: the citizen answered on the tracking page.
    operator        TEXT,
    at              INTEGER NOT NULL
) STRICT;

CREATE INDEX return_visits_request ON return_visits (request_id);
CREATE INDEX return_visits_at ON return_visits (at);
