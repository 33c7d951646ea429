-- The outbox becomes a table of its own: one small row per unpublished event, inserted in the
-- transaction that appends the event, leased by a relay, deleted once the broker confirmed it.
-- Events stay as written (the audit trail): the relay used to update every event row twice
-- (lease, then published_at), and each update copied the whole row with its payload, so the
-- events table bloated about threefold under load.
--
-- No foreign key to events: the check would lock each event row (FOR KEY SHARE writes its
-- header), the very write this table exists to avoid; only the code appending an event inserts
-- its outbox row.
CREATE TABLE outbox (
    seq         bigint      NOT NULL PRIMARY KEY,
    -- Until when a relay holds the event; NULL or past: any relay may take it.
    lease_until timestamptz
);

-- Events not yet published when this ran are still to be published.
INSERT INTO outbox (seq) SELECT seq FROM events WHERE published_at IS NULL;

DROP INDEX events_unpublished;
ALTER TABLE events DROP COLUMN published_at, DROP COLUMN lease_until;
