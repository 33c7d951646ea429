//! The dispatch desk's clocks as rows.

use jiesu_domain::deadline::DeadlineState;
use jiesu_domain::desk::{DeskClock, DeskClockId, DeskClockKind};
use jiesu_domain::ids::{RequestId, TaskId};
use uuid::Uuid;

use super::CorruptRow;
use super::corrupt as bad;
use crate::dialect::DbTime;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeskClockRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub kind: String,
    pub task_id: Option<Uuid>,
    pub started_at: DbTime,
    pub due_at: DbTime,
    pub state: String,
    pub settled_at: Option<DbTime>,
    pub stage: i32,
    pub next_action_at: Option<DbTime>,
}

impl From<&DeskClock> for DeskClockRecord {
    fn from(k: &DeskClock) -> Self {
        Self {
            id: k.id.as_uuid(),
            request_id: k.request_id.as_uuid(),
            kind: k.kind.as_str().to_owned(),
            task_id: k.task_id.map(|t| t.as_uuid()),
            started_at: DbTime(k.started_at),
            due_at: DbTime(k.due_at),
            state: k.state.as_str().to_owned(),
            settled_at: k.settled_at.map(DbTime),
            stage: i32::from(k.stage),
            next_action_at: k.next_action_at.map(DbTime),
        }
    }
}

impl TryFrom<DeskClockRecord> for DeskClock {
    type Error = CorruptRow;
    fn try_from(r: DeskClockRecord) -> Result<Self, CorruptRow> {
        let bad = bad("desk_clocks");
        Ok(DeskClock {
            id: DeskClockId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            kind: DeskClockKind::parse(&r.kind).ok_or_else(|| bad(format!("kind `{}`", r.kind)))?,
            task_id: r.task_id.map(TaskId::from_uuid),
            started_at: r.started_at.0,
            due_at: r.due_at.0,
            state: DeadlineState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            settled_at: r.settled_at.map(|t| t.0),
            stage: u8::try_from(r.stage).map_err(|e| bad(e.to_string()))?,
            next_action_at: r.next_action_at.map(|t| t.0),
        })
    }
}
