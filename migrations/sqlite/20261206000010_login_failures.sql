-- Failed logins counted per account AND client address (an IPv4 address or an IPv6 /64), so that
-- a stranger failing someone's password locks out only the stranger's address. The account-wide
-- users.failed_logins and users.locked_until are no longer used (migrations are append-only; they
-- stay, unread). Times are INTEGER microseconds, like every other table.
CREATE TABLE login_failures (
    user_id         BLOB    NOT NULL REFERENCES users (id),
    client          TEXT    NOT NULL,
    failed_logins   INTEGER NOT NULL,
    locked_until    INTEGER,
    last_failed_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, client)
) STRICT;
