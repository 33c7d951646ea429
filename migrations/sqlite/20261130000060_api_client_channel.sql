-- A client's key opens one channel: an Open311 client application's, or the 12345 call centre's
-- work orders. Keys issued before this migration were Open311 keys.
ALTER TABLE api_clients ADD COLUMN channel TEXT NOT NULL DEFAULT 'open311'
    CHECK (channel IN ('open311', 'hotline'));
