-- How each staff member wants to hear of their notices (jiesu_ports::notifications::NoticePrefs):
-- 企业微信 (the default: no row), email at once, a daily email digest, or not at all; their email
-- address and, where it is not their username, their 企业微信 account.
CREATE TABLE staff_notice_prefs (
    user_id     BLOB    NOT NULL PRIMARY KEY REFERENCES users (id),
    how         TEXT    NOT NULL CHECK (how IN ('wecom', 'email', 'digest', 'off')),
    email       TEXT,
    wecom_id    TEXT,
    updated_at  INTEGER NOT NULL,
    CHECK (how NOT IN ('email', 'digest') OR email IS NOT NULL)
) STRICT;
