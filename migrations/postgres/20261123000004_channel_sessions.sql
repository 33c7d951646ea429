-- Conversational channels (WeChat): per-user sessions, per-message replies, claimed nonces.
CREATE TABLE channel_sessions (
    channel     text        NOT NULL,
    user_key    text        NOT NULL,
    version     bigint      NOT NULL,
    state       text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (channel, user_key)
);

CREATE TABLE channel_messages (
    channel     text        NOT NULL,
    message_key text        NOT NULL,
    reply       text        NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (channel, message_key)
);

CREATE INDEX channel_messages_received ON channel_messages (received_at);

CREATE TABLE channel_nonces (
    channel     text        NOT NULL,
    nonce       text        NOT NULL,
    message_key text        NOT NULL,
    seen_at     timestamptz NOT NULL,
    PRIMARY KEY (channel, nonce)
);

CREATE INDEX channel_nonces_seen ON channel_nonces (seen_at);
