-- The summary the supervisors' rates are read from (jiesu_rates): per district-local day and
-- dimensions, the sums of what every request counts towards; and each request's own tallies, to
-- take them back out when its case changes (the summary moves by the difference). Kept by the
-- stats consumer; `jiesu stats rebuild` recomputes both. A dimension a count lacks is ''.
CREATE TABLE stats_daily (
    day                 text    NOT NULL,
    bureau              text    NOT NULL,
    street              text    NOT NULL,
    community           text    NOT NULL,
    category            text    NOT NULL,
    channel             text    NOT NULL,
    kind                text    NOT NULL,
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
    PRIMARY KEY (day, bureau, street, community, category, channel, kind)
);

CREATE TABLE stats_tallies (
    request_id          uuid    NOT NULL PRIMARY KEY REFERENCES requests (id),
    -- The case version the tallies were worked out at (-1: a row claimed, nothing counted yet).
    version             bigint  NOT NULL,
    tallies             text    NOT NULL
);
