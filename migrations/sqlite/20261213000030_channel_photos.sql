-- Photos a channel announced and Jiesu still has to fetch (jiesu_ports::photos): a WeChat image
-- message names its photo in the photo store at once and the download happens after the reply,
-- from this row, so a restart loses none. `failed` is set when it never can be (the media expired,
-- the answer was not an image); the row then keeps WeChat's temporary link as the fallback.
CREATE TABLE channel_photos (
    name        TEXT NOT NULL PRIMARY KEY,
    media_id    TEXT NOT NULL,
    pic_url     TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    last_error  TEXT,
    failed      TEXT
) STRICT;

-- What is due: the downloaders' scan.
CREATE INDEX channel_photos_due ON channel_photos (due_at) WHERE failed IS NULL;
