//! The dispatch desk's clocks (`jiesu_calendar::desk`): which run, and the chain when one runs out.
//!
//! What the desk owes is read off the case, not set by each command: a request waiting to be
//! placed (`AwaitingDispatch`), every disclaim held for review, a result waiting for the closure
//! review (`Resolved`). `sync` runs at the end of every decision and starts a clock for what is
//! owed and untimed, and settles the clocks of what is no longer owed: `Met` when a person acted,
//! `Cancelled` when the system moved the request on (an escalation took it off the desk). An
//! escalated request is not on a desk clock: its escalation and meeting have their own chain.
//!
//! The chain of a missed desk clock, driven by its `stage` and `next_action_at` as a task's is:
//!
//! 1. it runs out: the desk is reminded;
//! 2. one `reminder_grace` later, still owed: the supervisors are reminded and a `DeskOverdue`
//!    escalation opens at the district (the desk is the district's own), which ends the chain.
//!
//! The escalation is resolved when no clock that reached it is still running.

use chrono::{DateTime, Utc};

use crate::escalation::{EscalationState, Trigger};
use jiesu_calendar::deadline::DeadlineState;
use jiesu_calendar::desk::{DeskClock, DeskClockKind};
use jiesu_events::event::{Actor, EventKind, ReminderTo};
use jiesu_model::area::AreaLevel;
use jiesu_model::ids::TaskId;
use jiesu_model::request::RequestStatus;

use super::case::{Case, DisclaimState};
use super::draft::Draft;
use super::escalate;

/// The stage a clock is at once its miss has opened (or joined) the escalation.
const ESCALATED: u8 = 2;

/// What the desk owes on the case now: a kind, and the task a disclaim review is about.
fn owed(case: &Case) -> Vec<(DeskClockKind, Option<TaskId>)> {
    let mut out = Vec::new();
    match case.request.status {
        // A held disclaim also leaves the request waiting at the desk, but what is owed then is
        // the review (placing it is refused until the disclaim is decided).
        RequestStatus::AwaitingDispatch if case.active_lead().is_none() => {
            out.push((DeskClockKind::Placement, None))
        }
        RequestStatus::Resolved => out.push((DeskClockKind::ClosureReview, None)),
        _ => {}
    }
    out.extend(
        case.disclaims
            .iter()
            .filter(|x| x.state == DisclaimState::Pending)
            .map(|x| (DeskClockKind::DisclaimReview, Some(x.task_id))),
    );
    out
}

/// Starts and settles the desk's clocks to match what it owes (see the module docs).
pub(crate) fn sync(d: &mut Draft) {
    let owed = owed(&d.case);
    let now = d.now();
    let settled_as =
        if matches!(d.actor, Actor::User { .. }) { DeadlineState::Met } else { DeadlineState::Cancelled };
    let done: Vec<_> = d
        .case
        .desk_clocks
        .iter()
        .filter(|k| k.is_running() && !owed.contains(&(k.kind, k.task_id)))
        .map(|k| k.id)
        .collect();
    for id in &done {
        if let Some(k) = d.desk_clock_mut(*id) {
            k.state = settled_as;
            k.settled_at = Some(now);
            k.next_action_at = None;
        }
    }
    let still_escalated = d.case.desk_clocks.iter().any(|k| k.is_running() && k.stage >= ESCALATED);
    if !done.is_empty() && !still_escalated {
        d.resolve_escalations_where(|e| e.trigger == Trigger::DeskOverdue);
    }
    for (kind, task) in owed {
        if d.case.desk_clocks.iter().any(|k| k.is_running() && k.kind == kind && k.task_id == task) {
            continue;
        }
        let limits = d.ctx.district.time_limits().desk();
        let clock = DeskClock::start(d.case.id(), kind, task, now, limits, d.ctx.district.calendar());
        d.add_desk_clock(clock);
    }
}

/// Moves every due desk chain of the case, as far as `now` allows, earliest step first.
pub(crate) fn advance(d: &mut Draft) {
    let now = d.now();
    for _ in 0..d.case.desk_clocks.len() * usize::from(ESCALATED) {
        let Some((k, at)) = d
            .case
            .desk_clocks
            .iter()
            .filter(|k| k.is_running())
            .filter_map(|k| k.next_action_at.filter(|t| *t <= now).map(|t| (k, t)))
            .min_by_key(|(k, t)| (*t, k.due_at))
            .map(|(k, t)| (k.clone(), t))
        else {
            break;
        };
        let next = step(d, &k, at);
        if let Some(row) = d.desk_clock_mut(k.id) {
            row.stage = k.stage.saturating_add(1);
            row.next_action_at = next;
        }
    }
}

/// Fires one step; returns when the next one is due, `None` when the chain is over.
fn step(d: &mut Draft, k: &DeskClock, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let remind = |to| EventKind::DeskReminder { clock: k.id, kind: k.kind, due_at: k.due_at, to };
    if k.stage == 0 {
        d.event(k.task_id, remind(ReminderTo::Desk));
        let grace = d.ctx.policy.escalation.reminder_grace;
        return Some(grace.due_from(at, d.ctx.district.calendar()));
    }
    d.event(k.task_id, remind(ReminderTo::Supervisors));
    let existing =
        d.case.escalations.iter().find(|e| e.trigger == Trigger::DeskOverdue).map(|e| (e.id, e.state));
    match existing {
        None => {
            escalate::open(d, Trigger::DeskOverdue, AreaLevel::District);
        }
        Some((_, state)) if state.is_open() => {}
        // Settled or dismissed for an earlier miss: this one is a new fact, so it opens again.
        Some((id, _)) => reopen(d, id),
    }
    None
}

fn reopen(d: &mut Draft, id: crate::escalation::EscalationId) {
    let now = d.now();
    let owner = escalate::authority(d, AreaLevel::District);
    if let Some(e) = d.escalation_mut(id) {
        e.state = EscalationState::Open;
        e.level = AreaLevel::District;
        e.owner = owner.clone();
        e.updated_at = now;
    }
    d.event(
        None,
        EventKind::EscalationOpened {
            escalation: id,
            trigger: Trigger::DeskOverdue,
            level: AreaLevel::District,
            owner,
            linked: Vec::new(),
        },
    );
}
