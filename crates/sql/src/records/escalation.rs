//! Escalations, meetings and the rules meetings propose, as rows. The parts a query never filters
//! on (a meeting's place, invitees, agenda and decision; a proposed
//! rule's code lists) are JSON, written and read only as a whole.

use jiesu_domain::ValidationError;
use jiesu_domain::area::{AreaCode, AreaLevel};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::deadline::DeadlineId;
use jiesu_domain::escalation::{
    Escalation, EscalationId, EscalationState, Meeting, MeetingId, MeetingState, ProposalId, ProposalState,
    ProposedRule, Trigger,
};
use jiesu_domain::ids::RequestId;
use jiesu_domain::workflow::{Decision, Note};
use uuid::Uuid;

use super::{CorruptRow, corrupt as bad, from_json, to_json};
use crate::dialect::{DbTime, JsonValue};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EscalationRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub trigger: String,
    pub state: String,
    pub level: String,
    pub owner: Option<String>,
    pub deadline_id: Option<Uuid>,
    pub opened_at: DbTime,
    pub updated_at: DbTime,
}

impl From<&Escalation> for EscalationRecord {
    fn from(e: &Escalation) -> Self {
        Self {
            id: e.id.as_uuid(),
            request_id: e.request_id.as_uuid(),
            trigger: e.trigger.as_str().to_owned(),
            state: e.state.as_str().to_owned(),
            level: e.level.as_str().to_owned(),
            owner: e.owner.as_ref().map(|b| b.to_string()),
            deadline_id: e.deadline.map(|d| d.as_uuid()),
            opened_at: DbTime(e.opened_at),
            updated_at: DbTime(e.updated_at),
        }
    }
}

impl TryFrom<EscalationRecord> for Escalation {
    type Error = CorruptRow;
    fn try_from(r: EscalationRecord) -> Result<Self, CorruptRow> {
        let bad = bad("escalations");
        Ok(Escalation {
            id: EscalationId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            trigger: Trigger::parse(&r.trigger).ok_or_else(|| bad(format!("trigger `{}`", r.trigger)))?,
            state: EscalationState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            level: AreaLevel::parse(&r.level).ok_or_else(|| bad(format!("level `{}`", r.level)))?,
            owner: r.owner.as_deref().map(BureauCode::parse).transpose().map_err(|e| bad(e.to_string()))?,
            deadline: r.deadline_id.map(DeadlineId::from_uuid),
            // Read from the hotspot's members by whoever loads it.
            linked: Vec::new(),
            opened_at: r.opened_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MeetingRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub escalation_id: Uuid,
    pub level: String,
    pub convener: String,
    pub scheduled_at: DbTime,
    pub decide_by: DbTime,
    pub state: String,
    pub place: JsonValue,
    pub invitees: JsonValue,
    pub agenda: JsonValue,
    pub decision: Option<JsonValue>,
    pub called_at: DbTime,
    pub updated_at: DbTime,
}

impl From<&Meeting> for MeetingRecord {
    fn from(m: &Meeting) -> Self {
        Self {
            id: m.id.as_uuid(),
            request_id: m.request_id.as_uuid(),
            escalation_id: m.escalation_id.as_uuid(),
            level: m.level.as_str().to_owned(),
            convener: m.convener.to_string(),
            scheduled_at: DbTime(m.scheduled_at),
            decide_by: DbTime(m.decide_by),
            state: m.state.as_str().to_owned(),
            place: to_json(&m.place),
            invitees: to_json(&m.invitees),
            agenda: to_json(&m.agenda),
            decision: m.decision.as_ref().map(to_json),
            called_at: DbTime(m.called_at),
            updated_at: DbTime(m.updated_at),
        }
    }
}

impl TryFrom<MeetingRecord> for Meeting {
    type Error = CorruptRow;
    fn try_from(r: MeetingRecord) -> Result<Self, CorruptRow> {
        let bad = bad("meetings");
        Ok(Meeting {
            id: MeetingId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            escalation_id: EscalationId::from_uuid(r.escalation_id),
            level: AreaLevel::parse(&r.level).ok_or_else(|| bad(format!("level `{}`", r.level)))?,
            convener: BureauCode::parse(&r.convener).map_err(|e| bad(e.to_string()))?,
            scheduled_at: r.scheduled_at.0,
            decide_by: r.decide_by.0,
            state: MeetingState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            place: from_json("meetings", r.place)?,
            invitees: from_json("meetings", r.invitees)?,
            agenda: from_json("meetings", r.agenda)?,
            decision: r.decision.map(|d| from_json("meetings", d)).transpose()?,
            called_at: r.called_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ProposalRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub meeting_id: Uuid,
    pub categories: JsonValue,
    pub areas: JsonValue,
    pub lead: String,
    pub assists: JsonValue,
    pub note: Option<String>,
    pub state: String,
    pub proposed_at: DbTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<DbTime>,
    pub decision_note: Option<String>,
}

impl From<&ProposedRule> for ProposalRecord {
    fn from(p: &ProposedRule) -> Self {
        Self {
            id: p.id.as_uuid(),
            request_id: p.request_id.as_uuid(),
            meeting_id: p.meeting_id.as_uuid(),
            categories: to_json(&p.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
            areas: to_json(&p.areas.iter().map(|a| a.as_str()).collect::<Vec<_>>()),
            lead: p.lead.as_str().to_owned(),
            assists: to_json(&p.assists.iter().map(|b| b.as_str()).collect::<Vec<_>>()),
            note: p.note.as_ref().map(|n| n.as_str().to_owned()),
            state: p.state.as_str().to_owned(),
            proposed_at: DbTime(p.proposed_at),
            decided_by: p.decision.as_ref().map(|d| d.by.clone()),
            decided_at: p.decision.as_ref().map(|d| DbTime(d.at)),
            decision_note: p.decision.as_ref().and_then(|d| d.note.as_ref()).map(|n| n.as_str().to_owned()),
        }
    }
}

impl TryFrom<ProposalRecord> for ProposedRule {
    type Error = CorruptRow;
    fn try_from(r: ProposalRecord) -> Result<Self, CorruptRow> {
        let bad = bad("proposed_rules");
        let v = |e: ValidationError| bad(e.to_string());
        let list = |v: JsonValue| from_json::<Vec<String>>("proposed_rules", v);
        let note = |raw: Option<&str>| raw.map(Note::parse).transpose().map_err(v);
        let decision = match (r.decided_by, r.decided_at) {
            (Some(by), Some(DbTime(at))) => {
                Some(Decision { by, at, note: note(r.decision_note.as_deref())? })
            }
            _ => None,
        };
        Ok(ProposedRule {
            id: ProposalId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            meeting_id: MeetingId::from_uuid(r.meeting_id),
            categories: list(r.categories)?
                .iter()
                .map(|c| CategoryCode::parse(c))
                .collect::<Result<_, _>>()
                .map_err(v)?,
            areas: list(r.areas)?.iter().map(|a| AreaCode::parse(a)).collect::<Result<_, _>>().map_err(v)?,
            lead: BureauCode::parse(&r.lead).map_err(v)?,
            assists: list(r.assists)?
                .iter()
                .map(|b| BureauCode::parse(b))
                .collect::<Result<_, _>>()
                .map_err(v)?,
            note: note(r.note.as_deref())?,
            state: ProposalState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            proposed_at: r.proposed_at.0,
            decision,
        })
    }
}
