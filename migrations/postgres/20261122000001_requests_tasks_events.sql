-- Requests, their tasks, and the event log that doubles as the outbox.

CREATE TABLE requests (
    id              uuid        NOT NULL PRIMARY KEY,
    tracking        text        NOT NULL UNIQUE,
    channel         text        NOT NULL CHECK (channel IN ('web', 'wechat', 'hotline', 'open311')),
    channel_ref     text        NOT NULL,
    kind            text        NOT NULL,
    category        text,
    description     text        NOT NULL,
    lat             double precision,
    lon             double precision,
    address         text,
    contact_name    text,
    contact_phone   text,
    contact_email   text,
    contact_openid  text,
    attributes      jsonb       NOT NULL DEFAULT '{}',
    media           jsonb       NOT NULL DEFAULT '[]',
    area            text,
    status          text        NOT NULL,
    received_at     timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- A message delivered twice, or a request resent with the same key, is stored once.
    UNIQUE (channel, channel_ref)
);

CREATE INDEX requests_received ON requests (received_at);
CREATE INDEX requests_status ON requests (status, received_at);

CREATE TABLE tasks (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    bureau          text        NOT NULL,
    role            text        NOT NULL CHECK (role IN ('lead', 'assist')),
    state           text        NOT NULL,
    binding         boolean     NOT NULL DEFAULT false,
    dispatched_at   timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE INDEX tasks_request ON tasks (request_id);
CREATE INDEX tasks_bureau_state ON tasks (bureau, state);

CREATE TABLE events (
    seq             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              uuid        NOT NULL UNIQUE,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    task_id         uuid,
    kind            text        NOT NULL,
    -- The whole event as JSON: the audit trail and the message the relay publishes.
    payload         jsonb       NOT NULL,
    occurred_at     timestamptz NOT NULL,
    published_at    timestamptz,
    lease_until     timestamptz
);

CREATE INDEX events_request ON events (request_id, seq);
CREATE INDEX events_unpublished ON events (seq) WHERE published_at IS NULL;

CREATE TABLE api_clients (
    id              uuid        NOT NULL PRIMARY KEY,
    name            text        NOT NULL UNIQUE,
    key_hash        bytea       NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz
);
