//! Tasks: one bureau's share of a request, with its own lifecycle. A request has one lead task at
//! a time and any number of assisting tasks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::bureau::BureauCode;
use crate::ids::{RequestId, TaskId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskRole {
    /// 主办: answers for the whole request.
    Lead,
    /// 协办: handles a share under the lead.
    Assist,
}

impl TaskRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Assist => "assist",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Lead, Self::Assist].into_iter().find(|r| r.as_str() == raw)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Sent to the bureau; the response clock runs until it is claimed.
    Dispatched,
    /// Claimed (签收): the bureau is working on it.
    Claimed,
    /// Done (办结).
    Resolved,
    /// The bureau asked to send it back, and the district has the dispatch desk review disclaims:
    /// still the bureau's until an operator accepts (→ disclaimed) or rejects (→ claimed) it.
    DisclaimRequested,
    /// Sent back as "not ours" (退单).
    Disclaimed,
    /// An assisting bureau was let go by the lead or an operator.
    Released,
    /// Withdrawn, e.g. the request was merged or transferred elsewhere.
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskAction {
    Claim,
    Progress,
    Resolve,
    /// Send it back at once (the district routes disclaims onward automatically).
    Disclaim,
    /// Ask to send it back; the dispatch desk decides.
    RequestDisclaim,
    /// The dispatch desk accepted the requested disclaim.
    AcceptDisclaim,
    /// The dispatch desk refused it: the bureau must handle the task.
    RejectDisclaim,
    Release,
    Cancel,
    /// The closure review or the citizen sent the result back.
    Reopen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TaskTransitionError {
    #[error("a task that is {from:?} cannot take the action {action:?}")]
    Illegal { from: TaskState, action: TaskAction },
    /// A coordination meeting's decision binds the bureau: it may ask for more time, not refuse.
    #[error("a binding task assigned by a coordination meeting cannot be disclaimed")]
    Binding,
    #[error("only an assisting task can be released")]
    NotAnAssist,
}

impl TaskState {
    pub const ALL: [TaskState; 7] = [
        Self::Dispatched,
        Self::Claimed,
        Self::Resolved,
        Self::DisclaimRequested,
        Self::Disclaimed,
        Self::Released,
        Self::Cancelled,
    ];

    pub fn apply(
        self,
        action: TaskAction,
        role: TaskRole,
        binding: bool,
    ) -> Result<Self, TaskTransitionError> {
        use TaskAction as A;
        use TaskState as S;
        let illegal = Err(TaskTransitionError::Illegal { from: self, action });
        match (self, action) {
            (S::Dispatched, A::Claim) => Ok(S::Claimed),
            (S::Claimed, A::Progress) => Ok(S::Claimed),
            (S::Claimed, A::Resolve) => Ok(S::Resolved),
            (S::Dispatched | S::Claimed, A::Disclaim | A::RequestDisclaim) if binding => {
                Err(TaskTransitionError::Binding)
            }
            (S::Dispatched | S::Claimed, A::Disclaim) => Ok(S::Disclaimed),
            (S::Dispatched | S::Claimed, A::RequestDisclaim) => Ok(S::DisclaimRequested),
            (S::DisclaimRequested, A::AcceptDisclaim) => Ok(S::Disclaimed),
            (S::DisclaimRequested, A::RejectDisclaim) => Ok(S::Claimed),
            (S::Dispatched | S::Claimed | S::DisclaimRequested, A::Release) if role != TaskRole::Assist => {
                Err(TaskTransitionError::NotAnAssist)
            }
            (S::Dispatched | S::Claimed | S::DisclaimRequested, A::Release) => Ok(S::Released),
            (S::Dispatched | S::Claimed | S::DisclaimRequested, A::Cancel) => Ok(S::Cancelled),
            (S::Resolved, A::Reopen) => Ok(S::Claimed),
            _ => illegal,
        }
    }

    /// Whether the bureau still owes work on it.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Dispatched | Self::Claimed | Self::DisclaimRequested)
    }

    /// Whether the task is over for good (only a resolved task can still be reopened).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Disclaimed | Self::Released | Self::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dispatched => "dispatched",
            Self::Claimed => "claimed",
            Self::Resolved => "resolved",
            Self::DisclaimRequested => "disclaim_requested",
            Self::Disclaimed => "disclaimed",
            Self::Released => "released",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub request_id: RequestId,
    pub bureau: BureauCode,
    pub role: TaskRole,
    pub state: TaskState,
    /// Assigned by a coordination meeting's decision: cannot be disclaimed.
    pub binding: bool,
    /// The bureau's share of the job in words, as a meeting decided it.
    pub scope: Option<crate::note::Note>,
    pub dispatched_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    pub fn dispatch(request_id: RequestId, bureau: BureauCode, role: TaskRole, now: DateTime<Utc>) -> Self {
        Self {
            id: TaskId::generate(),
            request_id,
            bureau,
            role,
            state: TaskState::Dispatched,
            binding: false,
            scope: None,
            dispatched_at: now,
            updated_at: now,
        }
    }

    /// Applies an action, leaving the task untouched when it is refused.
    pub fn act(&mut self, action: TaskAction, now: DateTime<Utc>) -> Result<(), TaskTransitionError> {
        self.state = self.state.apply(action, self.role, self.binding)?;
        self.updated_at = now;
        Ok(())
    }
}

/// The lead task that answers for a request now: the active lead, else the latest resolved lead
/// (a closed request still names who solved it). Disclaimed, released and cancelled leads answer
/// for nothing.
pub fn current_lead(tasks: &[Task]) -> Option<&Task> {
    let leads = || tasks.iter().rev().filter(|t| t.role == TaskRole::Lead);
    leads().find(|t| t.state.is_active()).or_else(|| leads().find(|t| t.state == TaskState::Resolved))
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskAction as A;
    use TaskState as S;
    use proptest::prelude::*;

    const ACTIONS: [A; 10] = [
        A::Claim,
        A::Progress,
        A::Resolve,
        A::Disclaim,
        A::RequestDisclaim,
        A::AcceptDisclaim,
        A::RejectDisclaim,
        A::Release,
        A::Cancel,
        A::Reopen,
    ];

    fn task(role: TaskRole, binding: bool) -> Task {
        let bureau = BureauCode::parse("water").expect("valid");
        Task { binding, ..Task::dispatch(RequestId::generate(), bureau, role, Utc::now()) }
    }

    #[test]
    fn claim_then_resolve() {
        let mut t = task(TaskRole::Lead, false);
        t.act(A::Claim, Utc::now()).expect("claim");
        t.act(A::Progress, Utc::now()).expect("progress");
        t.act(A::Resolve, Utc::now()).expect("resolve");
        assert_eq!(t.state, S::Resolved);
    }

    #[test]
    fn a_task_cannot_be_resolved_before_it_is_claimed() {
        let mut t = task(TaskRole::Lead, false);
        assert_eq!(
            t.act(A::Resolve, Utc::now()),
            Err(TaskTransitionError::Illegal { from: S::Dispatched, action: A::Resolve })
        );
        assert_eq!(t.state, S::Dispatched, "a refused action changes nothing");
    }

    #[test]
    fn binding_tasks_cannot_be_disclaimed() {
        let mut t = task(TaskRole::Lead, true);
        assert_eq!(t.act(A::Disclaim, Utc::now()), Err(TaskTransitionError::Binding));
        t.act(A::Claim, Utc::now()).expect("claim");
        assert_eq!(t.act(A::Disclaim, Utc::now()), Err(TaskTransitionError::Binding));
    }

    #[test]
    fn a_requested_disclaim_waits_for_the_desk() {
        let mut t = task(TaskRole::Lead, false);
        t.act(A::RequestDisclaim, Utc::now()).expect("request");
        assert!(t.state.is_active(), "still the bureau's until the desk decides");
        assert!(t.act(A::Resolve, Utc::now()).is_err());
        t.act(A::RejectDisclaim, Utc::now()).expect("reject");
        assert_eq!(t.state, S::Claimed, "refused: the bureau must handle it");
        let mut u = task(TaskRole::Lead, false);
        u.act(A::RequestDisclaim, Utc::now()).expect("request");
        u.act(A::AcceptDisclaim, Utc::now()).expect("accept");
        assert_eq!(u.state, S::Disclaimed);
        assert_eq!(
            task(TaskRole::Lead, true).act(A::RequestDisclaim, Utc::now()),
            Err(TaskTransitionError::Binding)
        );
    }

    #[test]
    fn only_assists_are_released() {
        assert_eq!(
            task(TaskRole::Lead, false).act(A::Release, Utc::now()),
            Err(TaskTransitionError::NotAnAssist)
        );
        assert!(task(TaskRole::Assist, false).act(A::Release, Utc::now()).is_ok());
    }

    proptest! {
        /// Disclaimed, released and cancelled are final; resolved only moves by reopening; a
        /// binding task never ends disclaimed.
        #[test]
        fn terminal_states_stay_terminal(
            steps in proptest::collection::vec(0..ACTIONS.len(), 0..30),
            assist in any::<bool>(),
            binding in any::<bool>(),
        ) {
            let role = if assist { TaskRole::Assist } else { TaskRole::Lead };
            let mut s = S::Dispatched;
            for i in steps {
                let a = ACTIONS[i];
                if let Ok(next) = s.apply(a, role, binding) {
                    prop_assert!(!s.is_final());
                    if s == S::Resolved { prop_assert_eq!(a, A::Reopen); }
                    s = next;
                }
                prop_assert!(!(binding && s == S::Disclaimed));
            }
        }
    }
}
