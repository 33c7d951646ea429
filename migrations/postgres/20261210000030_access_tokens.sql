-- Access tokens the messaging platforms issue (WeChat's, 企业微信's), one per account, shared by
-- every notify process (jiesu_ports::tokens). Short-lived credentials (two hours); never logged.
CREATE TABLE access_tokens (
    name        text NOT NULL PRIMARY KEY,
    token       text NOT NULL,
    expires_at  timestamptz NOT NULL
);
