-- Secrets the server generates for itself when none is configured, kept here so that every
-- process of a deployment (and every restart) uses the same one: the key tracking numbers and
-- return-visit links are derived with (`tracking`). The first process to start writes it; the
-- others read what it wrote.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
