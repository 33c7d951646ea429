-- Escalations and coordination meetings, the rules meetings propose, and the deadline chain
-- (reminders, then escalation up the area hierarchy) kept on each deadline row.

-- Where a clock's chain of reminders and escalations stands, and when it next acts. A scanner
-- leases due rows (FOR UPDATE SKIP LOCKED); the stage moves in the same transaction as the
-- reminder it sends.
ALTER TABLE deadlines ADD COLUMN stage integer NOT NULL DEFAULT 0;
ALTER TABLE deadlines ADD COLUMN next_action_at timestamptz;
ALTER TABLE deadlines ADD COLUMN lease_until timestamptz;
UPDATE deadlines SET next_action_at = due_at;
CREATE INDEX deadlines_next_action ON deadlines (next_action_at) WHERE state = 'pending';

-- What a binding task's bureau does, as the meeting decided it.
ALTER TABLE tasks ADD COLUMN scope text;

CREATE TABLE escalations (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    trigger         text        NOT NULL CHECK (trigger IN ('exhausted', 'ping_pong', 'deadline_missed', 'hotspot')),
    state           text        NOT NULL,
    level           text        NOT NULL,
    owner           text,
    deadline_id     uuid,
    -- Linked request ids (hotspots).
    linked          jsonb       NOT NULL DEFAULT '[]',
    opened_at       timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- One escalation per request and trigger, however many workers see the same events.
    UNIQUE (request_id, trigger)
);

CREATE INDEX escalations_state ON escalations (state, opened_at);

-- A request belongs to at most one hotspot.
CREATE TABLE hotspot_members (
    request_id      uuid        NOT NULL PRIMARY KEY REFERENCES requests (id),
    escalation_id   uuid        NOT NULL REFERENCES escalations (id)
);

CREATE TABLE meetings (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    escalation_id   uuid        NOT NULL REFERENCES escalations (id),
    level           text        NOT NULL,
    convener        text        NOT NULL,
    scheduled_at    timestamptz NOT NULL,
    decide_by       timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN ('called', 'decided', 'lapsed')),
    place           jsonb       NOT NULL,
    invitees        jsonb       NOT NULL,
    agenda          jsonb       NOT NULL,
    decision        jsonb,
    called_at       timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    lease_until     timestamptz,
    -- One meeting per escalation and level.
    UNIQUE (escalation_id, level)
);

CREATE INDEX meetings_scheduled ON meetings (scheduled_at);
CREATE INDEX meetings_due ON meetings (decide_by) WHERE state = 'called';

CREATE TABLE proposed_rules (
    id              uuid        NOT NULL PRIMARY KEY,
    request_id      uuid        NOT NULL REFERENCES requests (id),
    meeting_id      uuid        NOT NULL REFERENCES meetings (id),
    categories      jsonb       NOT NULL,
    areas           jsonb       NOT NULL,
    lead            text        NOT NULL,
    assists         jsonb       NOT NULL DEFAULT '[]',
    note            text,
    state           text        NOT NULL CHECK (state IN ('proposed', 'accepted', 'declined')),
    proposed_at     timestamptz NOT NULL,
    decided_by      text,
    decided_at      timestamptz,
    decision_note   text,
    -- One proposal per meeting.
    UNIQUE (meeting_id)
);

CREATE INDEX proposed_rules_state ON proposed_rules (state, proposed_at);
