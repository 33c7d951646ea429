-- How each staff member wants to hear of their notices (jiesu_ports::notifications::NoticePrefs):
-- 企业微信 (the default: no row), email at once, a daily email digest, or not at all; their email
-- address and, where it is not their username, their 企业微信 account.
CREATE TABLE staff_notice_prefs (
    user_id     uuid        NOT NULL PRIMARY KEY REFERENCES users (id),
    how         text        NOT NULL CHECK (how IN ('wecom', 'email', 'digest', 'off')),
    email       text,
    wecom_id    text,
    updated_at  timestamptz NOT NULL,
    CHECK (how NOT IN ('email', 'digest') OR email IS NOT NULL)
);
