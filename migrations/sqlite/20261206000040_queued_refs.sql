-- Channel references an import sent to the intake queue, with the tracking number they got. A
-- second import of the same export, before the dispatcher has stored the first one's requests,
-- finds its orders here and reports them already received instead of imported again. (The
-- dispatcher would store them once anyway: requests are unique on (channel, channel_ref).)
CREATE TABLE queued_refs (
    channel     TEXT NOT NULL,
    channel_ref TEXT NOT NULL,
    tracking    TEXT NOT NULL,
    queued_at   INTEGER NOT NULL,
    PRIMARY KEY (channel, channel_ref)
);
