-- Client applications' webhooks (jiesu_domain::webhook): the URL an API client registered, the
-- secret its calls are signed with (kept as issued: signing needs it; it opens nothing in Jiesu),
-- and the topics it asked for (comma-separated; empty: all). Removing one deletes the row: its
-- pending deliveries then find no webhook and are given up.
CREATE TABLE webhooks (
    id          uuid        NOT NULL PRIMARY KEY,
    client_id   uuid        NOT NULL REFERENCES api_clients (id),
    url         text        NOT NULL,
    secret      text        NOT NULL,
    topics      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (client_id, url)
);
