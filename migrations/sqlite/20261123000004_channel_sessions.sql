-- Conversational channels (WeChat): per-user sessions, per-message replies, claimed nonces.
CREATE TABLE channel_sessions (
    channel     TEXT    NOT NULL,
    user_key    TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (channel, user_key)
) STRICT;

CREATE TABLE channel_messages (
    channel     TEXT    NOT NULL,
    message_key TEXT    NOT NULL,
    reply       TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (channel, message_key)
) STRICT;

CREATE INDEX channel_messages_received ON channel_messages (received_at);

CREATE TABLE channel_nonces (
    channel     TEXT    NOT NULL,
    nonce       TEXT    NOT NULL,
    message_key TEXT    NOT NULL,
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (channel, nonce)
) STRICT;

CREATE INDEX channel_nonces_seen ON channel_nonces (seen_at);
