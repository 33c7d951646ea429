-- Who asked for no more text messages (jiesu_ports::notifications::OptOut): `phone:<digest>` after
-- a citizen replied TD (a keyed digest: never the number), or `request:<id>` from the tracking
-- page. The sender checks a batch's recipients against it before sending.
CREATE TABLE notice_opt_outs (
    who           TEXT NOT NULL PRIMARY KEY,
    opted_out_at  INTEGER NOT NULL
) STRICT;
