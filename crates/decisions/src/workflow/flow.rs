//! Moves shared by several commands: sending the lead onward to the next candidate (or escalating
//! when none is left), and noticing that a request is resolved.

use jiesu_events::event::{AssignedWhy, EscalationTrigger, EventKind};
use jiesu_model::bureau::BureauCode;
use jiesu_model::request::{RequestStatus, RequestTransition};
use jiesu_model::task::{TaskAction, TaskRole, TaskState};
use jiesu_routing::Candidate;

use super::command::WorkflowError;
use super::draft::{Draft, Why};

/// The transition that gives the request a new lead from where it stands.
fn to_dispatched(status: RequestStatus) -> RequestTransition {
    match status {
        RequestStatus::Dispatched | RequestStatus::InProgress => RequestTransition::Redispatch,
        _ => RequestTransition::Dispatch,
    }
}

/// The lead was sent back: give the request to the next candidate that has not disclaimed it, or,
/// when every candidate has, escalate (a coordination meeting must decide).
pub(crate) fn route_onward(d: &mut Draft) -> Result<(), WorkflowError> {
    match d.case.next_candidate().cloned() {
        Some(next) => give_lead_to_candidate(d, next),
        None => escalate_exhausted(d),
    }
}

fn give_lead_to_candidate(d: &mut Draft, next: Candidate) -> Result<(), WorkflowError> {
    d.transition(to_dispatched(d.status()))?;
    swap_assists(d, &next.assists)?;
    d.dispatch(next.bureau.clone(), TaskRole::Lead, Why::Routed(next.reason.clone()));
    for b in next.assists.iter().filter(|b| **b != next.bureau) {
        if !d.case.active_assists().any(|t| &t.bureau == b) && !d.case.has_disclaimed(b) {
            d.dispatch(b.clone(), TaskRole::Assist, Why::Routed(next.reason.clone()));
        }
    }
    Ok(())
}

/// Assists the old lead's rule brought in are let go unless the new lead's rule wants them too.
fn swap_assists(d: &mut Draft, keep: &[BureauCode]) -> Result<(), WorkflowError> {
    let going: Vec<_> = d
        .case
        .active_assists()
        .filter(|t| !keep.contains(&t.bureau))
        .map(|t| (t.id, t.bureau.clone()))
        .collect();
    for (id, bureau) in going {
        d.act(id, TaskAction::Cancel)?;
        d.event(Some(id), EventKind::TaskCancelled { bureau });
    }
    Ok(())
}

fn escalate_exhausted(d: &mut Draft) -> Result<(), WorkflowError> {
    swap_assists(d, &[])?;
    d.transition(RequestTransition::Escalate)?;
    let disclaimed = d.case.disclaims.iter().map(|x| x.bureau.clone()).collect();
    d.event(None, EventKind::RequestEscalated { trigger: EscalationTrigger::Exhausted, disclaimed });
    Ok(())
}

/// Gives the lead to a bureau a person chose.
pub(crate) fn assign_lead(d: &mut Draft, bureau: BureauCode, why: AssignedWhy) -> Result<(), WorkflowError> {
    d.transition(to_dispatched(d.status()))?;
    d.dispatch(bureau, TaskRole::Lead, Why::Assigned(why));
    Ok(())
}

/// The request is resolved when its lead is and no assisting bureau still owes work: the lead's
/// resolution alone does not close a multi-bureau request.
pub(crate) fn maybe_resolved(d: &mut Draft) -> Result<(), WorkflowError> {
    let lead_done = d.case.lead().is_some_and(|t| t.state == TaskState::Resolved);
    if lead_done && d.case.active_assists().next().is_none() && d.status() == RequestStatus::InProgress {
        d.transition(RequestTransition::LeadResolved)?;
        d.event(None, EventKind::RequestResolved);
    }
    Ok(())
}
