-- Exemptions from a bureau's rates (考核剔除): a bureau's appeal of a return visit (申诉) or its
-- final reply to an unreasonable repeat demand (最终答复), and a supervisor's decision. A granted
-- one leaves the request out of that bureau's figures (jiesu_rates::tally), so the summary gains
-- a counter of the requests left out.
CREATE TABLE exemptions (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    task_id         BLOB    NOT NULL REFERENCES tasks (id),
    bureau          TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('appeal', 'final_reply')),
    visit_id        BLOB    REFERENCES return_visits (id),
    reason          TEXT    NOT NULL,
    -- The evidence's photo URLs, a JSON array.
    photos          TEXT    NOT NULL DEFAULT '[]',
    requested_by    TEXT    NOT NULL,
    requested_at    INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'granted', 'refused')),
    decided_by      TEXT,
    decided_at      INTEGER,
    decision_note   TEXT,
    CHECK ((kind = 'appeal') = (visit_id IS NOT NULL))
) STRICT;

CREATE INDEX exemptions_request ON exemptions (request_id);
CREATE INDEX exemptions_pending ON exemptions (requested_at) WHERE state = 'pending';

ALTER TABLE stats_daily ADD COLUMN exempted INTEGER NOT NULL DEFAULT 0;
