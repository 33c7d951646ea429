-- 秒回's knowledge base learns from what it could not answer (issue 17): a bureau writes an answer
-- for a group of the consultations it leads, the desk approves it into the knowledge base (beside
-- the district's answers/*.toml) or sends it back with a note.
CREATE TABLE kb_answers (
    id              BLOB    NOT NULL PRIMARY KEY,
    bureau          TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    -- A JSON array of the question's wordings.
    questions       TEXT    NOT NULL,
    answer          TEXT    NOT NULL,
    source          TEXT,
    -- The last day it holds (YYYY-MM-DD), when it lapses.
    valid_to        TEXT,
    state           TEXT    NOT NULL CHECK (state IN ('proposed', 'approved', 'rejected')),
    proposed_by     TEXT    NOT NULL,
    proposed_at     INTEGER NOT NULL,
    reviewed_by     TEXT,
    reviewed_at     INTEGER,
    review_note     TEXT
) STRICT;

CREATE INDEX kb_answers_state ON kb_answers (state, proposed_at);

-- A consultation taken off the queue: covered by an answer (answer_id), or set aside (NULL).
CREATE TABLE kb_questions_done (
    request_id      BLOB    NOT NULL PRIMARY KEY REFERENCES requests (id),
    answer_id       BLOB    REFERENCES kb_answers (id),
    done_by         TEXT    NOT NULL,
    done_at         INTEGER NOT NULL
) STRICT;

CREATE INDEX kb_questions_done_answer ON kb_questions_done (answer_id);

-- The queue reads the recent consultations answered by nobody on receipt: a small slice of the
-- requests, found without walking the rest.
CREATE INDEX requests_open_questions ON requests (received_at) WHERE kind = 'consultation' AND answer IS NULL;
