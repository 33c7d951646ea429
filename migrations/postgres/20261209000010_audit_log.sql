-- The audit log (jiesu_domain::audit): sign-ins and their failures, locks, account and key
-- administration, phone-number reveals, rule decisions. Append-only: a trigger refuses every
-- UPDATE and DELETE (TRUNCATE too), so what happened cannot be quietly rewritten through the
-- application's own connection.
CREATE TABLE audit_log (
    id          uuid        NOT NULL PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text,
    action      text        NOT NULL,
    subject     text        NOT NULL,
    client      text,
    detail      text        NOT NULL
);

-- The page reads newest first, whole or by one person (as actor or as subject).
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, at, id);
CREATE INDEX audit_log_subject ON audit_log (subject, at, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- When a key last opened its channel, for the administrators' list (written at most once a
-- key cache period per process, so it costs intake nothing).
ALTER TABLE api_clients ADD COLUMN last_used_at timestamptz;
