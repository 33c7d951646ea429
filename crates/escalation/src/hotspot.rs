//! The hotspot trigger: a request was routed; if it has a category and a point, look for its
//! neighbours (open, same category, within the radius, within the window) and, when the domain's
//! `plan` says so, flag the cluster on its anchor (the oldest request).
//!
//! Several workers may do this at once for requests of one cluster. Flagging is a decision on the
//! anchor's case, so the version check serializes workers on one anchor; a worker whose change
//! would put a request in a second hotspot is refused by the store (`Conflict`: the member table's
//! primary key) and looks at the neighbours again, where it now finds the hotspot to join. It
//! acknowledges nothing itself: the consumer acks the event once this returns.

use jiesu_domain::escalation::Nearby;
use jiesu_domain::escalation::hotspot::{Plan, plan};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{Cases, StoreError};
use jiesu_domain::request::RequestStatus;
use jiesu_domain::workflow::{Caller, Command, WorkflowError};
use jiesu_workflow::{ActError, Workflow};

/// Looks at the neighbours again at most this often when other workers keep taking members.
const ATTEMPTS: usize = 5;

/// Flags the hotspot a routed request makes or joins, if any.
pub(crate) async fn on_routed<S: Cases>(workflow: &Workflow<S>, request: RequestId) -> Result<(), ActError> {
    let policy = &workflow.policy().escalation.hotspot;
    if policy.min_requests == 0 {
        return Ok(());
    }
    let Some(case) = workflow.store().load_case(request).await? else {
        return Ok(());
    };
    let s = &case.request.submitted;
    let (Some(category), Some(point)) = (s.category.clone(), s.location.point()) else {
        return Ok(());
    };
    if case.request.status == RequestStatus::Closed {
        return Ok(());
    }
    for attempt in 1..=ATTEMPTS {
        let near = Nearby::of(category.clone(), point, policy, jiesu_domain::time::now());
        let neighbours = workflow.store().open_requests_near(&near).await?;
        let Plan::Flag { anchor, cluster } = plan(request, &neighbours, policy) else {
            return Ok(());
        };
        let members = cluster.len();
        match workflow.act(Caller::System, anchor, Command::FlagHotspot { cluster }).await {
            Ok(_) => {
                tracing::debug!(request.id = %request, anchor.id = %anchor, members, "hotspot flagged");
                return Ok(());
            }
            // Another worker's hotspot took a member, or the anchor closed, since the neighbours
            // were read: read them again.
            Err(ActError::Store(StoreError::Conflict(e))) => {
                tracing::debug!(
                    request.id = %request, attempt, conflict = %e,
                    "another hotspot took a member; looking again"
                );
            }
            Err(ActError::Refused(WorkflowError::WrongStatus(..))) => {
                tracing::debug!(request.id = %request, attempt, "the anchor closed meanwhile; looking again");
            }
            Err(e) => return Err(e),
        }
    }
    Err(ActError::Contended)
}
