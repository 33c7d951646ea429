//! Opening escalations and calling coordination meetings: decided by the escalation service from
//! the case as it stands (so a redelivered event or a second worker finds nothing left to do).

use crate::escalation::{
    Agenda, AgendaDisclaim, Escalation, EscalationId, EscalationState, InviteReason, Invitee, Meeting,
    MeetingId, MeetingPlace, MeetingState, Trigger,
};
use jiesu_events::event::EventKind;
use jiesu_model::area::AreaLevel;
use jiesu_model::bureau::BureauCode;
use jiesu_model::request::RequestStatus;

use super::command::WorkflowError;
use super::draft::Draft;

/// The default owner of the request's area at `level`, else the nearest one above it.
pub(crate) fn owner_at(d: &Draft, level: AreaLevel) -> Option<BureauCode> {
    let areas = d.ctx.district.areas();
    let ancestry = match &d.case.request.area {
        Some(a) => areas.ancestry(a),
        None => vec![areas.root()],
    };
    ancestry.iter().filter(|a| a.level <= level).find_map(|a| a.default_owner.clone())
}

/// Who convenes a meeting at `level`: the street office for a street meeting, the configured
/// convener (or the district's default owner) for a district one.
pub(crate) fn convener(d: &Draft, level: AreaLevel) -> BureauCode {
    let configured = || d.ctx.policy.escalation.convener.clone();
    let at_level = match level {
        AreaLevel::District => configured(),
        _ => owner_at(d, level).or_else(configured),
    };
    at_level.unwrap_or_else(|| d.ctx.district.last_resort().clone())
}

/// Who answers for an escalation at `level`: the district's convener, or the default owner of the
/// request's area at that level.
pub(crate) fn authority(d: &Draft, level: AreaLevel) -> Option<BureauCode> {
    match level {
        AreaLevel::District => Some(convener(d, level)),
        _ => owner_at(d, level),
    }
}

/// Opens an escalation unless the case has one for `trigger` already. Returns its id.
pub(crate) fn open(d: &mut Draft, trigger: Trigger, level: AreaLevel) -> EscalationId {
    if let Some(e) = d.case.escalations.iter().find(|e| e.trigger == trigger) {
        return e.id;
    }
    let owner = authority(d, level);
    let e = Escalation::open(d.case.id(), trigger, level, owner.clone(), d.now());
    let id = e.id;
    d.add_escalation(e);
    d.event(None, EventKind::EscalationOpened { escalation: id, trigger, level, owner, linked: Vec::new() });
    id
}

/// Opens the escalations the case calls for: every candidate disclaimed (exhausted), or disclaimed
/// over and over (ping-pong); each calls a meeting unless one is already called for the request.
pub(crate) fn review(d: &mut Draft) -> Result<(), WorkflowError> {
    let policy = &d.ctx.policy.escalation;
    let level = policy.first_meeting_level;
    let closed =
        matches!(d.status(), RequestStatus::Resolved | RequestStatus::Reviewed | RequestStatus::Closed);
    let exhausted = d.status() == RequestStatus::Escalated && d.case.active_lead().is_none();
    let ping_pong = policy.ping_pong_after > 0 && d.case.disclaims.len() >= policy.ping_pong_after as usize;
    let has = |d: &Draft, t| d.case.escalations.iter().any(|e| e.trigger == t);
    for (trigger, due) in [(Trigger::Exhausted, exhausted), (Trigger::PingPong, ping_pong && !closed)] {
        if due && !has(d, trigger) {
            let id = open(d, trigger, level);
            call_or_join(d, id, level);
        }
    }
    refresh_called(d);
    Ok(())
}

/// Keeps a called meeting's agenda and invitations up to date with disclaims made since it was
/// called (the request goes on to the remaining candidates meanwhile): every bureau that disclaimed
/// states its reasons at the meeting.
fn refresh_called(d: &mut Draft) {
    let now = d.now();
    let disclaims: Vec<AgendaDisclaim> = d
        .case
        .disclaims
        .iter()
        .map(|x| AgendaDisclaim {
            bureau: x.bureau.clone(),
            reason: x.reason,
            explanation: x.explanation.to_string(),
            at: x.at,
        })
        .collect();
    let called: Vec<MeetingId> = d
        .case
        .meetings
        .iter()
        .filter(|m| m.state == MeetingState::Called && m.agenda.disclaims != disclaims)
        .map(|m| m.id)
        .collect();
    for id in called {
        if let Some(m) = d.meeting_mut(id) {
            for x in &disclaims {
                match m.invitees.iter_mut().find(|i| i.bureau == x.bureau) {
                    Some(i) => i.reason = InviteReason::Disclaimed,
                    None => m.invitees.push(Invitee {
                        bureau: x.bureau.clone(),
                        reason: InviteReason::Disclaimed,
                        confirmed_at: None,
                        attended: None,
                    }),
                }
            }
            m.agenda.disclaims = disclaims.clone();
            m.updated_at = now;
        }
    }
}

/// Calls a meeting for the escalation, or lets it join the one already called for the request.
/// An escalation meets once per level: where its meeting lapsed (or decided), it is not called
/// again (the store would refuse the second one), and it stays with whoever holds it.
pub(crate) fn call_or_join(d: &mut Draft, escalation: EscalationId, level: AreaLevel) {
    if met_at(d, escalation, level) {
        return;
    }
    let now = d.now();
    let called = d.case.meetings.iter().any(|m| m.state == MeetingState::Called);
    if !called {
        call(d, escalation, level);
    }
    if let Some(e) = d.escalation_mut(escalation) {
        e.state = EscalationState::MeetingCalled;
        e.updated_at = now;
    }
}

/// Whether a meeting was ever called for the escalation at `level`.
pub(crate) fn met_at(d: &Draft, escalation: EscalationId, level: AreaLevel) -> bool {
    d.case.meetings.iter().any(|m| m.escalation_id == escalation && m.level == level)
}

/// Calls a meeting: the next working-day slot, on site, with everyone who disclaimed, the remaining
/// candidates, the street office and the convener invited, and an agenda of the disclaims.
pub(crate) fn call(d: &mut Draft, escalation: EscalationId, level: AreaLevel) -> MeetingId {
    let now = d.now();
    let cal = d.ctx.district.calendar();
    let policy = &d.ctx.policy.escalation;
    let scheduled_at = policy.next_slot(now, cal);
    let decide_by = policy.decide_within.due_from(scheduled_at, cal);
    let convener = convener(d, level);
    let mut invitees: Vec<Invitee> = Vec::new();
    let mut invite = |bureau: BureauCode, reason| {
        if !invitees.iter().any(|i| i.bureau == bureau) {
            invitees.push(Invitee { bureau, reason, confirmed_at: None, attended: None });
        }
    };
    for x in &d.case.disclaims {
        invite(x.bureau.clone(), InviteReason::Disclaimed);
    }
    for c in &d.case.routing.candidates {
        invite(c.bureau.clone(), InviteReason::Candidate);
    }
    if let Some(street) = owner_at(d, AreaLevel::Street) {
        invite(street, InviteReason::StreetOffice);
    }
    invite(convener.clone(), InviteReason::Convener);
    let s = &d.case.request.submitted;
    let summary = s.details.title.as_ref().map_or_else(|| s.description.as_str(), |t| t.as_str());
    let agenda = Agenda {
        tracking: s.tracking.to_string(),
        summary: summary.chars().take(500).collect(),
        photos: s.media.iter().map(|m| m.as_str().to_owned()).collect(),
        disclaims: d
            .case
            .disclaims
            .iter()
            .map(|x| AgendaDisclaim {
                bureau: x.bureau.clone(),
                reason: x.reason,
                explanation: x.explanation.to_string(),
                at: x.at,
            })
            .collect(),
    };
    let place = MeetingPlace {
        on_site: true,
        address: s.location.address().map(|a| a.to_string()),
        point: s.location.point(),
    };
    let meeting = Meeting {
        id: MeetingId::generate(),
        request_id: d.case.id(),
        escalation_id: escalation,
        level,
        convener: convener.clone(),
        scheduled_at,
        decide_by,
        place,
        state: MeetingState::Called,
        invitees,
        agenda,
        decision: None,
        called_at: now,
        updated_at: now,
    };
    let id = meeting.id;
    let invited = meeting.invitees.iter().map(|i| i.bureau.clone()).collect();
    d.add_meeting(meeting);
    d.event(None, EventKind::MeetingCalled { meeting: id, level, convener, scheduled_at, invitees: invited });
    id
}

/// A supervisor closes an open escalation without action.
/// A supervisor closes an open escalation: dismissed (nothing to do) or resolved (dealt with).
pub(crate) fn close(
    d: &mut Draft,
    id: EscalationId,
    note: Option<super::case::Note>,
    state: EscalationState,
) -> Result<(), WorkflowError> {
    let now = d.now();
    let e = d.case.escalations.iter().find(|e| e.id == id).ok_or(WorkflowError::NotFound("escalation"))?;
    if !e.state.is_open() {
        return Err(WorkflowError::WrongStatus(d.status(), "the escalation is already closed"));
    }
    if let Some(e) = d.escalation_mut(id) {
        e.state = state;
        e.updated_at = now;
    }
    d.event(None, EventKind::EscalationClosed { escalation: id, outcome: state.as_str().into(), note });
    Ok(())
}
