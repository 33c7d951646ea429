-- The audit log (jiesu_domain::audit): sign-ins and their failures, locks, account and key
-- administration, phone-number reveals, rule decisions. Append-only: triggers refuse every
-- UPDATE and DELETE, so what happened cannot be quietly rewritten through the application.
CREATE TABLE audit_log (
    id          BLOB    NOT NULL PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT,
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    client      TEXT,
    detail      TEXT    NOT NULL
) STRICT;

-- The page reads newest first, whole or by one person (as actor or as subject).
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, at, id);
CREATE INDEX audit_log_subject ON audit_log (subject, at, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- When a key last opened its channel, for the administrators' list (written at most once a
-- key cache period per process, so it costs intake nothing).
ALTER TABLE api_clients ADD COLUMN last_used_at INTEGER;
