-- Working-day calendar days set by administrators (jiesu_domain::overlay): each replaces what
-- the district's files say of its date. Rows are changed in place (the latest setting is what
-- counts) and never deleted: "ordinary" takes an exception back. Every change is also in the
-- audit log. `set_at` moves on every change, so max(set_at) with the count is the revision other
-- processes poll (with the accepted rules') to compose their district again.
CREATE TABLE calendar_days (
    day         TEXT    NOT NULL PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('holiday', 'workday', 'ordinary')),
    name        TEXT    NOT NULL,
    set_by      TEXT,
    set_at      INTEGER NOT NULL
) STRICT;
