//! The workflow: what staff and citizens may do to a request once it is dispatched, decided
//! without IO. The caller loads a `Case`, `decide` returns the `Change` (tasks, disclaims,
//! extensions, deadlines, visits and the events saying so), and the store commits it if the
//! request's version has not moved meanwhile; otherwise the caller loads again and decides again.
//!
//! Who may do what is decided here too, so every adapter enforces the same rules:
//! - a bureau's staff act on their own bureau's tasks (another bureau's task is "not found");
//! - operators (and admins) run the dispatch desk: disclaim review, dispatch, transfer, closure
//!   review, return visits by phone; the lead bureau may also bring in and let go assists;
//! - supervisors (and admins) decide extensions, and the appeals and final replies that exempt a
//!   request from the rates of the bureau answering for it (which alone may ask);
//! - the citizen records the return visit on the tracking page.

mod bureau;
mod case;
mod chain;
mod command;
mod desk;
mod desk_clocks;
mod draft;
mod escalate;
mod exempt;
mod flow;
mod hotspot;
mod meeting;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use jiesu_events::event::{Actor, EventKind};
use jiesu_model::staff::{Principal, StaffRole};
use jiesu_model::task::Task;
use jiesu_routing::district::District;

pub use bureau::MAX_EXTENSION_DAYS;
pub use case::{
    Case, Decision, Disclaim, DisclaimId, DisclaimReason, DisclaimState, Exemption, ExemptionId,
    ExemptionKind, ExemptionState, Extension, ExtensionId, ExtensionState, Note, ReturnVisit, Satisfaction,
    Stars, VisitBy, VisitId,
};
pub use command::{Caller, Command, DecisionInput, WorkflowError};
pub use draft::Change;
pub use jiesu_routing::clocks::Clocks;

/// What the district decided about disclaims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclaimReview {
    /// A disclaimed lead goes to the next candidate at once.
    #[default]
    Automatic,
    /// A lead's disclaim waits for an operator, who accepts or rejects it.
    Operator,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    pub disclaim_review: DisclaimReview,
    pub escalation: crate::escalation::EscalationPolicy,
}

/// What a decision reads besides the case.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub district: &'a District,
    pub policy: &'a Policy,
    pub now: DateTime<Utc>,
}

const DESK: &[StaffRole] = &[StaffRole::Operator, StaffRole::Admin];
const SUPERVISORS: &[StaffRole] = &[StaffRole::Supervisor, StaffRole::Admin];

/// Decides a command on a case. Refusals change nothing.
pub fn decide(
    case: Case,
    caller: Caller<'_>,
    command: Command,
    ctx: &Ctx<'_>,
) -> Result<Change, WorkflowError> {
    let actor = match caller {
        Caller::Staff(p) => Actor::User { username: p.username.to_string() },
        Caller::Citizen => Actor::Citizen,
        Caller::System => Actor::System,
    };
    let mut d = draft::Draft::new(case, ctx, actor);
    use Command as C;
    match (caller, command) {
        (Caller::Staff(p), C::Claim { task }) => {
            own_task(&d.case, p, task)?;
            bureau::claim(&mut d, task)?
        }
        (Caller::Staff(p), C::Progress { task, note, photos }) => {
            own_task(&d.case, p, task)?;
            bureau::progress(&mut d, task, note, photos)?
        }
        (Caller::Staff(p), C::Resolve { task, result, photos }) => {
            own_task(&d.case, p, task)?;
            bureau::resolve(&mut d, task, result, photos)?
        }
        (Caller::Staff(p), C::Disclaim { task, reason, explanation }) => {
            own_task(&d.case, p, task)?;
            bureau::disclaim(&mut d, p, task, reason, explanation)?
        }
        (Caller::Staff(p), C::RequestExtension { task, days, reason }) => {
            own_task(&d.case, p, task)?;
            bureau::request_extension(&mut d, p, task, days, reason)?
        }
        (Caller::Staff(p), C::Appeal { task, visit, reason, photos }) => {
            own_task(&d.case, p, task)?;
            let ask = exempt::Ask { task, kind: ExemptionKind::Appeal, visit: Some(visit), reason, photos };
            exempt::ask(&mut d, p, ask)?
        }
        (Caller::Staff(p), C::ProposeFinalReply { task, reply, photos }) => {
            own_task(&d.case, p, task)?;
            let ask =
                exempt::Ask { task, kind: ExemptionKind::FinalReply, visit: None, reason: reply, photos };
            exempt::ask(&mut d, p, ask)?
        }
        (Caller::Staff(p), C::DecideExemption { exemption, grant, note }) => {
            role(p, SUPERVISORS)?;
            exempt::decide(&mut d, exemption, grant, note)?
        }
        (Caller::Staff(p), C::ReviewDisclaim { task, accept, to, note }) => {
            role(p, DESK)?;
            desk::review_disclaim(&mut d, task, accept, to, note)?
        }
        (Caller::Staff(p), C::Dispatch { bureau, area, category, note }) => {
            role(p, DESK)?;
            desk::dispatch(&mut d, bureau, area, category, note)?
        }
        (Caller::Staff(p), C::Transfer { to, note }) => {
            role(p, DESK)?;
            desk::transfer(&mut d, to, note)?
        }
        (Caller::Staff(p), C::AddAssist { bureau, note }) => {
            desk_or_lead(&d.case, p)?;
            desk::add_assist(&mut d, bureau, note)?
        }
        (Caller::Staff(p), C::ReleaseAssist { task, note }) => {
            desk_or_lead(&d.case, p)?;
            d.task(task)?;
            desk::release_assist(&mut d, task, note)?
        }
        (Caller::Staff(p), C::ReviewResolution { approve, note }) => {
            role(p, DESK)?;
            desk::review_resolution(&mut d, approve, note)?
        }
        (Caller::Staff(p), C::DecideExtension { extension, approve, note }) => {
            role(p, SUPERVISORS)?;
            desk::decide_extension(&mut d, extension, approve, note)?
        }
        (Caller::Staff(p), C::RecordVisit { solved, satisfaction, stars, comment }) => {
            role(p, DESK)?;
            let by = VisitBy::Operator { username: p.username.to_string() };
            desk::record_visit(&mut d, by, solved, (satisfaction, stars), comment)?
        }
        (Caller::Staff(p), C::RevealPhone) => {
            // The roles that must call: the desk (it calls back, and for return visits) and the
            // staff of the bureau now answering for the request (to ask the citizen on the spot),
            // the latter never for a confidential (保密) caller. Everyone else sees it masked.
            let contact = &d.case.request.submitted.contact;
            let lead_bureau = d.case.active_lead().map(|t| &t.bureau);
            let leads = p.bureau.as_ref().is_some_and(|b| Some(b) == lead_bureau) && !contact.confidential;
            if !p.sees_confidential_callers() && !leads {
                return Err(WorkflowError::Forbidden(
                    "only the dispatch desk and the lead bureau read a caller's number",
                ));
            }
            if d.case.request.submitted.contact.phone.is_none() {
                return Err(WorkflowError::NotFound("phone number"));
            }
            d.event(None, EventKind::PhoneRevealed);
        }
        (Caller::Citizen, C::RecordVisit { solved, satisfaction, stars, comment }) => {
            desk::record_visit(&mut d, VisitBy::Citizen, solved, (satisfaction, stars), comment)?
        }
        (Caller::Citizen, _) => {
            return Err(WorkflowError::Forbidden("citizens only answer the return visit"));
        }
        (Caller::System, C::ReviewEscalations) => escalate::review(&mut d)?,
        (Caller::System, C::FlagHotspot { cluster }) => hotspot::flag(&mut d, &cluster)?,
        (Caller::System, C::CheckClocks) => {
            chain::advance(&mut d);
            desk_clocks::advance(&mut d);
            meeting::lapse_overdue(&mut d);
        }
        (Caller::System, _) => return Err(WorkflowError::Forbidden("the system only escalates")),
        (Caller::Staff(_), C::ReviewEscalations | C::CheckClocks | C::FlagHotspot { .. }) => {
            return Err(WorkflowError::Forbidden("only the escalation service does this"));
        }
        (Caller::Staff(p), C::ConfirmMeeting { meeting }) => meeting::confirm(&mut d, p, meeting)?,
        (Caller::Staff(p), C::RescheduleMeeting { meeting, at, address }) => {
            meeting::may_run(&d, p, meeting)?;
            meeting::reschedule(&mut d, meeting, at, address)?
        }
        (Caller::Staff(p), C::DecideMeeting { meeting, decision }) => {
            meeting::may_run(&d, p, meeting)?;
            meeting::decide(&mut d, p, meeting, decision)?
        }
        (Caller::Staff(p), C::DismissEscalation { escalation, note }) => {
            role(p, SUPERVISORS)?;
            escalate::close(&mut d, escalation, note, crate::escalation::EscalationState::Dismissed)?
        }
        (Caller::Staff(p), C::ResolveEscalation { escalation, note }) => {
            role(p, SUPERVISORS)?;
            escalate::close(&mut d, escalation, Some(note), crate::escalation::EscalationState::Resolved)?
        }
    }
    // Whatever the command was, the desk's clocks are brought in line with what the desk now
    // owes, so no path into or out of a desk queue can leave one untimed or running.
    desk_clocks::sync(&mut d);
    Ok(d.finish())
}

fn role(p: &Principal, roles: &[StaffRole]) -> Result<(), WorkflowError> {
    if p.is(roles) { Ok(()) } else { Err(WorkflowError::Forbidden("your role cannot do this")) }
}

/// The task must be the caller's bureau's. A bureau's staff never learn that another bureau's
/// task exists; district-wide roles are told they cannot act on a bureau's behalf.
fn own_task<'c>(
    case: &'c Case,
    p: &Principal,
    id: jiesu_model::ids::TaskId,
) -> Result<&'c Task, WorkflowError> {
    let task = case.task(id).ok_or(WorkflowError::NotFound("task"))?;
    match &p.bureau {
        Some(b) if p.role.belongs_to_bureau() && *b == task.bureau => Ok(task),
        Some(_) if p.role.belongs_to_bureau() => Err(WorkflowError::NotFound("task")),
        _ => Err(WorkflowError::Forbidden("only the task's bureau acts on it")),
    }
}

/// Operators, or staff of the bureau that leads the request: its active lead, or the lead that has
/// resolved its share while assists still owe theirs (it may still let them go).
fn desk_or_lead(case: &Case, p: &Principal) -> Result<(), WorkflowError> {
    if p.is(DESK) {
        return Ok(());
    }
    let lead = case.lead().map(|t| &t.bureau);
    match (&p.bureau, p.role.belongs_to_bureau()) {
        (Some(b), true) if Some(b) == lead => Ok(()),
        (Some(b), true) if case.tasks.iter().any(|t| &t.bureau == b) => {
            Err(WorkflowError::Forbidden("only the lead bureau or the dispatch desk manages assists"))
        }
        (Some(_), true) => Err(WorkflowError::NotFound("request")),
        _ => Err(WorkflowError::Forbidden("your role cannot do this")),
    }
}
