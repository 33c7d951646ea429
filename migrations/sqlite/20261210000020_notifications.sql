-- Notification rows (jiesu_ports::notifications): one per (event, audience, channel), written by
-- the notify consumer, sent after commit and settled. The unique key keeps a redelivered event
-- from notifying twice. No phone number or OpenID is stored here: the sender reads the address
-- from the request when it sends.
CREATE TABLE notifications (
    id          BLOB NOT NULL PRIMARY KEY,
    event_id    BLOB NOT NULL,
    request_id  BLOB NOT NULL REFERENCES requests (id),
    audience    TEXT NOT NULL,
    via         TEXT NOT NULL CHECK (via IN ('sms', 'wechat', 'wecom', 'email', 'webhook')),
    topic       TEXT NOT NULL,
    urgent      INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'given_up')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    settled_at  INTEGER,
    gateway_id  TEXT,
    last_error  TEXT,
    UNIQUE (event_id, audience, via)
) STRICT;

-- What is due: the senders' scan.
CREATE INDEX notifications_due ON notifications (next_at) WHERE state = 'pending';
-- What was given up: the supervisors' list.
CREATE INDEX notifications_given_up ON notifications (settled_at) WHERE state = 'given_up';
CREATE INDEX notifications_request ON notifications (request_id);
