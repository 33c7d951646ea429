//! The workflow's rows (deadlines, disclaims, extensions, return visits) and their conversions.

use jiesu_domain::bureau::BureauCode;
use jiesu_domain::deadline::{Deadline, DeadlineId, DeadlineState};
use jiesu_domain::ids::{RequestId, TaskId};
use jiesu_domain::sla::{DeadlineKind, TimeLimitClass};
use jiesu_domain::workflow::{
    Decision, Disclaim, DisclaimId, DisclaimReason, DisclaimState, Extension, ExtensionId, ExtensionState,
    Note, ReturnVisit, Satisfaction, Stars, VisitBy, VisitId,
};
use uuid::Uuid;

use super::CorruptRow;
use super::corrupt as bad;
use crate::dialect::DbTime;

fn note(table: &'static str, raw: Option<&str>) -> Result<Option<Note>, CorruptRow> {
    raw.map(Note::parse).transpose().map_err(|e| bad(table)(e.to_string()))
}

pub(super) fn decision(
    table: &'static str,
    by: Option<String>,
    at: Option<DbTime>,
    text: Option<&str>,
) -> Result<Option<Decision>, CorruptRow> {
    Ok(match (by, at) {
        (Some(by), Some(DbTime(at))) => Some(Decision { by, at, note: note(table, text)? }),
        _ => None,
    })
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeadlineRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub task_id: Uuid,
    pub kind: String,
    pub class: String,
    pub due_at: DbTime,
    pub state: String,
    pub settled_at: Option<DbTime>,
    pub stage: i32,
    pub next_action_at: Option<DbTime>,
}

impl From<&Deadline> for DeadlineRecord {
    fn from(d: &Deadline) -> Self {
        Self {
            id: d.id.as_uuid(),
            request_id: d.request_id.as_uuid(),
            task_id: d.task_id.as_uuid(),
            kind: d.kind.as_str().to_owned(),
            class: d.class.to_string(),
            due_at: DbTime(d.due_at),
            state: d.state.as_str().to_owned(),
            settled_at: d.settled_at.map(DbTime),
            stage: i32::from(d.stage),
            next_action_at: d.next_action_at.map(DbTime),
        }
    }
}

impl TryFrom<DeadlineRecord> for Deadline {
    type Error = CorruptRow;
    fn try_from(r: DeadlineRecord) -> Result<Self, CorruptRow> {
        let bad = bad("deadlines");
        Ok(Deadline {
            id: DeadlineId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            task_id: TaskId::from_uuid(r.task_id),
            kind: DeadlineKind::parse(&r.kind).ok_or_else(|| bad(format!("kind `{}`", r.kind)))?,
            class: TimeLimitClass::parse(&r.class).map_err(|e| bad(e.to_string()))?,
            due_at: r.due_at.0,
            state: DeadlineState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            settled_at: r.settled_at.map(|t| t.0),
            stage: u8::try_from(r.stage).map_err(|e| bad(e.to_string()))?,
            next_action_at: r.next_action_at.map(|t| t.0),
        })
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DisclaimRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub task_id: Uuid,
    pub bureau: String,
    pub reason: String,
    pub explanation: String,
    pub by_user: String,
    pub at: DbTime,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DbTime>,
    pub decision_note: Option<String>,
}

impl From<&Disclaim> for DisclaimRecord {
    fn from(d: &Disclaim) -> Self {
        Self {
            id: d.id.as_uuid(),
            request_id: d.request_id.as_uuid(),
            task_id: d.task_id.as_uuid(),
            bureau: d.bureau.to_string(),
            reason: d.reason.as_str().to_owned(),
            explanation: d.explanation.to_string(),
            by_user: d.by.clone(),
            at: DbTime(d.at),
            state: d.state.as_str().to_owned(),
            decided_by: d.decision.as_ref().map(|x| x.by.clone()),
            decided_at: d.decision.as_ref().map(|x| DbTime(x.at)),
            decision_note: d.decision.as_ref().and_then(|x| x.note.as_ref()).map(|n| n.to_string()),
        }
    }
}

impl TryFrom<DisclaimRecord> for Disclaim {
    type Error = CorruptRow;
    fn try_from(r: DisclaimRecord) -> Result<Self, CorruptRow> {
        let bad = bad("disclaims");
        Ok(Disclaim {
            id: DisclaimId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            task_id: TaskId::from_uuid(r.task_id),
            bureau: BureauCode::parse(&r.bureau).map_err(|e| bad(e.to_string()))?,
            reason: DisclaimReason::parse(&r.reason).map_err(|e| bad(e.to_string()))?,
            explanation: Note::parse(&r.explanation).map_err(|e| bad(e.to_string()))?,
            by: r.by_user,
            at: r.at.0,
            state: DisclaimState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            decision: decision("disclaims", r.decided_by, r.decided_at, r.decision_note.as_deref())?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExtensionRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub task_id: Uuid,
    pub bureau: String,
    pub days: i64,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: DbTime,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DbTime>,
    pub decision_note: Option<String>,
    pub new_due: Option<DbTime>,
}

impl From<&Extension> for ExtensionRecord {
    fn from(e: &Extension) -> Self {
        Self {
            id: e.id.as_uuid(),
            request_id: e.request_id.as_uuid(),
            task_id: e.task_id.as_uuid(),
            bureau: e.bureau.to_string(),
            days: i64::from(e.days),
            reason: e.reason.to_string(),
            requested_by: e.requested_by.clone(),
            requested_at: DbTime(e.requested_at),
            state: e.state.as_str().to_owned(),
            decided_by: e.decision.as_ref().map(|x| x.by.clone()),
            decided_at: e.decision.as_ref().map(|x| DbTime(x.at)),
            decision_note: e.decision.as_ref().and_then(|x| x.note.as_ref()).map(|n| n.to_string()),
            new_due: e.new_due.map(DbTime),
        }
    }
}

impl TryFrom<ExtensionRecord> for Extension {
    type Error = CorruptRow;
    fn try_from(r: ExtensionRecord) -> Result<Self, CorruptRow> {
        let bad = bad("extensions");
        Ok(Extension {
            id: ExtensionId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            task_id: TaskId::from_uuid(r.task_id),
            bureau: BureauCode::parse(&r.bureau).map_err(|e| bad(e.to_string()))?,
            days: u32::try_from(r.days).map_err(|e| bad(e.to_string()))?,
            reason: Note::parse(&r.reason).map_err(|e| bad(e.to_string()))?,
            requested_by: r.requested_by,
            requested_at: r.requested_at.0,
            state: ExtensionState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            decision: decision("extensions", r.decided_by, r.decided_at, r.decision_note.as_deref())?,
            new_due: r.new_due.map(|t| t.0),
        })
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VisitRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub solved: bool,
    pub satisfaction: Option<String>,
    pub stars: Option<i16>,
    pub comment: Option<String>,
    /// The operator's username; `None` when the citizen answered.
    pub operator: Option<String>,
    pub at: DbTime,
}

impl From<&ReturnVisit> for VisitRecord {
    fn from(v: &ReturnVisit) -> Self {
        Self {
            id: v.id.as_uuid(),
            request_id: v.request_id.as_uuid(),
            solved: v.solved,
            satisfaction: v.satisfaction.map(|s| s.as_str().to_owned()),
            stars: v.stars.map(|s| i16::from(s.get())),
            comment: v.comment.as_ref().map(|c| c.to_string()),
            operator: match &v.by {
                VisitBy::Operator { username } => Some(username.clone()),
                VisitBy::Citizen => None,
            },
            at: DbTime(v.at),
        }
    }
}

impl TryFrom<VisitRecord> for ReturnVisit {
    type Error = CorruptRow;
    fn try_from(r: VisitRecord) -> Result<Self, CorruptRow> {
        let bad = bad("return_visits");
        Ok(ReturnVisit {
            id: VisitId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            solved: r.solved,
            satisfaction: r
                .satisfaction
                .as_deref()
                .map(Satisfaction::parse)
                .transpose()
                .map_err(|e| bad(e.to_string()))?,
            stars: r
                .stars
                .map(|n| {
                    u8::try_from(n)
                        .map_err(|e| bad(e.to_string()))
                        .and_then(|n| Stars::new(n).map_err(|e| bad(e.to_string())))
                })
                .transpose()?,
            comment: note("return_visits", r.comment.as_deref())?,
            by: match r.operator {
                Some(username) => VisitBy::Operator { username },
                None => VisitBy::Citizen,
            },
            at: r.at.0,
        })
    }
}
