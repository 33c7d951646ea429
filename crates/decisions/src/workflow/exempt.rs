//! Exemptions (考核剔除): the bureau that answers for a request appeals an unfair return visit
//! (申诉) or proposes its final reply to an unreasonable repeat demand (最终答复); a supervisor
//! grants or refuses it. Granted, the request counts towards none of that bureau's rates, and a
//! final reply closes the request without a further return visit.

use jiesu_events::event::EventKind;
use jiesu_model::ids::{ExemptionId, TaskId, VisitId};
use jiesu_model::request::{MediaUrl, RequestStatus, RequestTransition};
use jiesu_model::staff::Principal;
use jiesu_model::task::{TaskAction, TaskState};

use super::case::{Exemption, ExemptionKind, ExemptionState, Note, Satisfaction};
use super::command::WorkflowError;
use super::desk::decision;
use super::draft::Draft;

/// What the bureau asks, and about which visit.
pub(crate) struct Ask {
    pub task: TaskId,
    pub kind: ExemptionKind,
    pub visit: Option<VisitId>,
    pub reason: Note,
    pub photos: Vec<MediaUrl>,
}

/// One question at a time per bureau, and none once it is exempted.
fn may_ask(d: &Draft, ask: &Ask, bureau: &jiesu_model::bureau::BureauCode) -> Result<(), WorkflowError> {
    let mine = || d.case.exemptions.iter().filter(|e| &e.bureau == bureau);
    if mine().any(|e| e.state == ExemptionState::Pending) {
        return Err(WorkflowError::ExemptionConflict(
            "an appeal or final reply of your bureau already waits for a supervisor",
        ));
    }
    if mine().any(|e| e.state == ExemptionState::Granted) {
        return Err(WorkflowError::ExemptionConflict("the request is already exempted for your bureau"));
    }
    if ask.visit.is_some() && mine().any(|e| e.visit == ask.visit) {
        return Err(WorkflowError::ExemptionConflict("this return visit was already appealed"));
    }
    Ok(())
}

/// A bureau asks (the caller checked the task is its own).
pub(crate) fn ask(d: &mut Draft, who: &Principal, ask: Ask) -> Result<(), WorkflowError> {
    let task = d.task(ask.task)?.clone();
    // The visit counts against the bureau answering for the request (its current lead): the one
    // that may appeal it, or reply finally.
    if d.case.lead().map(|l| &l.bureau) != Some(&task.bureau) {
        return Err(WorkflowError::Forbidden("only the bureau that answers for the request asks this"));
    }
    match ask.kind {
        ExemptionKind::Appeal => {
            let id = ask.visit.ok_or(WorkflowError::NotFound("return visit"))?;
            let v =
                d.case.visits.iter().find(|v| v.id == id).ok_or(WorkflowError::NotFound("return visit"))?;
            if v.solved && v.satisfaction != Some(Satisfaction::Dissatisfied) {
                return Err(WorkflowError::Invalid(jiesu_model::ValidationError::invalid(
                    "visit",
                    "only a 不满意 or \"not solved\" return visit is appealed",
                )));
            }
        }
        ExemptionKind::FinalReply => {
            if d.case.active_lead().map(|l| l.id) != Some(task.id) || task.state != TaskState::Claimed {
                return Err(WorkflowError::WrongStatus(
                    d.status(),
                    "a final reply comes from the lead bureau while it handles the request",
                ));
            }
        }
    }
    may_ask(d, &ask, &task.bureau)?;
    let e = Exemption {
        id: ExemptionId::generate(),
        request_id: task.request_id,
        task_id: task.id,
        bureau: task.bureau.clone(),
        kind: ask.kind,
        visit: ask.visit,
        reason: ask.reason.clone(),
        photos: ask.photos.clone(),
        requested_by: who.username.to_string(),
        requested_at: d.now(),
        state: ExemptionState::Pending,
        decision: None,
    };
    let exemption = e.id;
    d.add_exemption(e);
    d.event(
        Some(task.id),
        EventKind::ExemptionRequested {
            bureau: task.bureau,
            exemption,
            exemption_kind: ask.kind,
            reason: ask.reason,
            photos: ask.photos,
        },
    );
    Ok(())
}

/// A supervisor's decision (the caller checked the role).
pub(crate) fn decide(d: &mut Draft, id: ExemptionId, grant: bool, note: Note) -> Result<(), WorkflowError> {
    let e =
        d.case.exemptions.iter().find(|e| e.id == id).cloned().ok_or(WorkflowError::NotFound("exemption"))?;
    if e.state != ExemptionState::Pending {
        return Err(WorkflowError::NotFound("pending exemption"));
    }
    if grant && e.kind == ExemptionKind::FinalReply {
        close_on_final_reply(d)?;
    }
    let decided = decision(d, Some(note.clone()));
    if let Some(x) = d.exemption_mut(id) {
        x.state = if grant { ExemptionState::Granted } else { ExemptionState::Refused };
        x.decision = Some(decided);
    }
    d.event(
        Some(e.task_id),
        EventKind::ExemptionDecided {
            bureau: e.bureau,
            exemption: id,
            exemption_kind: e.kind,
            granted: grant,
            note,
        },
    );
    Ok(())
}

/// An approved final reply stands as the lead's answer: its task resolved, assists no longer
/// owed, the request closed (unless a return visit closed it meanwhile).
fn close_on_final_reply(d: &mut Draft) -> Result<(), WorkflowError> {
    if d.status() == RequestStatus::Closed {
        return Ok(());
    }
    if let Some(lead) = d.case.active_lead().cloned() {
        if lead.state != TaskState::Claimed {
            return Err(WorkflowError::WrongStatus(
                d.status(),
                "the lead bureau no longer handles the request: its final reply cannot close it",
            ));
        }
        d.act(lead.id, TaskAction::Resolve)?;
    }
    let assists: Vec<_> = d.case.active_assists().map(|t| (t.id, t.bureau.clone())).collect();
    for (task, bureau) in assists {
        d.act(task, TaskAction::Cancel)?;
        d.event(Some(task), EventKind::TaskCancelled { bureau });
    }
    d.transition(RequestTransition::FinalReply)?;
    d.event(None, EventKind::RequestClosed);
    d.resolve_escalations_where(|_| true);
    Ok(())
}
