-- Photos a channel announced and Jiesu still has to fetch (jiesu_ports::photos): a WeChat image
-- message names its photo in the photo store at once and the download happens after the reply,
-- from this row, so a restart loses none. `failed` is set when it never can be (the media expired,
-- the answer was not an image); the row then keeps WeChat's temporary link as the fallback.
CREATE TABLE channel_photos (
    name        text NOT NULL PRIMARY KEY,
    media_id    text NOT NULL,
    pic_url     text NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    due_at      timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    last_error  text,
    failed      text
);

-- What is due: the downloaders' scan.
CREATE INDEX channel_photos_due ON channel_photos (due_at) WHERE failed IS NULL;
