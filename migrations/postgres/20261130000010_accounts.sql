-- Staff accounts and their sessions. Passwords are kept as argon2 PHC strings; session tokens only
-- as their SHA-256.
CREATE TABLE users (
    id              uuid        NOT NULL PRIMARY KEY,
    username        text        NOT NULL UNIQUE,
    role            text        NOT NULL
                    CHECK (role IN ('operator', 'bureau_staff', 'bureau_admin', 'supervisor', 'admin')),
    bureau          text,
    password_hash   text        NOT NULL,
    -- Consecutive failed logins; reaching the configured limit sets locked_until.
    failed_logins   integer     NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    disabled        boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- Bureau roles belong to exactly one bureau; district-wide roles to none (as User::new checks).
    CHECK ((role IN ('bureau_staff', 'bureau_admin')) = (bureau IS NOT NULL))
);

CREATE TABLE staff_sessions (
    token_hash      bytea       NOT NULL PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id),
    kind            text        NOT NULL CHECK (kind IN ('bearer', 'cookie')),
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz
);

CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
