-- Failed logins counted per account AND client address (an IPv4 address or an IPv6 /64), so that
-- a stranger failing someone's password locks out only the stranger's address. The account-wide
-- users.failed_logins and users.locked_until are no longer used (migrations are append-only; they
-- stay, unread).
CREATE TABLE login_failures (
    user_id         uuid        NOT NULL REFERENCES users (id),
    client          text        NOT NULL,
    failed_logins   integer     NOT NULL,
    locked_until    timestamptz,
    last_failed_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, client)
);
