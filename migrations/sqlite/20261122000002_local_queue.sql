-- The durable local queue of the embedded deployment: messages live in the same database file as
-- the data, so a message is "sent" exactly when its transaction commits.

CREATE TABLE queue_declared (
    queue           TEXT    NOT NULL PRIMARY KEY
) STRICT;

CREATE TABLE queue_bindings (
    queue           TEXT    NOT NULL REFERENCES queue_declared (queue),
    pattern         TEXT    NOT NULL,
    PRIMARY KEY (queue, pattern)
) STRICT;

CREATE TABLE queue_messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    queue           TEXT    NOT NULL,
    id              BLOB    NOT NULL,
    kind            TEXT    NOT NULL,
    payload         BLOB    NOT NULL,
    headers         TEXT    NOT NULL DEFAULT '{}',
    enqueued_at     INTEGER NOT NULL,
    -- How many times it was handed to a consumer; more than one means "redelivered".
    deliveries      INTEGER NOT NULL DEFAULT 0,
    -- A consumer holds a message until it settles it or the lease runs out (it died).
    lease_owner     BLOB,
    lease_until     INTEGER,
    dead_reason     TEXT
) STRICT;

CREATE INDEX queue_messages_ready ON queue_messages (queue, seq);
