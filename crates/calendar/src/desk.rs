//! The dispatch desk's clocks: a request waiting to be placed (待分拨), a held disclaim waiting
//! for review (退单审核) and a result waiting for the closure review (结案审核) each have a
//! deadline, so nothing can be forgotten at the desk. They are rows like the tasks' deadlines
//! (a restart loses none; a scanner finds the missed ones through an index), kept apart from
//! them because the tasks' clocks are what a bureau's inbox is ordered and counted by.

use chrono::{DateTime, Utc};

use crate::calendar::WorkCalendar;
use crate::deadline::DeadlineState;
pub use crate::sla::{DeskClockKind, DeskLimits};
use jiesu_model::ids::{RequestId, TaskId};
use serde::{Deserialize, Serialize};

jiesu_model::ids::uuid_id!(
    /// Identifies one desk clock.
    DeskClockId
);

/// One thing the desk owes on a request, and by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskClock {
    pub id: DeskClockId,
    pub request_id: RequestId,
    pub kind: DeskClockKind,
    /// The disclaimed task a disclaim review is about; `None` for the others.
    pub task_id: Option<TaskId>,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// `Met` once the desk acted (on time when `settled_at <= due_at`); `Cancelled` when what it
    /// waited for went away otherwise (a meeting placed the request).
    pub state: DeadlineState,
    pub settled_at: Option<DateTime<Utc>>,
    /// How far its chain has gone since it ran out (0: not yet; see the workflow's desk chain).
    pub stage: u8,
    /// When the chain acts next (the due time at first); `None` when it has nothing left to do.
    pub next_action_at: Option<DateTime<Utc>>,
}

impl DeskClock {
    /// A clock started at `now` with the district's limit for its kind.
    pub fn start(
        request_id: RequestId,
        kind: DeskClockKind,
        task_id: Option<TaskId>,
        now: DateTime<Utc>,
        limits: &DeskLimits,
        calendar: &WorkCalendar,
    ) -> Self {
        let due_at = limits.get(kind).due_from(now, calendar);
        Self {
            id: DeskClockId::generate(),
            request_id,
            kind,
            task_id,
            started_at: now,
            due_at,
            state: DeadlineState::Pending,
            settled_at: None,
            stage: 0,
            next_action_at: Some(due_at),
        }
    }

    pub fn is_running(&self) -> bool {
        self.state == DeadlineState::Pending
    }

    /// Whether it was (or is being) missed as of `now`.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        match self.state {
            DeadlineState::Pending => now > self.due_at,
            DeadlineState::Met => self.settled_at.is_some_and(|t| t > self.due_at),
            DeadlineState::Cancelled => false,
        }
    }
}
