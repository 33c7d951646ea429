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
    dim                 text    NOT NULL,
    value               text    NOT NULL,
    day                 text    NOT NULL,
    received            bigint NOT NULL DEFAULT 0,
    closed              bigint NOT NULL DEFAULT 0,
    dispatched          bigint NOT NULL DEFAULT 0,
    responded           bigint NOT NULL DEFAULT 0,
    disclaimed          bigint NOT NULL DEFAULT 0,
    resolved            bigint NOT NULL DEFAULT 0,
    resolved_on_time    bigint NOT NULL DEFAULT 0,
    handling_minutes    bigint NOT NULL DEFAULT 0,
    visits              bigint NOT NULL DEFAULT 0,
    solved              bigint NOT NULL DEFAULT 0,
    satisfied           bigint NOT NULL DEFAULT 0,
    basically_satisfied bigint NOT NULL DEFAULT 0,
    dissatisfied        bigint NOT NULL DEFAULT 0,
    reopened            bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, value, day)
);

-- A dimension over a period, every value: `dim = $1 AND day BETWEEN ...`.
CREATE INDEX stats_daily_dim_day ON stats_daily (dim, day);

CREATE TABLE stats_tallies (
    request_id          uuid    NOT NULL PRIMARY KEY REFERENCES requests (id),
    -- The case version the tallies were worked out at (-1: a row claimed, nothing counted yet).
    version             bigint  NOT NULL,
    tallies             text    NOT NULL
);
