//! Deadlines as data: each clock running on a task is a row with a due time, so a restart loses
//! none and a scanner can find the missed ones with an index instead of keeping timers.

use chrono::{DateTime, NaiveTime, SubsecRound, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::sla::{DeadlineKind, Limit, TimeLimitClass};
use jiesu_model::ids::{RequestId, TaskId};
use jiesu_model::time::LOCAL;

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
    /// When the chain acts next: the pre-breach warning (`warning_at`) at first, then the due
    /// time; `None` when it has nothing left to do.
    pub next_action_at: Option<DateTime<Utc>>,
}

/// The hour a warning that fell on a day off is given instead, on the next working day.
const MORNING: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => panic!("a valid time"),
};

/// Where the pre-breach warning of a clock counted by `limit` falls: three quarters of the way
/// from its start to its due time. For a limit in working days, a point on a day off (a weekend,
/// a holiday) moves to 09:00 of the next working day, where someone will read it; a point in the
/// night stays, and the notice waits for the morning with the others that may wait. `None` when
/// there is no time left to warn in.
pub fn warning_at(
    start: DateTime<Utc>,
    due: DateTime<Utc>,
    limit: &Limit,
    cal: &WorkCalendar,
) -> Option<DateTime<Utc>> {
    let span = due - start;
    if span <= chrono::TimeDelta::zero() {
        return None;
    }
    // To the microsecond, as the stores keep times: a case read back equals the one decided.
    let mut at = (start + span * 3 / 4).trunc_subsecs(6);
    let day = at.with_timezone(&LOCAL).date_naive();
    if matches!(limit, Limit::WorkingDays(_)) && !cal.is_working_day(day) {
        let next = cal.working_days_after(day, 1);
        at = LOCAL.from_local_datetime(&next.and_time(MORNING)).single()?.with_timezone(&Utc);
    }
    (at < due).then_some(at)
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

    /// With its pre-breach warning (`warning_at`) as the chain's first step, for a clock counted
    /// by `limit` from `start`.
    pub fn warned_from(mut self, start: DateTime<Utc>, limit: &Limit, cal: &WorkCalendar) -> Self {
        if let Some(at) = warning_at(start, self.due_at, limit, cal) {
            self.next_action_at = Some(at);
        }
        self
    }

    /// Whether the chain's step at `at` is the pre-breach warning: it has not run out, and its
    /// step falls before its due time.
    pub fn warns_at(&self, at: DateTime<Utc>) -> bool {
        self.stage == 0 && self.state == DeadlineState::Pending && at < self.due_at
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
