-- The outbox becomes a table of its own: one small row per unpublished event, inserted in the
-- transaction that appends the event, leased by the relay, deleted once the queue confirmed it.
-- Events stay as written (the audit trail): the relay used to update every event row twice
-- (lease, then published_at). Same shape as on PostgreSQL (see its migration).
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY,
    -- Until when a relay holds the event; NULL or past: any relay may take it.
    lease_until INTEGER
) STRICT;

-- Events not yet published when this ran are still to be published.
INSERT INTO outbox (seq) SELECT seq FROM events WHERE published_at IS NULL;

DROP INDEX events_unpublished;
ALTER TABLE events DROP COLUMN published_at;
ALTER TABLE events DROP COLUMN lease_until;
