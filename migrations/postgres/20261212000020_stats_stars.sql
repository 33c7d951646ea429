-- The average rating (stars) beside the satisfaction rate: visits that gave stars, and their sum.
ALTER TABLE stats_daily ADD COLUMN rated bigint NOT NULL DEFAULT 0;
ALTER TABLE stats_daily ADD COLUMN stars bigint NOT NULL DEFAULT 0;
