//! The flat record of a `proposed_rules` row, shared by both SQL adapters so a row parses back
//! through the same checks whatever the backend. The code lists are JSON arrays in the table
//! (`jsonb` on PostgreSQL, `TEXT` on SQLite); adapters bind them with `sqlx::types::Json`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::area::AreaCode;
use crate::bureau::BureauCode;
use crate::category::CategoryCode;
use crate::ids::RequestId;
use crate::records::CorruptRow;
use crate::workflow::{Decision, Note};

use super::meeting::MeetingId;
use super::proposal::{ProposalId, ProposalState, ProposedRule};

#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub meeting_id: Uuid,
    pub categories: Vec<String>,
    pub areas: Vec<String>,
    pub lead: String,
    pub assists: Vec<String>,
    pub note: Option<String>,
    pub state: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

impl From<&ProposedRule> for ProposalRecord {
    fn from(p: &ProposedRule) -> Self {
        Self {
            id: p.id.as_uuid(),
            request_id: p.request_id.as_uuid(),
            meeting_id: p.meeting_id.as_uuid(),
            categories: p.categories.iter().map(|c| c.as_str().to_owned()).collect(),
            areas: p.areas.iter().map(|a| a.as_str().to_owned()).collect(),
            lead: p.lead.as_str().to_owned(),
            assists: p.assists.iter().map(|b| b.as_str().to_owned()).collect(),
            note: p.note.as_ref().map(|n| n.as_str().to_owned()),
            state: p.state.as_str().to_owned(),
            proposed_at: p.proposed_at,
            decided_by: p.decision.as_ref().map(|d| d.by.clone()),
            decided_at: p.decision.as_ref().map(|d| d.at),
            decision_note: p.decision.as_ref().and_then(|d| d.note.as_ref()).map(|n| n.as_str().to_owned()),
        }
    }
}

impl TryFrom<ProposalRecord> for ProposedRule {
    type Error = CorruptRow;
    fn try_from(r: ProposalRecord) -> Result<Self, CorruptRow> {
        let bad = |message: String| CorruptRow { table: "proposed_rules", message };
        let v = |e: crate::ValidationError| bad(e.to_string());
        let note = |raw: Option<&str>| raw.map(Note::parse).transpose().map_err(v);
        let decision = match (r.decided_by, r.decided_at) {
            (Some(by), Some(at)) => Some(Decision { by, at, note: note(r.decision_note.as_deref())? }),
            _ => None,
        };
        Ok(ProposedRule {
            id: ProposalId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            meeting_id: MeetingId::from_uuid(r.meeting_id),
            categories: r
                .categories
                .iter()
                .map(|c| CategoryCode::parse(c))
                .collect::<Result<_, _>>()
                .map_err(v)?,
            areas: r.areas.iter().map(|a| AreaCode::parse(a)).collect::<Result<_, _>>().map_err(v)?,
            lead: BureauCode::parse(&r.lead).map_err(v)?,
            assists: r.assists.iter().map(|b| BureauCode::parse(b)).collect::<Result<_, _>>().map_err(v)?,
            note: note(r.note.as_deref())?,
            state: ProposalState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            proposed_at: r.proposed_at,
            decision,
        })
    }
}
