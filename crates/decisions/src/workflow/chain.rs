//! A missed deadline's chain, driven by the deadline row's `stage` and `next_action_at`:
//!
//! 0. three quarters of its time have gone (`warning_at`): the bureau is warned, once, unless the
//!    scanner comes to it only after it ran out (a warning then would say nothing);
//! 1. it runs out: the late bureau's admins are reminded;
//! 2. one `reminder_grace` later, still pending: the supervisors are reminded and a deadline
//!    escalation opens at the request's own level (its community, else its street);
//! 3. each further grace: the escalation goes one level up (community → street → district); at the
//!    district a coordination meeting may be called, and the chain ends.
//!
//! Each step's time is counted from the previous step's time, not from when the scanner ran, so a
//! scanner that was stopped for an hour catches up step by step, and each step fires once: it moves
//! `stage` in the same commit as its reminder. A late run takes the steps of all the case's clocks
//! in the order they fell due, so the history reads as it happened.
//!
//! A request has one deadline escalation (the store keeps it unique per request and trigger), so
//! every late clock of the request answers through it: a clock's chain raises it to the level its
//! own stage calls for (never lowers it), and a clock missed after the escalation of an earlier
//! miss was resolved opens it again.

use chrono::{DateTime, Utc};

use crate::escalation::{EscalationId, EscalationState, Trigger};
use jiesu_calendar::deadline::{Deadline, DeadlineState};
use jiesu_events::event::{EventKind, ReminderTo};
use jiesu_model::area::AreaLevel;

use super::draft::Draft;
use super::escalate;

/// Steps a clock's chain can take: the warning, admins, supervisors, and at most three levels to
/// climb.
const MAX_STEPS: usize = 9;

/// Moves every due chain of the case, as far as `now` allows.
pub(crate) fn advance(d: &mut Draft) {
    let now = d.now();
    for _ in 0..d.case.deadlines.len() * MAX_STEPS {
        // The earliest due step of any clock; on a tie, the clock that ran out first (then the
        // one that comes first in the case).
        let Some((x, at)) = d
            .case
            .deadlines
            .iter()
            .filter(|x| x.state == DeadlineState::Pending)
            .filter_map(|x| x.next_action_at.filter(|t| *t <= now).map(|t| (x, t)))
            .min_by_key(|(x, t)| (*t, x.due_at))
            .map(|(x, t)| (x.clone(), t))
        else {
            break;
        };
        if x.warns_at(at) {
            // The warning is not a stage: the chain proper starts at the due time.
            if now < x.due_at
                && let Some(bureau) = d.case.task(x.task_id).map(|t| t.bureau.clone())
            {
                let kind =
                    EventKind::DeadlineApproaching { deadline: x.id, bureau, kind: x.kind, due_at: x.due_at };
                d.event(Some(x.task_id), kind);
            }
            if let Some(row) = d.deadline_mut(x.id) {
                row.next_action_at = Some(x.due_at);
            }
            continue;
        }
        let next = step(d, &x, at);
        if let Some(row) = d.deadline_mut(x.id) {
            row.stage = x.stage.saturating_add(1);
            row.next_action_at = next;
        }
    }
}

/// Fires one step; returns when the next one is due, `None` when the chain is over.
fn step(d: &mut Draft, x: &Deadline, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
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
    if x.stage == 0 {
        d.event(Some(x.task_id), remind(ReminderTo::BureauAdmins { bureau: bureau.clone() }));
        return next;
    }
    if x.stage == 1 {
        d.event(Some(x.task_id), remind(ReminderTo::Supervisors));
    }
    // Stage 1 stands at the request's own level, each later stage one level higher.
    let levels = levels(d);
    let target = levels[usize::from(x.stage - 1).min(levels.len() - 1)];
    let id = answering(d, x, target)?;
    let current = d.case.escalations.iter().find(|e| e.id == id).map_or(target, |e| e.level);
    if target < current {
        raise(d, id, target);
    }
    if target == AreaLevel::District { at_district(d, id) } else { next }
}

/// The levels a deadline escalation climbs: the request's own (its deepest area with a default
/// owner), each level above it with one, and the district.
fn levels(d: &Draft) -> Vec<AreaLevel> {
    let areas = d.ctx.district.areas();
    let mut out: Vec<AreaLevel> = d
        .case
        .request
        .area
        .as_ref()
        .map(|a| areas.ancestry(a))
        .unwrap_or_default()
        .iter()
        .filter(|a| a.default_owner.is_some() && a.level > AreaLevel::District)
        .map(|a| a.level)
        .collect();
    out.push(AreaLevel::District);
    out
}

/// The deadline escalation that answers for this clock's miss, at `level` if it has to be opened:
/// the request's open one; else a closed one opened again, unless it was closed for this very
/// clock (a supervisor dismissed it: they have decided, and the chain ends).
fn answering(d: &mut Draft, x: &Deadline, level: AreaLevel) -> Option<EscalationId> {
    let existing = d
        .case
        .escalations
        .iter()
        .find(|e| e.trigger == Trigger::DeadlineMissed)
        .map(|e| (e.id, e.state, e.deadline));
    match existing {
        None => {
            let id = escalate::open(d, Trigger::DeadlineMissed, level);
            if let Some(e) = d.escalation_mut(id) {
                e.deadline = Some(x.id);
            }
            Some(id)
        }
        Some((id, state, _)) if state.is_open() => Some(id),
        Some((id, _, deadline)) if deadline != Some(x.id) => {
            let now = d.now();
            let owner = escalate::authority(d, level);
            if let Some(e) = d.escalation_mut(id) {
                e.state = EscalationState::Open;
                e.level = level;
                e.owner = owner.clone();
                e.deadline = Some(x.id);
                e.updated_at = now;
            }
            d.event(
                None,
                EventKind::EscalationOpened {
                    escalation: id,
                    trigger: Trigger::DeadlineMissed,
                    level,
                    owner,
                    linked: Vec::new(),
                },
            );
            Some(id)
        }
        Some(_) => None,
    }
}

/// Up the area hierarchy to `level`, to the authority there.
fn raise(d: &mut Draft, id: EscalationId, level: AreaLevel) {
    let now = d.now();
    let owner = escalate::authority(d, level);
    if let Some(e) = d.escalation_mut(id) {
        e.level = level;
        e.owner = owner.clone();
        e.updated_at = now;
    }
    d.event(None, EventKind::EscalationRaised { escalation: id, level, owner });
}

/// At the district the chain ends: a meeting is called (if the district wants one, the
/// escalation still waits for action, and the district has not met on it already).
fn at_district(d: &mut Draft, id: EscalationId) -> Option<DateTime<Utc>> {
    let open = d.case.escalations.iter().any(|e| e.id == id && e.state == EscalationState::Open);
    if d.ctx.policy.escalation.deadline_meeting && open {
        escalate::call_or_join(d, id, AreaLevel::District);
    }
    None
}
