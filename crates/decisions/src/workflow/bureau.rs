//! The bureau's own actions on its task: claim, progress, resolve, disclaim, ask for more time.

use jiesu_calendar::deadline::DeadlineState;
use jiesu_calendar::sla::DeadlineKind;
use jiesu_events::event::EventKind;
use jiesu_model::ids::TaskId;
use jiesu_model::request::{MediaUrl, RequestStatus, RequestTransition};
use jiesu_model::staff::Principal;
use jiesu_model::task::{TaskAction, TaskRole};

use super::DisclaimReview;
use super::case::{
    Disclaim, DisclaimId, DisclaimReason, DisclaimState, Extension, ExtensionId, ExtensionState, Note,
};
use super::command::WorkflowError;
use super::draft::Draft;
use super::flow::{maybe_resolved, route_onward};

/// Longest extension a bureau may ask for at once, in working days.
pub const MAX_EXTENSION_DAYS: u32 = 30;

pub(crate) fn claim(d: &mut Draft, id: TaskId) -> Result<(), WorkflowError> {
    d.act(id, TaskAction::Claim)?;
    let task = d.task(id)?.clone();
    if task.role == TaskRole::Lead && d.status() == RequestStatus::Dispatched {
        d.transition(RequestTransition::LeadClaimed)?;
    }
    d.event(Some(id), EventKind::TaskClaimed { bureau: task.bureau });
    Ok(())
}

pub(crate) fn progress(
    d: &mut Draft,
    id: TaskId,
    note: Note,
    photos: Vec<MediaUrl>,
) -> Result<(), WorkflowError> {
    d.act(id, TaskAction::Progress)?;
    let bureau = d.task(id)?.bureau.clone();
    d.event(Some(id), EventKind::TaskProgressed { bureau, note, photos });
    Ok(())
}

pub(crate) fn resolve(
    d: &mut Draft,
    id: TaskId,
    result: Note,
    photos: Vec<MediaUrl>,
) -> Result<(), WorkflowError> {
    d.act(id, TaskAction::Resolve)?;
    let bureau = d.task(id)?.bureau.clone();
    d.event(Some(id), EventKind::TaskResolved { bureau, result, photos });
    maybe_resolved(d)
}

pub(crate) fn disclaim(
    d: &mut Draft,
    who: &Principal,
    id: TaskId,
    reason: DisclaimReason,
    explanation: Note,
) -> Result<(), WorkflowError> {
    let task = d.task(id)?.clone();
    // A meeting's decision binds whatever the bureau said before: say that first.
    if task.binding {
        return Err(jiesu_model::task::TaskTransitionError::Binding.into());
    }
    if d.case.has_disclaimed(&task.bureau) {
        return Err(WorkflowError::AlreadyDisclaimed(task.bureau));
    }
    // Assists are sent back at once: the lead still answers for the request. A lead's disclaim
    // goes to the dispatch desk first when the district says so.
    let review = task.role == TaskRole::Lead && d.ctx.policy.disclaim_review == DisclaimReview::Operator;
    d.act(id, if review { TaskAction::RequestDisclaim } else { TaskAction::Disclaim })?;
    d.add_disclaim(Disclaim {
        id: DisclaimId::generate(),
        request_id: task.request_id,
        task_id: id,
        bureau: task.bureau.clone(),
        reason,
        explanation: explanation.clone(),
        by: who.username.to_string(),
        at: d.now(),
        state: if review { DisclaimState::Pending } else { DisclaimState::Automatic },
        decision: None,
    });
    d.event(
        Some(id),
        EventKind::TaskDisclaimed {
            bureau: task.bureau.clone(),
            reason,
            explanation,
            pending_review: review,
        },
    );
    match (task.role, review) {
        (TaskRole::Assist, _) => maybe_resolved(d),
        (TaskRole::Lead, true) => {
            // Disclaiming is the bureau's answer within its response limit: while the desk holds
            // it, the wait is the desk's (its own clock), not the bureau's.
            d.settle(id, Some(DeadlineKind::Response), DeadlineState::Met);
            d.transition(RequestTransition::AwaitOperator)?;
            d.event(
                None,
                EventKind::RequestAwaitingOperator {
                    reason: jiesu_events::event::AwaitReason::DisclaimReview,
                },
            );
            Ok(())
        }
        (TaskRole::Lead, false) => route_onward(d),
    }
}

pub(crate) fn request_extension(
    d: &mut Draft,
    who: &Principal,
    id: TaskId,
    days: u32,
    reason: Note,
) -> Result<(), WorkflowError> {
    let task = d.task(id)?.clone();
    if !task.state.is_active() {
        return Err(WorkflowError::NotFound("open task"));
    }
    if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
        return Err(WorkflowError::Invalid(jiesu_model::ValidationError::invalid(
            "days",
            format!("from 1 to {MAX_EXTENSION_DAYS} working days"),
        )));
    }
    if d.case.extensions.iter().any(|e| e.task_id == id && e.state == ExtensionState::Pending) {
        return Err(WorkflowError::ExtensionPending);
    }
    let running =
        d.case.deadlines.iter().any(|x| {
            x.task_id == id && x.kind == DeadlineKind::Resolution && x.state == DeadlineState::Pending
        });
    if !running {
        return Err(WorkflowError::NotFound("running resolution deadline"));
    }
    let ext = Extension {
        id: ExtensionId::generate(),
        request_id: task.request_id,
        task_id: id,
        bureau: task.bureau.clone(),
        days,
        reason: reason.clone(),
        requested_by: who.username.to_string(),
        requested_at: d.now(),
        state: ExtensionState::Pending,
        decision: None,
        new_due: None,
    };
    let extension = ext.id;
    d.add_extension(ext);
    d.event(Some(id), EventKind::ExtensionRequested { bureau: task.bureau, extension, days, reason });
    Ok(())
}
