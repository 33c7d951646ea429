-- The summary the supervisors' rates are read from (jiesu_rates): per district-local day and
-- dimensions, the sums of what every request counts towards; and each request's own tallies, to
-- take them back out when its case changes (the summary moves by the difference). Kept by the
-- stats consumer; `jiesu stats rebuild` recomputes both. A dimension a count lacks is ''.
CREATE TABLE stats_daily (
    day                 TEXT    NOT NULL,
    bureau              TEXT    NOT NULL,
    street              TEXT    NOT NULL,
    community           TEXT    NOT NULL,
    category            TEXT    NOT NULL,
    channel             TEXT    NOT NULL,
    kind                TEXT    NOT NULL,
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
    PRIMARY KEY (day, bureau, street, community, category, channel, kind)
) STRICT;

CREATE TABLE stats_tallies (
    request_id          BLOB    NOT NULL PRIMARY KEY REFERENCES requests (id),
    -- The case version the tallies were worked out at (-1: a row claimed, nothing counted yet).
    version             INTEGER NOT NULL,
    tallies             TEXT    NOT NULL
) STRICT;
