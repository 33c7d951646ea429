//! A missed deadline's chain, driven by the deadline row's `stage` and `next_action_at`:
//!
//! 1. it runs out: the late bureau's admins are reminded;
//! 2. one `reminder_grace` later, still pending: the supervisors are reminded and a deadline
//!    escalation opens at the request's own level (its community, else its street);
//! 3. each further grace: the escalation goes one level up (community → street → district); at the
//!    district a coordination meeting may be called, and the chain ends.
//!
//! Each step's time is counted from the previous step's time, not from when the scanner ran, so a
//! scanner that was stopped for an hour catches up step by step, and each step fires once: it moves
//! `stage` in the same commit as its reminder.

use crate::area::AreaLevel;
use crate::deadline::{DeadlineId, DeadlineState};
use crate::escalation::{EscalationState, Trigger};
use crate::event::{EventKind, ReminderTo};

use super::draft::Draft;
use super::escalate;

/// Moves every due chain of the case, as far as `now` allows.
pub(crate) fn advance(d: &mut Draft) {
    let now = d.now();
    let due: Vec<DeadlineId> = d
        .case
        .deadlines
        .iter()
        .filter(|x| x.state == DeadlineState::Pending && x.next_action_at.is_some_and(|t| t <= now))
        .map(|x| x.id)
        .collect();
    for id in due {
        // Bounded: a chain has a handful of steps.
        for _ in 0..8 {
            let Some(x) = d.case.deadlines.iter().find(|x| x.id == id).cloned() else { break };
            let Some(at) = x.next_action_at.filter(|t| *t <= now) else { break };
            let next = step(d, &x, at);
            if let Some(row) = d.deadline_mut(id) {
                row.stage = x.stage.saturating_add(1);
                row.next_action_at = next;
            }
        }
    }
}

/// Fires one step; returns when the next one is due, `None` when the chain is over.
fn step(
    d: &mut Draft,
    x: &crate::deadline::Deadline,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let grace = d.ctx.policy.escalation.reminder_grace;
    let next = Some(grace.due_from(at, d.ctx.district.calendar()));
    let bureau = d.case.task(x.task_id).map(|t| t.bureau.clone())?;
    let remind = |to| EventKind::DeadlineReminder {
        deadline: x.id,
        bureau: bureau.clone(),
        kind: x.kind,
        due_at: x.due_at,
        to,
    };
    match x.stage {
        0 => {
            d.event(Some(x.task_id), remind(ReminderTo::BureauAdmins { bureau: bureau.clone() }));
            next
        }
        1 => {
            d.event(Some(x.task_id), remind(ReminderTo::Supervisors));
            let level = own_level(d);
            let id = escalate::open(d, Trigger::DeadlineMissed, level);
            if let Some(e) = d.escalation_mut(id) {
                e.deadline.get_or_insert(x.id);
            }
            if level == AreaLevel::District { at_district(d, id) } else { next }
        }
        _ => {
            let id =
                d.case.escalations.iter().find(|e| e.trigger == Trigger::DeadlineMissed).map(|e| e.id)?;
            let level = raise(d, id);
            if level == AreaLevel::District { at_district(d, id) } else { next }
        }
    }
}

/// The deepest level of the request's area that has a default owner.
fn own_level(d: &Draft) -> AreaLevel {
    let areas = d.ctx.district.areas();
    d.case
        .request
        .area
        .as_ref()
        .map(|a| areas.ancestry(a))
        .unwrap_or_default()
        .iter()
        .find(|a| a.default_owner.is_some())
        .map_or(AreaLevel::District, |a| a.level)
}

/// One level up the area hierarchy, to the next level with a default owner.
fn raise(d: &mut Draft, id: crate::escalation::EscalationId) -> AreaLevel {
    let now = d.now();
    let current = d.case.escalations.iter().find(|e| e.id == id).map_or(AreaLevel::District, |e| e.level);
    let areas = d.ctx.district.areas();
    let above = d
        .case
        .request
        .area
        .as_ref()
        .map(|a| areas.ancestry(a))
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.level < current && a.default_owner.is_some())
        .map(|a| a.level)
        .next()
        .unwrap_or(AreaLevel::District);
    let owner = match above {
        AreaLevel::District => Some(escalate::convener(d, AreaLevel::District)),
        level => escalate::owner_at(d, level),
    };
    if let Some(e) = d.escalation_mut(id) {
        e.level = above;
        e.owner = owner.clone();
        e.updated_at = now;
    }
    d.event(None, EventKind::EscalationRaised { escalation: id, level: above, owner });
    above
}

/// At the district the chain ends: a meeting is called (if the district wants one and none is
/// called already).
fn at_district(d: &mut Draft, id: crate::escalation::EscalationId) -> Option<chrono::DateTime<chrono::Utc>> {
    let open = d.case.escalations.iter().any(|e| e.id == id && e.state == EscalationState::Open);
    if d.ctx.policy.escalation.deadline_meeting && open {
        escalate::call_or_join(d, id, AreaLevel::District);
    }
    None
}
