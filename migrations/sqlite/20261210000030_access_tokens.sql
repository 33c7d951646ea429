-- Access tokens the messaging platforms issue (WeChat's, 企业微信's), one per account, shared by
-- every notify process (jiesu_ports::tokens). Short-lived credentials (two hours); never logged.
CREATE TABLE access_tokens (
    name        TEXT NOT NULL PRIMARY KEY,
    token       TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
