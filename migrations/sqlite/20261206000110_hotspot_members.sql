-- A hotspot's linked requests are its rows in `hotspot_members`, the only record of them: a
-- request joining a hotspot adds its row (and an event) without rewriting a list on the
-- escalation, whose size grew with the cluster. The escalation's `linked` column had the same ids
-- (every linked request was always made a member too).
CREATE INDEX hotspot_members_escalation ON hotspot_members (escalation_id);
ALTER TABLE escalations DROP COLUMN linked;
