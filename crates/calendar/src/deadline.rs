//! Deadlines as data: each clock running on a task is a row with a due time, so a restart loses
//! none and a scanner can find the missed ones with an index instead of keeping timers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::sla::{DeadlineKind, TimeLimitClass};
use jiesu_model::ids::{RequestId, TaskId};

jiesu_model::ids::uuid_id!(
    /// Identifies one deadline row.
    DeadlineId
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// The clock runs.
    Pending,
    /// What it waited for happened (claimed, resolved); `settled_at` says when, so on-time is
    /// `settled_at <= due_at`.
    Met,
    /// The task ended otherwise (disclaimed, released, cancelled): the clock no longer matters.
    Cancelled,
}

impl DeadlineState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Met => "met",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Met, Self::Cancelled].into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub id: DeadlineId,
    pub request_id: RequestId,
    pub task_id: TaskId,
    pub kind: DeadlineKind,
    /// The time-limit class it was computed from.
    pub class: TimeLimitClass,
    pub due_at: DateTime<Utc>,
    pub state: DeadlineState,
    pub settled_at: Option<DateTime<Utc>>,
    /// How far the chain of reminders and escalations has gone since it ran out (0: not yet).
    pub stage: u8,
    /// When the chain acts next (the due time at first); `None` when it has nothing left to do.
    pub next_action_at: Option<DateTime<Utc>>,
}

impl Deadline {
    pub fn new(
        request_id: RequestId,
        task_id: TaskId,
        kind: DeadlineKind,
        class: TimeLimitClass,
        due_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: DeadlineId::generate(),
            request_id,
            task_id,
            kind,
            class,
            due_at,
            state: DeadlineState::Pending,
            settled_at: None,
            stage: 0,
            next_action_at: Some(due_at),
        }
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
