-- Staff accounts and their sessions. Passwords are kept as argon2 PHC strings; session tokens only
-- as their SHA-256. Times are INTEGER microseconds, like every other table.
CREATE TABLE users (
    id              BLOB    NOT NULL PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    role            TEXT    NOT NULL
                    CHECK (role IN ('operator', 'bureau_staff', 'bureau_admin', 'supervisor', 'admin')),
    bureau          TEXT,
    password_hash   TEXT    NOT NULL,
    -- Consecutive failed logins; reaching the configured limit sets locked_until.
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- Bureau roles belong to exactly one bureau; district-wide roles to none (as User::new checks).
    CHECK ((role IN ('bureau_staff', 'bureau_admin')) = (bureau IS NOT NULL))
) STRICT;

CREATE TABLE staff_sessions (
    token_hash      BLOB    NOT NULL PRIMARY KEY,
    user_id         BLOB    NOT NULL REFERENCES users (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('bearer', 'cookie')),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER
) STRICT;

CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
