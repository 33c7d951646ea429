//! What the dispatch desk (operators) and supervisors decide: disclaims, manual dispatch and
//! transfer, assisting bureaus, closure review, extensions, and the return visit.

use jiesu_events::event::{AssignedWhy, EventKind};
use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::ids::TaskId;
use jiesu_model::request::{RequestStatus, RequestTransition};
use jiesu_model::task::{TaskAction, TaskRole, TaskState};

use super::case::{
    Decision, DisclaimState, ExtensionId, ExtensionState, Note, ReturnVisit, Satisfaction, Stars, VisitBy,
    VisitId,
};
use super::command::WorkflowError;
use super::draft::{Draft, Why};
use super::flow::{assign_lead, maybe_resolved, route_onward};

pub(crate) fn decision(d: &Draft, note: Option<Note>) -> Decision {
    let by = match &d.actor {
        jiesu_events::event::Actor::User { username } => username.clone(),
        _ => String::new(),
    };
    Decision { by, at: d.now(), note }
}

fn known_bureau(d: &Draft, b: &BureauCode) -> Result<(), WorkflowError> {
    match d.ctx.district.bureau(b) {
        Some(_) => Ok(()),
        None => Err(WorkflowError::UnknownBureau(b.clone())),
    }
}

pub(crate) fn review_disclaim(
    d: &mut Draft,
    task: TaskId,
    accept: bool,
    to: Option<BureauCode>,
    note: Option<Note>,
) -> Result<(), WorkflowError> {
    let pending = d.case.pending_disclaim(task).ok_or(WorkflowError::NotFound("pending disclaim"))?.id;
    if let Some(b) = &to {
        known_bureau(d, b)?;
    }
    let bureau = d.task(task)?.bureau.clone();
    d.act(task, if accept { TaskAction::AcceptDisclaim } else { TaskAction::RejectDisclaim })?;
    let decided = decision(d, note.clone());
    if let Some(x) = d.disclaim_mut(pending) {
        x.state = if accept { DisclaimState::Accepted } else { DisclaimState::Rejected };
        x.decision = Some(decided);
    }
    d.event(Some(task), EventKind::DisclaimReviewed { bureau, accepted: accept, note: note.clone() });
    if !accept {
        // The bureau must handle it now: for the response clock, that counts as claimed.
        d.settle(
            task,
            Some(jiesu_calendar::sla::DeadlineKind::Response),
            jiesu_calendar::deadline::DeadlineState::Met,
        );
        return d.transition(RequestTransition::DisclaimRejected);
    }
    match to {
        Some(b) => assign_lead(d, b, AssignedWhy::Operator { note }),
        None => route_onward(d),
    }
}

/// Places a request waiting at the desk (unplaced, or escalated): to a bureau, or by the rules
/// once the operator has found its area or corrected its category (recorded, then routed again
/// on the corrected request).
pub(crate) fn dispatch(
    d: &mut Draft,
    bureau: Option<BureauCode>,
    area: Option<AreaCode>,
    category: Option<CategoryCode>,
    note: Option<Note>,
) -> Result<(), WorkflowError> {
    if !matches!(d.status(), RequestStatus::AwaitingDispatch | RequestStatus::Escalated) {
        return Err(WorkflowError::WrongStatus(
            d.status(),
            "only requests waiting at the desk are dispatched",
        ));
    }
    if d.case.active_lead().is_some() {
        return Err(WorkflowError::WrongStatus(d.status(), "a disclaim waits for review: review it instead"));
    }
    if let Some(a) = &area
        && d.ctx.district.areas().get(a).is_none()
    {
        return Err(WorkflowError::Invalid(jiesu_model::ValidationError::invalid(
            "area",
            "not an area of this district",
        )));
    }
    let recategorized = category.filter(|c| d.case.request.submitted.category.as_ref() != Some(c));
    if let Some(c) = &recategorized {
        if d.ctx.district.taxonomy().get(c).is_none() {
            return Err(WorkflowError::Invalid(jiesu_model::ValidationError::invalid(
                "category",
                "not a category of this district",
            )));
        }
        let from = d.case.request.submitted.category.replace(c.clone());
        d.event(None, EventKind::RequestRecategorized { from, to: c.clone() });
    }
    if area.is_some() || recategorized.is_some() {
        let place = area.clone().or_else(|| d.case.request.area.clone());
        let routing = d.ctx.district.route_request(&d.case.request.submitted, place.as_ref());
        d.case.request.area = place;
        d.case.routing = routing.clone();
        let placement = area.map(|area| jiesu_model::area::Placement::Named { area });
        d.event(None, EventKind::RequestRouted { placement, routing, category_inferred: None });
    }
    match bureau {
        Some(b) => {
            known_bureau(d, &b)?;
            assign_lead(d, b, AssignedWhy::Operator { note })
        }
        None => route_onward(d),
    }
}

pub(crate) fn transfer(d: &mut Draft, to: BureauCode, note: Option<Note>) -> Result<(), WorkflowError> {
    known_bureau(d, &to)?;
    let from = d.case.active_lead().cloned();
    match &from {
        Some(lead) if lead.bureau == to => return Err(WorkflowError::AlreadyInvolved(to)),
        Some(lead) if lead.state == TaskState::DisclaimRequested => {
            return Err(WorkflowError::WrongStatus(
                d.status(),
                "a disclaim waits for review: review it instead",
            ));
        }
        Some(lead) => {
            d.act(lead.id, TaskAction::Cancel)?;
            d.event(Some(lead.id), EventKind::TaskCancelled { bureau: lead.bureau.clone() });
        }
        None if !matches!(d.status(), RequestStatus::AwaitingDispatch | RequestStatus::Escalated) => {
            return Err(WorkflowError::WrongStatus(d.status(), "nothing to transfer"));
        }
        None => {}
    }
    assign_lead(d, to, AssignedWhy::Transfer { from: from.map(|t| t.bureau), note })
}

pub(crate) fn add_assist(d: &mut Draft, bureau: BureauCode, note: Option<Note>) -> Result<(), WorkflowError> {
    known_bureau(d, &bureau)?;
    if !matches!(d.status(), RequestStatus::Dispatched | RequestStatus::InProgress) {
        return Err(WorkflowError::WrongStatus(d.status(), "assisting bureaus join a request being handled"));
    }
    if d.case.tasks.iter().any(|t| t.bureau == bureau && t.state.is_active()) {
        return Err(WorkflowError::AlreadyInvolved(bureau));
    }
    d.dispatch(bureau, TaskRole::Assist, Why::Assigned(AssignedWhy::Assist { note }));
    Ok(())
}

pub(crate) fn release_assist(d: &mut Draft, task: TaskId, note: Option<Note>) -> Result<(), WorkflowError> {
    d.act(task, TaskAction::Release)?;
    let bureau = d.task(task)?.bureau.clone();
    d.event(Some(task), EventKind::TaskReleased { bureau, note });
    maybe_resolved(d)
}

pub(crate) fn review_resolution(
    d: &mut Draft,
    approve: bool,
    note: Option<Note>,
) -> Result<(), WorkflowError> {
    if d.status() != RequestStatus::Resolved {
        return Err(WorkflowError::WrongStatus(d.status(), "only a resolved request is reviewed"));
    }
    if approve {
        d.transition(RequestTransition::ResolutionApproved)?;
    } else {
        let lead = d.case.lead().map(|t| t.id).ok_or(WorkflowError::NotFound("lead task"))?;
        d.act(lead, TaskAction::Reopen)?;
        d.transition(RequestTransition::ResolutionRejected)?;
    }
    d.event(None, EventKind::ResolutionReviewed { approved: approve, note });
    Ok(())
}

pub(crate) fn decide_extension(
    d: &mut Draft,
    id: ExtensionId,
    approve: bool,
    note: Option<Note>,
) -> Result<(), WorkflowError> {
    let ext =
        d.case.extensions.iter().find(|e| e.id == id).cloned().ok_or(WorkflowError::NotFound("extension"))?;
    if ext.state != ExtensionState::Pending {
        return Err(WorkflowError::NotFound("pending extension"));
    }
    let new_due = match (approve, d.resolution_due(ext.task_id)) {
        (true, Some(due)) => {
            let moved = d.ctx.district.extend_working_days(due, ext.days);
            d.move_resolution_due(ext.task_id, moved);
            Some(moved)
        }
        (true, None) => return Err(WorkflowError::NotFound("running resolution deadline")),
        (false, _) => None,
    };
    let decided = decision(d, note.clone());
    if let Some(e) = d.extension_mut(id) {
        e.state = if approve { ExtensionState::Approved } else { ExtensionState::Refused };
        e.decision = Some(decided);
        e.new_due = new_due;
    }
    d.event(
        Some(ext.task_id),
        EventKind::ExtensionDecided { bureau: ext.bureau, extension: id, approved: approve, new_due, note },
    );
    Ok(())
}

pub(crate) fn record_visit(
    d: &mut Draft,
    by: VisitBy,
    solved: bool,
    (satisfaction, stars): (Option<Satisfaction>, Option<Stars>),
    comment: Option<Note>,
) -> Result<(), WorkflowError> {
    if d.status() != RequestStatus::Reviewed {
        return Err(WorkflowError::WrongStatus(d.status(), "the return visit follows the closure review"));
    }
    let by_phone = matches!(by, VisitBy::Operator { .. });
    d.add_visit(ReturnVisit {
        id: VisitId::generate(),
        request_id: d.case.id(),
        solved,
        satisfaction,
        stars,
        comment: comment.clone(),
        by,
        at: d.now(),
    });
    d.event(None, EventKind::ReturnVisitRecorded { solved, satisfaction, stars, comment, by_phone });
    if solved {
        d.transition(RequestTransition::Close)?;
        d.event(None, EventKind::RequestClosed);
        d.resolve_escalations_where(|_| true);
        return Ok(());
    }
    // 重办: back to the bureau that resolved it, with fresh clocks.
    let bureau = d.case.lead().map(|t| t.bureau.clone()).ok_or(WorkflowError::NotFound("lead task"))?;
    d.transition(RequestTransition::Reopen)?;
    d.event(None, EventKind::RequestReopened { bureau: bureau.clone() });
    d.dispatch(bureau, TaskRole::Lead, Why::Assigned(AssignedWhy::Reopened));
    Ok(())
}
