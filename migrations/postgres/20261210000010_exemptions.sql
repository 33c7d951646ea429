-- Exemptions from a bureau's rates (考核剔除): a bureau's appeal of a return visit (申诉) or its
-- final reply to an unreasonable repeat demand (最终答复), and a supervisor's decision. A granted
-- one leaves the request out of that bureau's figures (jiesu_rates::tally), so the summary gains
-- a counter of the requests left out.
CREATE TABLE exemptions (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    task_id         uuid        NOT NULL REFERENCES tasks (id),
    bureau          text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('appeal', 'final_reply')),
    visit_id        uuid        REFERENCES return_visits (id),
    reason          text        NOT NULL,
    -- The evidence's photo URLs.
    photos          jsonb       NOT NULL DEFAULT '[]',
    requested_by    text        NOT NULL,
    requested_at    timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'granted', 'refused')),
    decided_by      text,
    decided_at      timestamptz,
    decision_note   text,
    CHECK ((kind = 'appeal') = (visit_id IS NOT NULL))
);

CREATE INDEX exemptions_request ON exemptions (request_id);
CREATE INDEX exemptions_pending ON exemptions (requested_at) WHERE state = 'pending';

ALTER TABLE stats_daily ADD COLUMN exempted bigint NOT NULL DEFAULT 0;
