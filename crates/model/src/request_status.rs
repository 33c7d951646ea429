//! The request lifecycle as an explicit state machine: one table of legal transitions, and a
//! typed error for every other move.

use serde::{Deserialize, Serialize};

/// Where a request stands. Derived from what happens to its tasks, but kept explicitly so that
/// illegal jumps (closing a request nobody resolved) are refused in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Stored, not yet routed.
    Received,
    /// Waiting for a dispatch-desk operator (分拨员): the rules could not place it, or a disclaim
    /// waits for review.
    AwaitingDispatch,
    /// A lead bureau has the task but has not claimed it.
    Dispatched,
    /// The lead bureau claimed it (签收) and is working on it.
    InProgress,
    /// Every candidate disclaimed it: a coordination meeting must decide.
    Escalated,
    /// The lead bureau reports it done (办结), and every assisting bureau is done: the dispatch
    /// desk's closure review (结案审核) is pending.
    Resolved,
    /// The closure review accepted the result; the return visit (回访) is pending.
    Reviewed,
    /// Closed (结案): the return visit is recorded, or the request was answered on receipt.
    Closed,
}

/// What can happen to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestTransition {
    /// A lead task was created (first dispatch, or after an operator or a meeting decided).
    Dispatch,
    /// The lead disclaimed and the request went to the next candidate.
    Redispatch,
    /// Needs an operator.
    AwaitOperator,
    LeadClaimed,
    Escalate,
    /// The lead resolved it and no assisting bureau still owes work.
    LeadResolved,
    /// Closure review sent it back to the lead.
    ResolutionRejected,
    /// Closure review accepted the result.
    ResolutionApproved,
    /// The dispatch desk refused the lead's disclaim: the lead must handle it.
    DisclaimRejected,
    /// The return visit is recorded.
    Close,
    /// The citizen said "not solved" (重办): back to the same lead bureau.
    Reopen,
    /// A consultation answered where it came in (a hotline operator answered on the phone):
    /// stored closed, never dispatched.
    AnswerOnReceipt,
    /// A supervisor approved the lead bureau's final reply (最终答复) to an unreasonable repeat
    /// demand: closed without a return visit.
    FinalReply,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a request that is {from:?} cannot take the transition {transition:?}")]
pub struct IllegalRequestTransition {
    pub from: RequestStatus,
    pub transition: RequestTransition,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 8] = [
        Self::Received,
        Self::AwaitingDispatch,
        Self::Dispatched,
        Self::InProgress,
        Self::Escalated,
        Self::Resolved,
        Self::Reviewed,
        Self::Closed,
    ];

    /// The lifecycle table: every legal (state, transition) pair and where it leads.
    pub fn apply(self, t: RequestTransition) -> Result<Self, IllegalRequestTransition> {
        use RequestStatus as S;
        use RequestTransition as T;
        let next = match (self, t) {
            (S::Received | S::AwaitingDispatch | S::Escalated, T::Dispatch) => S::Dispatched,
            (S::Dispatched | S::InProgress, T::Redispatch) => S::Dispatched,
            (S::Received | S::Dispatched | S::InProgress, T::AwaitOperator) => S::AwaitingDispatch,
            (S::Dispatched, T::LeadClaimed) => S::InProgress,
            (S::AwaitingDispatch | S::Dispatched | S::InProgress, T::Escalate) => S::Escalated,
            (S::InProgress, T::LeadResolved) => S::Resolved,
            (S::AwaitingDispatch, T::DisclaimRejected) => S::InProgress,
            (S::Resolved, T::ResolutionRejected) => S::InProgress,
            (S::Resolved, T::ResolutionApproved) => S::Reviewed,
            (S::Reviewed, T::Close) => S::Closed,
            (S::Reviewed | S::Closed, T::Reopen) => S::Dispatched,
            (S::Received, T::AnswerOnReceipt) => S::Closed,
            (S::InProgress | S::Resolved | S::Reviewed, T::FinalReply) => S::Closed,
            (from, transition) => return Err(IllegalRequestTransition { from, transition }),
        };
        Ok(next)
    }

    /// Open311 collapses every state into open/closed.
    pub fn is_open(self) -> bool {
        self != Self::Closed
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::AwaitingDispatch => "awaiting_dispatch",
            Self::Dispatched => "dispatched",
            Self::InProgress => "in_progress",
            Self::Escalated => "escalated",
            Self::Resolved => "resolved",
            Self::Reviewed => "reviewed",
            Self::Closed => "closed",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Received => "已受理",
            Self::AwaitingDispatch => "待分拨",
            Self::Dispatched => "已派单",
            Self::InProgress => "办理中",
            Self::Escalated => "协调中",
            Self::Resolved => "已办结",
            Self::Reviewed => "待回访",
            Self::Closed => "已结案",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use RequestStatus as S;
    use RequestTransition as T;
    use proptest::prelude::*;

    use super::*;

    const TRANSITIONS: [T; 13] = [
        T::AnswerOnReceipt,
        T::FinalReply,
        T::ResolutionApproved,
        T::DisclaimRejected,
        T::Dispatch,
        T::Redispatch,
        T::AwaitOperator,
        T::LeadClaimed,
        T::Escalate,
        T::LeadResolved,
        T::ResolutionRejected,
        T::Close,
        T::Reopen,
    ];

    #[test]
    fn the_ordinary_path_reaches_closed() {
        let mut s = S::Received;
        for t in [T::Dispatch, T::LeadClaimed, T::LeadResolved, T::ResolutionApproved, T::Close] {
            s = s.apply(t).expect("legal");
        }
        assert_eq!(s, S::Closed);
        assert!(!s.is_open());
    }

    #[test]
    fn a_request_nobody_resolved_cannot_be_closed() {
        for from in
            [S::Received, S::Dispatched, S::InProgress, S::Escalated, S::AwaitingDispatch, S::Resolved]
        {
            assert_eq!(from.apply(T::Close), Err(IllegalRequestTransition { from, transition: T::Close }));
        }
    }

    #[test]
    fn status_names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }

    proptest! {
        /// Whatever happens, a request only becomes closed after its closure review (or answered on
        /// receipt, before anything else happened, or by an approved final reply while a bureau
        /// held it), and a closed request only moves again by being reopened.
        #[test]
        fn closing_only_follows_resolution(steps in proptest::collection::vec(0..TRANSITIONS.len(), 0..40)) {
            let mut s = S::Received;
            for i in steps {
                let t = TRANSITIONS[i];
                match s.apply(t) {
                    Ok(next) => {
                        if next == S::Closed {
                            prop_assert!(
                                s == S::Reviewed
                                    || (s == S::Received && t == T::AnswerOnReceipt)
                                    || (t == T::FinalReply && matches!(s, S::InProgress | S::Resolved))
                            );
                        }
                        if s == S::Closed { prop_assert_eq!(t, T::Reopen); }
                        s = next;
                    }
                    Err(e) => prop_assert_eq!(e.from, s),
                }
            }
        }
    }
}
