//! Coordination meetings not decided in time, decided on the sample district at chosen instants:
//! a street meeting lapses into a district one, a district meeting into the supervisors' hands;
//! escalations that joined a meeting follow it; and a meeting whose business is over (the request
//! closed meanwhile) or a clock missed again after the district gave up does not start anything
//! twice. Dates worked out by hand from `config/calendar/2026.toml` (Mid-Autumn Fri 25 – Sun 27
//! Sep, National Day Thu 1 – Wed 7 Oct, Sat 10 Oct a make-up working day); meetings are held in
//! the 09:30 and 14:30 slots, called at least two hours ahead, decided within a working day.

mod support;

use jiesu_domain::area::AreaLevel;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::escalation::{EscalationPolicy, EscalationState, MeetingState, Trigger};
use jiesu_domain::staff::StaffRole;
use jiesu_domain::workflow::{Command, Policy, Satisfaction};
use support::{Clock, MICRO, at, end_of, note, of, staff};

fn policy(first_meeting_level: AreaLevel, ping_pong_after: u32) -> Policy {
    Policy {
        escalation: EscalationPolicy { first_meeting_level, ping_pong_after, ..EscalationPolicy::default() },
        ..Policy::default()
    }
}

#[test]
fn a_street_meeting_not_decided_in_time_goes_to_the_district_and_then_to_the_supervisors() {
    let mut c = Clock::on(support::district(), policy(AreaLevel::Street, 0), at(9, 23, 10, 0));
    c.exhaust(at(9, 28, 9, 0));
    // Reviewed at 10:00 Mon 28 Sep: the first slot two hours ahead is 14:30 that day, convened by
    // the street office (吹哨报到), to be decided by the end of Tue 29.
    assert_eq!(
        c.review(at(9, 28, 10, 0)),
        ["open exhausted at street: street-kengzi", "call a street meeting by street-kengzi at 09-28 14:30"]
    );
    assert_eq!(c.meetings()[0].decide_by, end_of(9, 29));
    assert!(c.check(end_of(9, 29) - MICRO).is_empty());
    // Lapsed at the end of Tue 29: called again at the district for 09:30 Wed 30, to be decided
    // within a working day: National Day intervenes, so by the end of Thu 8 Oct.
    assert_eq!(
        c.check(end_of(9, 29)),
        [
            "lapse the street meeting",
            "raise to district: service-centre",
            "call a district meeting by service-centre at 09-30 09:30",
        ]
    );
    assert!(c.check(end_of(9, 29)).is_empty(), "lapses once");
    assert_eq!(c.meetings()[1].decide_by, end_of(10, 8));
    assert!(c.check(end_of(10, 7)).is_empty(), "the holiday does not count");
    assert_eq!(c.check(end_of(10, 8)), ["lapse the district meeting", "overdue: supervisors act"]);
    let e = c.escalation(Trigger::Exhausted);
    assert_eq!((e.level, e.state), (AreaLevel::District, EscalationState::Open), "left to the supervisors");
    assert!(c.meetings().iter().all(|m| m.state == MeetingState::Lapsed));
    assert!(c.check(end_of(10, 12)).is_empty());
    assert_eq!(c.meetings().len(), 2);
}

#[test]
fn an_escalation_that_joined_a_meeting_follows_it_when_it_lapses() {
    // Three disclaims both exhaust the candidates and make a ping-pong: one meeting for both.
    let mut c = Clock::on(support::district(), policy(AreaLevel::Street, 3), at(9, 23, 10, 0));
    c.exhaust(at(9, 28, 9, 0));
    assert_eq!(
        c.review(at(9, 28, 10, 0)),
        [
            "open exhausted at street: street-kengzi",
            "call a street meeting by street-kengzi at 09-28 14:30",
            "open ping_pong at street: street-kengzi",
        ]
    );
    assert_eq!(
        c.check(end_of(9, 29)),
        [
            "lapse the street meeting",
            "raise to district: service-centre",
            "call a district meeting by service-centre at 09-30 09:30",
            "raise to district: service-centre",
        ]
    );
    for t in [Trigger::Exhausted, Trigger::PingPong] {
        let e = c.escalation(t);
        assert_eq!((e.level, e.state), (AreaLevel::District, EscalationState::MeetingCalled), "{t:?}");
    }
    assert_eq!(
        c.check(end_of(10, 8)),
        ["lapse the district meeting", "overdue: supervisors act", "overdue: supervisors act"]
    );
    for t in [Trigger::Exhausted, Trigger::PingPong] {
        assert_eq!(c.escalation(t).state, EscalationState::Open, "{t:?}");
    }
}

#[test]
fn a_meeting_whose_request_was_closed_meanwhile_lapses_without_raising_anything() {
    let mut c = Clock::on(support::district(), policy(AreaLevel::District, 0), at(9, 23, 10, 0));
    c.exhaust(at(9, 28, 9, 0));
    c.review(at(9, 28, 10, 0));
    // The desk places it by hand and the work gets done before the meeting was decided.
    let operator = staff(StaffRole::Operator, None);
    let water = BureauCode::parse("water").expect("code");
    let place = Command::Dispatch {
        bureau: Some(water.clone()),
        area: None,
        category: None,
        note: Some(note("供水管网")),
    };
    c.by(&operator, place, at(9, 28, 11, 0));
    let (task, _) = c.lead();
    c.by(&of(&water), Command::Claim { task }, at(9, 28, 11, 30));
    c.by(&of(&water), Command::Resolve { task, result: note("已修复"), photos: vec![] }, at(9, 28, 15, 0));
    c.by(&operator, Command::ReviewResolution { approve: true, note: None }, at(9, 28, 16, 0));
    let visit = Command::RecordVisit {
        solved: true,
        satisfaction: Some(Satisfaction::Satisfied),
        stars: None,
        comment: None,
    };
    assert_eq!(c.by(&operator, visit, at(9, 28, 17, 0)), ["close: resolved"]);
    assert_eq!(c.check(end_of(9, 29)), ["lapse the district meeting"]);
    assert_eq!(c.escalation(Trigger::Exhausted).state, EscalationState::Resolved);
    assert_eq!(c.meetings().len(), 1);
}

#[test]
fn a_clock_missed_after_the_district_gave_up_calls_no_second_meeting() {
    // Dispatched Wed 30 Sep 10:00. Response: the end of Thu 8 Oct, supervisors Fri 9, district
    // Sat 10 (make-up day), meeting at 09:30 Mon 12 (Sun 11 is off), decided by the end of Tue 13.
    let mut c = Clock::dispatched(at(9, 30, 10, 0));
    for day in [8, 9] {
        c.check(end_of(10, day));
    }
    assert_eq!(
        c.check(end_of(10, 10)),
        [
            // The resolution clock's warning, three quarters of the way to it: 14:30 Sat 10.
            "warn urban-management about its resolution due 10-13 23:59",
            "raise to district: service-centre",
            "call a district meeting by service-centre at 10-12 09:30"
        ]
    );
    // Resolution: 5 working days, Oct 8, 9, 10, 12, 13: due as the meeting lapses.
    assert_eq!(
        c.check(end_of(10, 13)),
        [
            "remind admins about urban-management's resolution due 10-13 23:59",
            "lapse the district meeting",
            "overdue: supervisors act",
        ]
    );
    // The escalation already stands at the district, open for the supervisors: the resolution's
    // chain reminds them, and neither lowers it nor calls the district's meeting a second time.
    assert_eq!(
        c.check(end_of(10, 14)),
        ["remind supervisors about urban-management's resolution due 10-13 23:59"]
    );
    assert!(c.check(end_of(10, 15)).is_empty());
    let e = c.escalation(Trigger::DeadlineMissed);
    assert_eq!((e.level, e.state), (AreaLevel::District, EscalationState::Open));
    assert_eq!(c.meetings().len(), 1);
}
