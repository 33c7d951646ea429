//! A coordination meeting's life: invitees confirm, the convener reschedules or records the
//! decision (binding tasks, minutes, attendance, a proposed rule), or it lapses and goes up a level.

use chrono::{DateTime, Utc};

use crate::escalation::{
    EscalationId, EscalationState, MeetingDecision, MeetingId, MeetingState, ProposalId, ProposalState,
    ProposedRule,
};
use jiesu_events::event::EventKind;
use jiesu_model::area::AreaLevel;
use jiesu_model::bureau::BureauCode;
use jiesu_model::request::{RequestStatus, RequestTransition};
use jiesu_model::staff::{Principal, StaffRole};
use jiesu_model::task::{TaskAction, TaskRole};

use super::command::{DecisionInput, WorkflowError};
use super::draft::Draft;
use super::escalate;

fn called(d: &Draft, id: MeetingId) -> Result<crate::escalation::Meeting, WorkflowError> {
    let m = d.case.meetings.iter().find(|m| m.id == id).cloned().ok_or(WorkflowError::NotFound("meeting"))?;
    if m.state != MeetingState::Called {
        return Err(WorkflowError::WrongStatus(d.status(), "the meeting is no longer open"));
    }
    Ok(m)
}

/// The convener's staff, the dispatch desk and supervisors run a meeting.
pub(crate) fn may_run(d: &Draft, who: &Principal, id: MeetingId) -> Result<(), WorkflowError> {
    let m = d.case.meetings.iter().find(|m| m.id == id).ok_or(WorkflowError::NotFound("meeting"))?;
    let district_wide = who.is(&[StaffRole::Operator, StaffRole::Supervisor, StaffRole::Admin]);
    match (&who.bureau, district_wide) {
        (_, true) => Ok(()),
        (Some(b), false) if *b == m.convener => Ok(()),
        (Some(b), false) if m.invitee(b).is_some() => {
            Err(WorkflowError::Forbidden("only the convener runs the meeting"))
        }
        _ => Err(WorkflowError::NotFound("meeting")),
    }
}

pub(crate) fn confirm(d: &mut Draft, who: &Principal, id: MeetingId) -> Result<(), WorkflowError> {
    let m = called(d, id)?;
    let bureau =
        who.bureau.clone().filter(|b| m.invitee(b).is_some()).ok_or(WorkflowError::NotFound("meeting"))?;
    if m.invitee(&bureau).is_some_and(|i| i.confirmed_at.is_some()) {
        return Ok(());
    }
    let now = d.now();
    if let Some(m) = d.meeting_mut(id) {
        for i in m.invitees.iter_mut().filter(|i| i.bureau == bureau) {
            i.confirmed_at = Some(now);
        }
        m.updated_at = now;
    }
    d.event(None, EventKind::MeetingConfirmed { meeting: id, bureau });
    Ok(())
}

pub(crate) fn reschedule(
    d: &mut Draft,
    id: MeetingId,
    at: DateTime<Utc>,
    address: Option<String>,
) -> Result<(), WorkflowError> {
    called(d, id)?;
    let now = d.now();
    if at <= now {
        return Err(WorkflowError::Invalid(jiesu_model::ValidationError::invalid(
            "scheduled_at",
            "must be in the future",
        )));
    }
    let decide_by = d.ctx.policy.escalation.decide_within.due_from(at, d.ctx.district.calendar());
    let place = address.clone();
    if let Some(m) = d.meeting_mut(id) {
        m.scheduled_at = at;
        m.decide_by = decide_by;
        if let Some(a) = address {
            m.place.on_site = false;
            m.place.address = Some(a);
            m.place.point = None;
        }
        // A new time needs new confirmations.
        for i in &mut m.invitees {
            i.confirmed_at = None;
        }
        m.updated_at = now;
    }
    d.event(None, EventKind::MeetingRescheduled { meeting: id, scheduled_at: at, place });
    Ok(())
}

/// Records the decision: every task still open on the request ends, and each share becomes a
/// binding task for its bureau with its own deadline.
pub(crate) fn decide(
    d: &mut Draft,
    who: &Principal,
    id: MeetingId,
    input: DecisionInput,
) -> Result<(), WorkflowError> {
    let m = called(d, id)?;
    let now = d.now();
    let shares = std::iter::once(&input.lead).chain(&input.assists);
    for s in shares.clone() {
        if d.ctx.district.bureau(&s.bureau).is_none() {
            return Err(WorkflowError::UnknownBureau(s.bureau.clone()));
        }
        if s.due <= now {
            return Err(WorkflowError::Invalid(jiesu_model::ValidationError::invalid(
                "due",
                "a share's deadline must be in the future",
            )));
        }
    }
    let mut seen: Vec<&BureauCode> = Vec::new();
    for s in shares {
        if seen.contains(&&s.bureau) {
            return Err(WorkflowError::AlreadyInvolved(s.bureau.clone()));
        }
        seen.push(&s.bureau);
    }
    let transition = match d.status() {
        RequestStatus::Escalated | RequestStatus::AwaitingDispatch => RequestTransition::Dispatch,
        RequestStatus::Dispatched | RequestStatus::InProgress => RequestTransition::Redispatch,
        other => return Err(WorkflowError::WrongStatus(other, "the request is already resolved")),
    };
    let open: Vec<_> =
        d.case.tasks.iter().filter(|t| t.state.is_active()).map(|t| (t.id, t.bureau.clone())).collect();
    for (task, bureau) in open {
        d.act(task, TaskAction::Cancel)?;
        d.event(Some(task), EventKind::TaskCancelled { bureau });
    }
    d.transition(transition)?;
    d.dispatch_binding(TaskRole::Lead, &input.lead, id);
    for s in &input.assists {
        d.dispatch_binding(TaskRole::Assist, s, id);
    }
    let proposal = input.propose_rule.then(|| propose(d, id, &input)).flatten();
    let decision = MeetingDecision {
        lead: input.lead.clone(),
        assists: input.assists.clone(),
        minutes: input.minutes,
        decided_by: who.username.to_string(),
        decided_at: now,
        proposal,
    };
    if let Some(meeting) = d.meeting_mut(id) {
        for i in &mut meeting.invitees {
            i.attended = Some(input.attended.contains(&i.bureau));
        }
        meeting.state = MeetingState::Decided;
        meeting.decision = Some(decision);
        meeting.updated_at = now;
    }
    let waiting: Vec<_> = d
        .case
        .escalations
        .iter()
        .filter(|e| e.state == EscalationState::MeetingCalled || e.id == m.escalation_id)
        .map(|e| e.id)
        .collect();
    for e in waiting {
        if let Some(e) = d.escalation_mut(e) {
            e.state = EscalationState::Decided;
            e.updated_at = now;
        }
    }
    let assists = input.assists.iter().map(|s| s.bureau.clone()).collect();
    d.event(None, EventKind::MeetingDecided { meeting: id, lead: input.lead.bureau.clone(), assists });
    Ok(())
}

/// The rule the decision proposes: the request's category (its whole branch at that code) in the
/// request's area → the decided lead and assists. None without a category to key it on.
fn propose(d: &mut Draft, meeting: MeetingId, input: &DecisionInput) -> Option<ProposalId> {
    let category = d.case.request.submitted.category.clone()?;
    let p = ProposedRule {
        id: ProposalId::generate(),
        request_id: d.case.id(),
        meeting_id: meeting,
        categories: vec![category],
        areas: d.case.request.area.clone().into_iter().collect(),
        lead: input.lead.bureau.clone(),
        assists: input.assists.iter().map(|s| s.bureau.clone()).collect(),
        note: Some(input.minutes.clone()),
        state: ProposalState::Proposed,
        proposed_at: d.now(),
        decision: None,
    };
    let id = p.id;
    d.event(None, EventKind::RuleProposed { proposal: id, lead: p.lead.clone() });
    d.proposals.push(p);
    Some(id)
}

/// A meeting not decided by its time lapses: called again one level up, or, at the district, left
/// to the supervisors. What happens next happens to every escalation still waiting on it: its own
/// and those that joined it. One whose business is over (resolved when the request closed,
/// dismissed) stays closed: the meeting just lapses.
pub(crate) fn lapse_overdue(d: &mut Draft) {
    let now = d.now();
    let due: Vec<_> = d
        .case
        .meetings
        .iter()
        .filter(|m| m.state == MeetingState::Called && m.decide_by <= now)
        .map(|m| (m.id, m.level, m.escalation_id))
        .collect();
    for (id, level, own) in due {
        if let Some(m) = d.meeting_mut(id) {
            m.state = MeetingState::Lapsed;
            m.updated_at = now;
        }
        d.event(None, EventKind::MeetingLapsed { meeting: id, level });
        let mut waiting = waiting(d);
        // Its own escalation goes first: the meeting called again is called for it.
        waiting.sort_by_key(|e| *e != own);
        let mut called = false;
        for escalation in waiting {
            if level > AreaLevel::District {
                let owner = escalate::convener(d, AreaLevel::District);
                if let Some(e) = d.escalation_mut(escalation) {
                    e.level = AreaLevel::District;
                    e.owner = Some(owner.clone());
                    e.updated_at = now;
                }
                d.event(
                    None,
                    EventKind::EscalationRaised {
                        escalation,
                        level: AreaLevel::District,
                        owner: Some(owner),
                    },
                );
                if called {
                    // Joins the meeting just called.
                    continue;
                }
                if !escalate::met_at(d, escalation, AreaLevel::District) {
                    escalate::call(d, escalation, AreaLevel::District);
                    called = true;
                    continue;
                }
            }
            if let Some(e) = d.escalation_mut(escalation) {
                e.state = EscalationState::Open;
                e.updated_at = now;
            }
            d.event(None, EventKind::EscalationOverdue { escalation });
        }
    }
}

/// The escalations waiting on a meeting that is no longer called: still marked as having one, but
/// no meeting of theirs is called.
fn waiting(d: &Draft) -> Vec<EscalationId> {
    let has_meeting = |e: EscalationId| {
        d.case.meetings.iter().any(|m| m.escalation_id == e && m.state == MeetingState::Called)
    };
    d.case
        .escalations
        .iter()
        .filter(|e| e.state == EscalationState::MeetingCalled && !has_meeting(e.id))
        .map(|e| e.id)
        .collect()
}
