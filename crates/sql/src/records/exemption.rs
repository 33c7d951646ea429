//! An exemption's row (an appeal or a final reply, and its decision).

use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::{RequestId, TaskId};
use jiesu_domain::request::MediaUrl;
use jiesu_domain::workflow::{Exemption, ExemptionId, ExemptionKind, ExemptionState, Note, VisitId};
use uuid::Uuid;

use super::workflow::decision;
use super::{CorruptRow, corrupt as bad, from_json, to_json};
use crate::dialect::{DbTime, JsonValue};

const TABLE: &str = "exemptions";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExemptionRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub task_id: Uuid,
    pub bureau: String,
    pub kind: String,
    pub visit_id: Option<Uuid>,
    pub reason: String,
    pub photos: JsonValue,
    pub requested_by: String,
    pub requested_at: DbTime,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DbTime>,
    pub decision_note: Option<String>,
}

impl From<&Exemption> for ExemptionRecord {
    fn from(e: &Exemption) -> Self {
        Self {
            id: e.id.as_uuid(),
            request_id: e.request_id.as_uuid(),
            task_id: e.task_id.as_uuid(),
            bureau: e.bureau.to_string(),
            kind: e.kind.as_str().to_owned(),
            visit_id: e.visit.map(|v| v.as_uuid()),
            reason: e.reason.to_string(),
            photos: to_json(&e.photos),
            requested_by: e.requested_by.clone(),
            requested_at: DbTime(e.requested_at),
            state: e.state.as_str().to_owned(),
            decided_by: e.decision.as_ref().map(|x| x.by.clone()),
            decided_at: e.decision.as_ref().map(|x| DbTime(x.at)),
            decision_note: e.decision.as_ref().and_then(|x| x.note.as_ref()).map(|n| n.to_string()),
        }
    }
}

impl TryFrom<ExemptionRecord> for Exemption {
    type Error = CorruptRow;
    fn try_from(r: ExemptionRecord) -> Result<Self, CorruptRow> {
        let bad = bad(TABLE);
        let decision = decision(TABLE, r.decided_by, r.decided_at, r.decision_note.as_deref())?;
        Ok(Exemption {
            id: ExemptionId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            task_id: TaskId::from_uuid(r.task_id),
            bureau: BureauCode::parse(&r.bureau).map_err(|e| bad(e.to_string()))?,
            kind: ExemptionKind::parse(&r.kind).ok_or_else(|| bad(format!("kind `{}`", r.kind)))?,
            visit: r.visit_id.map(VisitId::from_uuid),
            reason: Note::parse(&r.reason).map_err(|e| bad(e.to_string()))?,
            photos: from_json::<Vec<MediaUrl>>(TABLE, r.photos)?,
            requested_by: r.requested_by,
            requested_at: r.requested_at.0,
            state: ExemptionState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            decision,
        })
    }
}
