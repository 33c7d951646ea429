-- 直办: requests answered where they came in and closed on receipt (a 秒回 answer accepted, an
-- operator's answer on the call). `jiesu stats rebuild` counts the requests received before.
ALTER TABLE stats_daily ADD COLUMN direct bigint NOT NULL DEFAULT 0;
