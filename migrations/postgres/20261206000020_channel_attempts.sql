-- Failed attempts on the citizens' tracking page, counted per key (the SHA-256 of a tracking
-- number or of a client address, never the value itself) in fixed windows, so that every intake
-- process sees the same counts. A key keeps only its current window; old windows are purged with
-- the other channel records.
CREATE TABLE channel_attempts (
    key_hash     bytea       NOT NULL PRIMARY KEY,
    window_start timestamptz NOT NULL,
    attempts     integer     NOT NULL
);

CREATE INDEX channel_attempts_window ON channel_attempts (window_start);
