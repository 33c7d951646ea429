-- Notification rows (jiesu_ports::notifications): one per (event, audience, channel), written by
-- the notify consumer, sent after commit and settled. The unique key keeps a redelivered event
-- from notifying twice. No phone number or OpenID is stored here: the sender reads the address
-- from the request when it sends.
CREATE TABLE notifications (
    id          uuid NOT NULL PRIMARY KEY,
    event_id    uuid NOT NULL,
    request_id  uuid NOT NULL REFERENCES requests (id),
    audience    text NOT NULL,
    via         text NOT NULL CHECK (via IN ('sms', 'wechat', 'wecom', 'email', 'webhook')),
    topic       jsonb NOT NULL,
    urgent      boolean NOT NULL,
    state       text NOT NULL CHECK (state IN ('pending', 'sent', 'given_up')),
    attempts    integer NOT NULL DEFAULT 0,
    next_at     timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    settled_at  timestamptz,
    gateway_id  text,
    last_error  text,
    UNIQUE (event_id, audience, via)
);

-- What is due: the senders' scan.
CREATE INDEX notifications_due ON notifications (next_at) WHERE state = 'pending';
-- What was given up: the supervisors' list.
CREATE INDEX notifications_given_up ON notifications (settled_at) WHERE state = 'given_up';
CREATE INDEX notifications_request ON notifications (request_id);
