-- The summary the supervisors' rates are read from (jiesu_rates): per district-local day, the sums
-- of what every request counts towards, once per dimension: `dim` is one of total, bureau,
-- street, community, category (the request's own code; a higher level is a prefix), channel,
-- kind, and `value` that dimension's code ('' where a count has none; '' for total). A count is
-- summed into one row of each dimension, so the table grows with days x the dimensions' values
-- (a few hundred rows a day), not with requests, and any period grouped by one dimension is a
-- range of the primary key. Beside it, each request's own tallies, to take them back out when
-- its case changes (the summary moves by the difference). Kept by the stats role; `jiesu stats
-- rebuild` recomputes both.
CREATE TABLE stats_daily (
    dim                 TEXT    NOT NULL,
    value               TEXT    NOT NULL,
    day                 TEXT    NOT NULL,
    received            INTEGER NOT NULL DEFAULT 0,
    closed              INTEGER NOT NULL DEFAULT 0,
    dispatched          INTEGER NOT NULL DEFAULT 0,
    responded           INTEGER NOT NULL DEFAULT 0,
    disclaimed          INTEGER NOT NULL DEFAULT 0,
    resolved            INTEGER NOT NULL DEFAULT 0,
    resolved_on_time    INTEGER NOT NULL DEFAULT 0,
    handling_minutes    INTEGER NOT NULL DEFAULT 0,
    visits              INTEGER NOT NULL DEFAULT 0,
    solved              INTEGER NOT NULL DEFAULT 0,
    satisfied           INTEGER NOT NULL DEFAULT 0,
    basically_satisfied INTEGER NOT NULL DEFAULT 0,
    dissatisfied        INTEGER NOT NULL DEFAULT 0,
    reopened            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, value, day)
) STRICT;

-- A dimension over a period, every value: `dim = $1 AND day BETWEEN ...`.
CREATE INDEX stats_daily_dim_day ON stats_daily (dim, day);

CREATE TABLE stats_tallies (
    request_id          BLOB    NOT NULL PRIMARY KEY REFERENCES requests (id),
    -- The case version the tallies were worked out at (-1: a row claimed, nothing counted yet).
    version             INTEGER NOT NULL,
    tallies             TEXT    NOT NULL
) STRICT;
