-- Escalations and coordination meetings, the rules meetings propose, and the deadline chain
-- (reminders, then escalation up the area hierarchy) kept on each deadline row.

-- Where a clock's chain of reminders and escalations stands, and when it next acts. A scanner
-- leases due rows; the stage moves in the same transaction as the reminder it sends.
ALTER TABLE deadlines ADD COLUMN stage INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deadlines ADD COLUMN next_action_at INTEGER;
ALTER TABLE deadlines ADD COLUMN lease_until INTEGER;
UPDATE deadlines SET next_action_at = due_at;
CREATE INDEX deadlines_next_action ON deadlines (next_action_at) WHERE state = 'pending';

-- What a binding task's bureau does, as the meeting decided it.
ALTER TABLE tasks ADD COLUMN scope TEXT;

CREATE TABLE escalations (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    trigger         TEXT    NOT NULL CHECK (trigger IN ('exhausted', 'ping_pong', 'deadline_missed', 'hotspot')),
    state           TEXT    NOT NULL,
    level           TEXT    NOT NULL,
    owner           TEXT,
    deadline_id     BLOB,
    -- JSON array of linked request ids (hotspots).
    linked          TEXT    NOT NULL DEFAULT '[]',
    opened_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- One escalation per request and trigger, however many workers see the same events.
    UNIQUE (request_id, trigger)
) STRICT;

CREATE INDEX escalations_state ON escalations (state, opened_at);

-- A request belongs to at most one hotspot.
CREATE TABLE hotspot_members (
    request_id      BLOB    NOT NULL PRIMARY KEY REFERENCES requests (id),
    escalation_id   BLOB    NOT NULL REFERENCES escalations (id)
) STRICT;

CREATE TABLE meetings (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    escalation_id   BLOB    NOT NULL REFERENCES escalations (id),
    level           TEXT    NOT NULL,
    convener        TEXT    NOT NULL,
    scheduled_at    INTEGER NOT NULL,
    decide_by       INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('called', 'decided', 'lapsed')),
    place           TEXT    NOT NULL,
    invitees        TEXT    NOT NULL,
    agenda          TEXT    NOT NULL,
    decision        TEXT,
    called_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    lease_until     INTEGER,
    -- One meeting per escalation and level.
    UNIQUE (escalation_id, level)
) STRICT;

CREATE INDEX meetings_scheduled ON meetings (scheduled_at);
CREATE INDEX meetings_due ON meetings (decide_by) WHERE state = 'called';

CREATE TABLE proposed_rules (
    id              BLOB    NOT NULL PRIMARY KEY,
    request_id      BLOB    NOT NULL REFERENCES requests (id),
    meeting_id      BLOB    NOT NULL REFERENCES meetings (id),
    -- JSON arrays of codes.
    categories      TEXT    NOT NULL,
    areas           TEXT    NOT NULL,
    lead            TEXT    NOT NULL,
    assists         TEXT    NOT NULL DEFAULT '[]',
    note            TEXT,
    state           TEXT    NOT NULL CHECK (state IN ('proposed', 'accepted', 'declined')),
    proposed_at     INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER,
    decision_note   TEXT,
    -- One proposal per meeting.
    UNIQUE (meeting_id)
) STRICT;

CREATE INDEX proposed_rules_state ON proposed_rules (state, proposed_at);
