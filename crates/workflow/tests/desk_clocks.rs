//! The dispatch desk's clocks, decided on the sample district at chosen instants: what the desk
//! owes (a request to place, a held disclaim, a result to review) is timed from the moment it
//! starts to wait, the desk is reminded when the time is up, the supervisors one
//! `reminder_grace` (1 working day) later with an escalation at the district, and the desk's
//! action settles the clock and the escalation. The sample district gives the desk 2 hours of
//! clock time to place a request and 1 working day to review (`config/time-limits.toml`).
//!
//! The 2026 days that matter: Thu 15 and Fri 16 Oct are working days, 17–18 Oct an ordinary
//! weekend, Mon 19 Oct a working day.

mod support;

use chrono::Duration;
use jiesu_domain::area::{AreaCode, AreaLevel};
use jiesu_domain::deadline::DeadlineState;
use jiesu_domain::desk::{DeskClock, DeskClockKind};
use jiesu_domain::escalation::{EscalationState, Trigger};
use jiesu_domain::request::{Location, RequestStatus};
use jiesu_domain::staff::StaffRole;
use jiesu_domain::text::AddressText;
use jiesu_domain::workflow::{Command, DisclaimReview, Policy};
use support::{Clock, MICRO, at, disclaim, end_of, new_request, note, of, staff};

fn operator() -> jiesu_domain::staff::Principal {
    staff(StaffRole::Operator, None)
}

fn desk(c: &Clock, kind: DeskClockKind) -> Vec<&DeskClock> {
    c.case.desk_clocks.iter().filter(|k| k.kind == kind).collect()
}

fn held_disclaims() -> Policy {
    Policy { disclaim_review: DisclaimReview::Operator, ..Policy::default() }
}

#[test]
fn a_forgotten_held_disclaim_reminds_the_desk_then_the_supervisors_with_a_district_escalation() {
    // Dispatched Thu 15 Oct 10:00; the lead disclaims at 10:30 and the desk holds it.
    let mut c = Clock::on(support::district(), held_disclaims(), at(10, 15, 10, 0));
    let (task, _) = c.lead();
    c.by(&of(&c.lead().1), disclaim(task), at(10, 15, 10, 30));
    let held = desk(&c, DeskClockKind::DisclaimReview);
    assert_eq!(held.len(), 1, "one clock for the held disclaim");
    // One working day: the day it starts does not count, so by the end of Fri 16.
    assert_eq!(
        (held[0].task_id, held[0].started_at, held[0].due_at),
        (Some(task), at(10, 15, 10, 30), end_of(10, 16))
    );

    let early = c.check(end_of(10, 16) - MICRO);
    assert!(early.iter().all(|l| !l.contains("the desk")), "nothing before it is due: {early:?}");
    let lines = c.check(end_of(10, 16));
    assert!(
        lines.contains(&"remind desk about the desk's disclaim_review due 10-16 23:59".to_owned()),
        "{lines:?}"
    );
    // Grace: one working day past the weekend, the end of Mon 19.
    assert!(c.check(end_of(10, 18)).iter().all(|l| !l.contains("desk")));
    let lines = c.check(end_of(10, 19));
    assert!(
        lines.contains(&"remind supervisors about the desk's disclaim_review due 10-16 23:59".to_owned()),
        "{lines:?}"
    );
    assert!(lines.contains(&"open desk_overdue at district: service-centre".to_owned()), "{lines:?}");
    let e = c.escalation(Trigger::DeskOverdue);
    assert_eq!((e.level, e.state), (AreaLevel::District, EscalationState::Open));
    // The chain ends there.
    let k = desk(&c, DeskClockKind::DisclaimReview)[0].clone();
    assert_eq!((k.stage, k.next_action_at), (2, None));
    assert!(c.check(end_of(10, 23)).iter().all(|l| !l.contains("desk")));

    // The desk finally rejects the disclaim: the clock is met (late), the escalation settled.
    let lines = c.by(
        &operator(),
        Command::ReviewDisclaim { task, accept: false, to: None, note: Some(note("属于本单位职责")) },
        at(10, 20, 9, 0),
    );
    assert!(lines.contains(&"close: resolved".to_owned()), "{lines:?}");
    let k = desk(&c, DeskClockKind::DisclaimReview)[0].clone();
    assert_eq!((k.state, k.settled_at), (DeadlineState::Met, Some(at(10, 20, 9, 0))));
    assert!(k.is_overdue(at(10, 20, 9, 0)), "met after its due time");
    assert_eq!(c.escalation(Trigger::DeskOverdue).state, EscalationState::Resolved);
}

#[test]
fn a_request_no_rule_placed_has_two_hours_of_clock_time_through_the_weekend() {
    // Received Sat 17 Oct 10:00 with an address the gazetteer does not know: nowhere to send it.
    let address = AddressText::parse("某个没人知道的地方").expect("address");
    let new = jiesu_domain::request::NewRequest {
        received_at: at(10, 17, 10, 0),
        location: Location::new(None, Some(address)).expect("location"),
        ..new_request()
    };
    let mut c = Clock::of(new, support::district(), Policy::default());
    assert_eq!(c.case.request.status, RequestStatus::AwaitingDispatch);
    let placing = desk(&c, DeskClockKind::Placement);
    assert_eq!(placing.len(), 1, "admitted with its clock");
    assert_eq!(placing[0].due_at, at(10, 17, 12, 0), "clock time: the weekend counts");

    assert!(c.check(at(10, 17, 12, 0) - MICRO).is_empty());
    assert_eq!(c.check(at(10, 17, 12, 0)), ["remind desk about the desk's placement due 10-17 12:00"]);

    // Placed at 13:00 by an operator who found the area: met, an hour late, nothing escalated.
    let area = AreaCode::parse("pingshan.kengzi").expect("area");
    c.by(
        &operator(),
        Command::Dispatch { bureau: None, area: Some(area), category: None, note: None },
        at(10, 17, 13, 0),
    );
    let k = desk(&c, DeskClockKind::Placement)[0].clone();
    assert_eq!((k.state, k.next_action_at), (DeadlineState::Met, None));
    assert!(c.case.escalations.is_empty());
    let later = c.check(end_of(10, 19));
    assert!(
        later.iter().all(|l| !l.contains("the desk")),
        "a settled clock's chain does not go on: {later:?}"
    );
}

#[test]
fn each_result_waiting_for_review_is_timed_and_a_sent_back_one_starts_again() {
    let mut c = Clock::dispatched(at(10, 15, 9, 0));
    let (task, bureau) = c.lead();
    c.by(&of(&bureau), Command::Claim { task }, at(10, 15, 9, 30));
    assert!(c.case.desk_clocks.is_empty(), "nothing owed at the desk while the bureau works");
    let resolve = |t| (Command::Resolve { task, result: note("已更换灯泡"), photos: vec![] }, t);
    let (cmd, t) = resolve(at(10, 15, 16, 0));
    c.by(&of(&bureau), cmd, t);
    let review = desk(&c, DeskClockKind::ClosureReview);
    assert_eq!((review.len(), review[0].due_at), (1, end_of(10, 16)));

    // Sent back the next morning: met; the bureau works again, so nothing is owed.
    c.by(
        &operator(),
        Command::ReviewResolution { approve: false, note: Some(note("照片不清楚")) },
        at(10, 16, 9, 0),
    );
    assert!(desk(&c, DeskClockKind::ClosureReview).iter().all(|k| k.state == DeadlineState::Met));
    // Resolved again on Friday evening: a new clock, to the end of Mon 19.
    let (cmd, t) = resolve(at(10, 16, 18, 0));
    c.by(&of(&bureau), cmd, t);
    let review = desk(&c, DeskClockKind::ClosureReview);
    assert_eq!(review.len(), 2);
    assert_eq!((review[1].state, review[1].due_at), (DeadlineState::Pending, end_of(10, 19)));
    c.by(&operator(), Command::ReviewResolution { approve: true, note: None }, at(10, 19, 10, 0));
    assert!(desk(&c, DeskClockKind::ClosureReview).iter().all(|k| k.state == DeadlineState::Met));
    assert!(!desk(&c, DeskClockKind::ClosureReview)[1].is_overdue(at(10, 19, 10, 0)), "on time");
}

#[test]
fn a_reading_that_changes_nothing_touches_no_desk_clock() {
    // The scanner looking at a case with nothing due writes nothing, desk clocks included.
    let address = AddressText::parse("某个没人知道的地方").expect("address");
    let new = jiesu_domain::request::NewRequest {
        received_at: at(10, 15, 10, 0),
        location: Location::new(None, Some(address)).expect("location"),
        ..new_request()
    };
    let c = Clock::of(new, support::district(), Policy::default());
    let ctx = jiesu_domain::workflow::Ctx {
        district: support::district(),
        policy: &c.policy,
        now: at(10, 15, 10, 0) + Duration::minutes(5),
    };
    let change = jiesu_domain::workflow::decide(
        c.case.clone(),
        jiesu_domain::workflow::Caller::System,
        Command::CheckClocks,
        &ctx,
    )
    .expect("decides");
    assert!(change.is_empty(), "{change:?}");
}
