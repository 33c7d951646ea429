-- 秒回's knowledge base learns from what it could not answer (issue 17): a bureau writes an answer
-- for a group of the consultations it leads, the desk approves it into the knowledge base (beside
-- the district's answers/*.toml) or sends it back with a note.
CREATE TABLE kb_answers (
    id              uuid        NOT NULL PRIMARY KEY,
    bureau          text        NOT NULL,
    category        text        NOT NULL,
    -- A JSON array of the question's wordings.
    questions       text        NOT NULL,
    answer          text        NOT NULL,
    source          text,
    -- The last day it holds (YYYY-MM-DD), when it lapses.
    valid_to        text,
    state           text        NOT NULL CHECK (state IN ('proposed', 'approved', 'rejected')),
    proposed_by     text        NOT NULL,
    proposed_at     timestamptz NOT NULL,
    reviewed_by     text,
    reviewed_at     timestamptz,
    review_note     text
);

CREATE INDEX kb_answers_state ON kb_answers (state, proposed_at);

-- A consultation taken off the queue: covered by an answer (answer_id), or set aside (NULL).
CREATE TABLE kb_questions_done (
    request_id      uuid        NOT NULL PRIMARY KEY REFERENCES requests (id),
    answer_id       uuid        REFERENCES kb_answers (id),
    done_by         text        NOT NULL,
    done_at         timestamptz NOT NULL
);

CREATE INDEX kb_questions_done_answer ON kb_questions_done (answer_id);

-- The queue reads the recent consultations answered by nobody on receipt: a small slice of the
-- requests, found without walking the rest.
CREATE INDEX requests_open_questions ON requests (received_at) WHERE kind = 'consultation' AND answer IS NULL;
