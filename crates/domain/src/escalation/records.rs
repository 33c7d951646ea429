//! Flat records of escalations and meetings, shared by both SQL adapters. The parts a query never
//! filters on (a meeting's place, invitees, agenda and decision; a hotspot's linked requests) are
//! JSON, written and read only as a whole.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::area::AreaLevel;
use crate::bureau::BureauCode;
use crate::deadline::DeadlineId;
use crate::ids::RequestId;
use crate::records::CorruptRow;

use super::{Escalation, EscalationId, EscalationState, Meeting, MeetingId, MeetingState, Trigger};

fn bad(table: &'static str) -> impl Fn(String) -> CorruptRow {
    move |message| CorruptRow { table, message }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

#[derive(Debug, Clone, PartialEq)]
pub struct EscalationRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub trigger: String,
    pub state: String,
    pub level: String,
    pub owner: Option<String>,
    pub deadline_id: Option<Uuid>,
    pub linked: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
            linked: json(&e.linked),
            opened_at: e.opened_at,
            updated_at: e.updated_at,
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
            linked: serde_json::from_str(&r.linked).map_err(|e| bad(e.to_string()))?,
            opened_at: r.opened_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeetingRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub escalation_id: Uuid,
    pub level: String,
    pub convener: String,
    pub scheduled_at: DateTime<Utc>,
    pub decide_by: DateTime<Utc>,
    pub state: String,
    pub place: String,
    pub invitees: String,
    pub agenda: String,
    pub decision: Option<String>,
    pub called_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Meeting> for MeetingRecord {
    fn from(m: &Meeting) -> Self {
        Self {
            id: m.id.as_uuid(),
            request_id: m.request_id.as_uuid(),
            escalation_id: m.escalation_id.as_uuid(),
            level: m.level.as_str().to_owned(),
            convener: m.convener.to_string(),
            scheduled_at: m.scheduled_at,
            decide_by: m.decide_by,
            state: m.state.as_str().to_owned(),
            place: json(&m.place),
            invitees: json(&m.invitees),
            agenda: json(&m.agenda),
            decision: m.decision.as_ref().map(json),
            called_at: m.called_at,
            updated_at: m.updated_at,
        }
    }
}

impl TryFrom<MeetingRecord> for Meeting {
    type Error = CorruptRow;
    fn try_from(r: MeetingRecord) -> Result<Self, CorruptRow> {
        fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, CorruptRow> {
            serde_json::from_str(s).map_err(|e| CorruptRow { table: "meetings", message: e.to_string() })
        }
        let bad = bad("meetings");
        Ok(Meeting {
            id: MeetingId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            escalation_id: EscalationId::from_uuid(r.escalation_id),
            level: AreaLevel::parse(&r.level).ok_or_else(|| bad(format!("level `{}`", r.level)))?,
            convener: BureauCode::parse(&r.convener).map_err(|e| bad(e.to_string()))?,
            scheduled_at: r.scheduled_at,
            decide_by: r.decide_by,
            state: MeetingState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            place: parse(&r.place)?,
            invitees: parse(&r.invitees)?,
            agenda: parse(&r.agenda)?,
            decision: r.decision.as_deref().map(parse).transpose()?,
            called_at: r.called_at,
            updated_at: r.updated_at,
        })
    }
}
