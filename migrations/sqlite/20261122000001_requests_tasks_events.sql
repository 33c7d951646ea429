-- Requests, their tasks, and the event log that doubles as the outbox.
-- SQLite stores UUIDs as 16-byte BLOBs and times as INTEGER microseconds since the Unix epoch
-- (sortable and comparable in SQL, unlike text timestamps of varying precision).

CREATE TABLE requests (
    id              BLOB    NOT NULL PRIMARY KEY,
    tracking        TEXT    NOT NULL UNIQUE,
    channel         TEXT    NOT NULL CHECK (channel IN ('web', 'wechat', 'hotline', 'open311')),
    channel_ref     TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    category        TEXT,
    description     TEXT    NOT NULL,
    lat             REAL,
    lon             REAL,
    address         TEXT,
    contact_name    TEXT,
    contact_phone   TEXT,
    contact_email   TEXT,
    contact_openid  TEXT,
    attributes      TEXT    NOT NULL DEFAULT '{}',
    media           TEXT    NOT NULL DEFAULT '[]',
    area            TEXT,
    status          TEXT    NOT NULL,
    received_at     INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- A message delivered twice, or a request resent with the same key, is stored once.
    UNIQUE (channel, channel_ref)
) STRICT;

CREATE INDEX requests_received ON requests (received_at);
CREATE INDEX requests_status ON requests (status, received_at);

CREATE TABLE tasks (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    bureau          TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('lead', 'assist')),
    state           TEXT    NOT NULL,
    binding         INTEGER NOT NULL DEFAULT 0,
    dispatched_at   INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX tasks_request ON tasks (request_id);
CREATE INDEX tasks_bureau_state ON tasks (bureau, state);

CREATE TABLE events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              BLOB    NOT NULL UNIQUE,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    task_id         BLOB,
    kind            TEXT    NOT NULL,
    -- The whole event as JSON: the audit trail and the message the relay publishes.
    payload         TEXT    NOT NULL,
    occurred_at     INTEGER NOT NULL,
    published_at    INTEGER,
    lease_until     INTEGER
) STRICT;

CREATE INDEX events_request ON events (request_id, seq);
CREATE INDEX events_unpublished ON events (seq) WHERE published_at IS NULL;

CREATE TABLE api_clients (
    id              BLOB    NOT NULL PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    key_hash        BLOB    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
) STRICT;
