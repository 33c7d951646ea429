//! The missed-deadline chain, decided on the sample district at chosen instants: the late bureau's
//! admins are reminded when a clock runs out, the supervisors one `reminder_grace` (1 working
//! day) later, when an escalation opens at the request's own level, and each further grace
//! raises it one level, calling a meeting at the district. Every expected time is worked out by
//! hand from `config/calendar/2026.toml`, and each test says how.
//!
//! The 2026 days that matter here: Sun 20 Sep is a make-up working day; Mid-Autumn takes Fri 25
//! to Sun 27 Sep off; National Day takes Thu 1 to Wed 7 Oct off; Sat 10 Oct is a make-up working
//! day; 17–18 Oct is an ordinary weekend. The sample general class gives 1 working day to claim
//! and 5 to resolve.

mod support;

use jiesu_domain::area::AreaLevel;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::escalation::{EscalationState, Trigger};
use jiesu_domain::sla::DeadlineKind::{Resolution, Response};
use jiesu_domain::staff::StaffRole;
use jiesu_domain::workflow::{Command, Policy};
use support::{Clock, MICRO, at, end_of, note, of, staff};

fn um() -> BureauCode {
    BureauCode::parse("urban-management").expect("code")
}

#[test]
fn a_missed_response_reminds_admins_then_supervisors_then_goes_up_across_mid_autumn() {
    // Dispatched Wed 23 Sep 10:00: claim by the end of Thu 24 Sep.
    let mut c = Clock::dispatched(at(9, 23, 10, 0));
    let (task, bureau) = c.lead();
    assert_eq!(bureau, um());
    assert_eq!(c.clock(task, Response).due_at, end_of(9, 24));

    // Three quarters of the way from 10:00 Wed to the end of Thu (28.5 of 38 hours: 14:30 Thu),
    // the bureau is warned, once.
    assert!(c.check(at(9, 24, 14, 29)).is_empty(), "nothing before three quarters");
    assert_eq!(c.check(at(9, 24, 14, 30)), ["warn urban-management about its response due 09-24 23:59"]);
    assert!(c.check(end_of(9, 24) - MICRO).is_empty(), "nothing more before the due time");
    assert_eq!(c.check(end_of(9, 24)), ["remind admins about urban-management's response due 09-24 23:59"]);
    assert!(c.check(end_of(9, 24)).is_empty(), "each step once, however often the scanner looks");
    // One working day of grace: Fri 25 to Sun 27 are the holiday, so the end of Mon 28.
    assert!(c.check(at(9, 25, 12, 0)).is_empty());
    assert!(c.check(at(9, 27, 23, 0)).is_empty());
    assert!(c.check(end_of(9, 28) - MICRO).is_empty());
    assert_eq!(
        c.check(end_of(9, 28)),
        [
            "remind supervisors about urban-management's response due 09-24 23:59",
            // The sample's communities have no default owner: the request's own level is its street.
            "open deadline_missed at street: street-kengzi",
        ]
    );
    assert!(c.check(end_of(9, 28) + chrono::Duration::hours(5)).is_empty());
    // One more working day, Tue 29: the district, where a meeting is called for the first slot
    // at least two hours ahead (the scan at 23:59 Tue): 09:30 Wed 30.
    assert_eq!(
        c.check(end_of(9, 29)),
        ["raise to district: service-centre", "call a district meeting by service-centre at 09-30 09:30"]
    );
    let e = c.escalation(Trigger::DeadlineMissed);
    assert_eq!((e.level, e.state), (AreaLevel::District, EscalationState::MeetingCalled));
    assert_eq!(e.deadline, Some(c.clock(task, Response).id));
    // Decided within one working day of the meeting: Thu 1 to Wed 7 Oct are off, so by Thu 8.
    assert_eq!(c.meetings()[0].decide_by, end_of(10, 8));
    // The chain is over.
    let clock = c.clock(task, Response);
    assert_eq!((clock.stage, clock.next_action_at), (3, None));
    assert!(c.check(end_of(10, 7)).is_empty());
    assert_eq!(c.meetings().len(), 1);
}

#[test]
fn an_ordinary_weekend_does_not_count_towards_the_grace() {
    // Dispatched Thu 15 Oct 10:00: claim by the end of Fri 16.
    let mut c = Clock::dispatched(at(10, 15, 10, 0));
    let (task, _) = c.lead();
    assert_eq!(c.clock(task, Response).due_at, end_of(10, 16));
    assert_eq!(c.check(end_of(10, 16)), ["remind admins about urban-management's response due 10-16 23:59"]);
    // Sat 17 and Sun 18 are an ordinary weekend: the supervisors at the end of Mon 19.
    assert!(c.check(end_of(10, 18)).is_empty());
    assert_eq!(
        c.check(end_of(10, 19)),
        [
            "remind supervisors about urban-management's response due 10-16 23:59",
            "open deadline_missed at street: street-kengzi",
        ]
    );
    // Tue 20: the district; the meeting at 09:30 Wed 21, to be decided by the end of Thu 22.
    assert_eq!(
        c.check(end_of(10, 20)),
        ["raise to district: service-centre", "call a district meeting by service-centre at 10-21 09:30"]
    );
    assert_eq!(c.meetings()[0].decide_by, end_of(10, 22));
}

#[test]
fn a_single_late_run_fires_every_step_due_so_far_once_each_in_order() {
    // Dispatched Wed 30 Sep 10:00, the eve of National Day: claim by the end of Thu 8 Oct.
    let mut late = Clock::dispatched(at(9, 30, 10, 0));
    let (task, _) = late.lead();
    assert_eq!(late.clock(task, Response).due_at, end_of(10, 8));
    // Steps: the end of Thu 8 (admins), Fri 9 (supervisors), and Sat 10, the make-up working day
    // (district). A scanner that was down until Mon 12 Oct 08:00 does them all at once; the
    // meeting is then called for the first slot two hours after it runs: 14:30 that day. The
    // resolution clock (due the end of Tue 13) has its warning in between, three quarters of
    // the way there (14:30 Sat 10): still worth giving, since that clock has not run out.
    assert_eq!(
        late.check(at(10, 12, 8, 0)),
        [
            "remind admins about urban-management's response due 10-08 23:59",
            "remind supervisors about urban-management's response due 10-08 23:59",
            "open deadline_missed at street: street-kengzi",
            "warn urban-management about its resolution due 10-13 23:59",
            "raise to district: service-centre",
            "call a district meeting by service-centre at 10-12 14:30",
        ]
    );
    assert!(late.check(at(10, 12, 8, 0)).is_empty());
    assert!(late.check(at(10, 12, 9, 0)).is_empty());

    // Looked at on Saturday noon, the make-up day has not run out yet: two steps, then the
    // warning and the third at its end.
    let mut on_time = Clock::dispatched(at(9, 30, 10, 0));
    assert_eq!(on_time.check(at(10, 10, 12, 0)).len(), 3);
    assert_eq!(
        on_time.check(end_of(10, 10)),
        [
            "warn urban-management about its resolution due 10-13 23:59",
            "raise to district: service-centre",
            "call a district meeting by service-centre at 10-12 09:30"
        ]
    );
    let (a, b) = (late.escalation(Trigger::DeadlineMissed), on_time.escalation(Trigger::DeadlineMissed));
    assert_eq!((a.level, a.state), (b.level, b.state), "the same place, however late the scanner");
}

#[test]
fn each_further_grace_raises_it_from_the_community_to_the_street_to_the_district() {
    let mut c = Clock::on(support::community_district(), Policy::default(), at(9, 23, 10, 0));
    assert_eq!(c.case.request.area.as_ref().map(|a| a.as_str()), Some("pingshan.kengzi.kengzi"));
    assert_eq!(c.check(end_of(9, 24)).len(), 1);
    // Mon 28 (after Mid-Autumn), Tue 29, Wed 30.
    assert_eq!(
        c.check(end_of(9, 28)),
        [
            "remind supervisors about urban-management's response due 09-24 23:59",
            "open deadline_missed at community: community-kengzi",
        ]
    );
    assert_eq!(c.check(end_of(9, 29)), ["raise to street: street-kengzi"]);
    // From 23:59 Wed 30 Sep, the first slot two hours ahead on a working day is after National
    // Day: 09:30 Thu 8 Oct, to be decided by the end of Fri 9.
    assert_eq!(
        c.check(end_of(9, 30)),
        ["raise to district: service-centre", "call a district meeting by service-centre at 10-08 09:30"]
    );
    assert_eq!(c.meetings()[0].decide_by, end_of(10, 9));
}

#[test]
fn a_claim_after_the_first_reminder_stops_the_response_chain() {
    let mut c = Clock::dispatched(at(9, 23, 10, 0));
    let (task, bureau) = c.lead();
    assert_eq!(c.check(end_of(9, 24)).len(), 1);
    // Claimed during the holiday, late.
    assert!(c.by(&of(&bureau), Command::Claim { task }, at(9, 26, 9, 0)).is_empty());
    assert!(c.check(end_of(9, 28)).is_empty());
    assert!(c.check(end_of(9, 30)).is_empty());
    let clock = c.clock(task, Response);
    assert_eq!(clock.next_action_at, None);
    assert!(clock.is_overdue(end_of(9, 30)), "still counted late");
    assert!(c.case.escalations.is_empty());
}

#[test]
fn a_claim_resolves_the_escalation_and_a_later_missed_resolution_opens_it_again() {
    let mut c = Clock::dispatched(at(9, 23, 10, 0));
    let (task, bureau) = c.lead();
    assert_eq!(c.check(end_of(9, 28)).len(), 3, "admins, supervisors, escalation");
    assert_eq!(c.by(&of(&bureau), Command::Claim { task }, at(9, 29, 9, 0)), ["close: resolved"]);
    assert!(c.check(end_of(9, 29)).is_empty(), "no raise once the clock is met");
    // Resolve within 5 working days of Wed 23 Sep: 24, 28, 29, 30 Sep and Thu 8 Oct.
    assert_eq!(c.clock(task, Resolution).due_at, end_of(10, 8));
    assert_eq!(c.check(end_of(10, 8)), ["remind admins about urban-management's resolution due 10-08 23:59"]);
    assert_eq!(
        c.check(end_of(10, 9)),
        [
            "remind supervisors about urban-management's resolution due 10-08 23:59",
            "open deadline_missed at street: street-kengzi",
        ]
    );
    let e = c.escalation(Trigger::DeadlineMissed);
    assert_eq!(e.state, EscalationState::Open, "this miss is answered for too");
    assert_eq!(e.deadline, Some(c.clock(task, Resolution).id));
    // Sat 10 Oct is a working day: the district, meeting on Mon 12 at 09:30.
    assert_eq!(
        c.check(end_of(10, 10)),
        ["raise to district: service-centre", "call a district meeting by service-centre at 10-12 09:30"]
    );
}

#[test]
fn a_dismissed_escalation_is_not_raised_any_further() {
    let mut c = Clock::dispatched(at(9, 23, 10, 0));
    c.check(end_of(9, 28));
    let id = c.escalation(Trigger::DeadlineMissed).id;
    let supervisor = staff(StaffRole::Supervisor, None);
    let dismiss = Command::DismissEscalation { escalation: id, note: Some(note("已电话督促")) };
    assert_eq!(c.by(&supervisor, dismiss, at(9, 29, 9, 0)), ["close: dismissed"]);
    assert!(c.check(end_of(9, 29)).is_empty());
    let e = c.escalation(Trigger::DeadlineMissed);
    assert_eq!((e.level, e.state), (AreaLevel::Street, EscalationState::Dismissed));
    assert!(c.meetings().is_empty());
}

#[test]
fn an_extension_approved_in_time_moves_the_first_reminder_to_the_new_due_time() {
    let mut c = Clock::dispatched(at(9, 23, 10, 0));
    let (task, bureau) = c.lead();
    c.by(&of(&bureau), Command::Claim { task }, at(9, 24, 9, 0));
    let ask = Command::RequestExtension { task, days: 3, reason: note("需协调供电部门") };
    c.by(&of(&bureau), ask, at(10, 8, 9, 0));
    let extension = c.case.extensions[0].id;
    let approve = Command::DecideExtension { extension, approve: true, note: None };
    c.by(&staff(StaffRole::Supervisor, None), approve, at(10, 8, 10, 0));
    // Three working days after Thu 8 Oct: Fri 9, Sat 10 (make-up), Mon 12.
    assert_eq!(c.clock(task, Resolution).due_at, end_of(10, 12));
    assert!(c.check(end_of(10, 8)).is_empty(), "the old due time no longer counts");
    // Warned again three quarters of the way from the decision to the new due time: 20:30 Sun
    // 11, a day off, so 09:00 Mon 12.
    assert!(c.check(at(10, 12, 8, 59)).is_empty());
    assert_eq!(c.check(at(10, 12, 9, 0)), ["warn urban-management about its resolution due 10-12 23:59"]);
    assert!(c.check(end_of(10, 12) - MICRO).is_empty());
    assert_eq!(
        c.check(end_of(10, 12)),
        ["remind admins about urban-management's resolution due 10-12 23:59"]
    );
}

#[test]
fn a_result_sent_back_after_its_deadline_starts_the_chain_from_the_sending_back() {
    let mut c = Clock::dispatched(at(9, 23, 10, 0));
    let (task, bureau) = c.lead();
    c.by(&of(&bureau), Command::Claim { task }, at(9, 24, 9, 0));
    c.by(
        &of(&bureau),
        Command::Resolve { task, result: note("已更换灯泡"), photos: vec![] },
        at(10, 8, 12, 0),
    );
    assert!(c.check(end_of(10, 8)).is_empty(), "resolved in time");
    let operator = staff(StaffRole::Operator, None);
    let send_back = Command::ReviewResolution { approve: false, note: Some(note("缺少现场照片")) };
    c.by(&operator, send_back, at(10, 9, 10, 0));
    // Its due time (the end of Thu 8) has passed: the admins are told at once, the supervisors one
    // working day after the sending back: the end of Sat 10, a make-up working day.
    assert_eq!(
        c.check(at(10, 9, 10, 0)),
        ["remind admins about urban-management's resolution due 10-08 23:59"]
    );
    assert!(c.check(end_of(10, 9)).is_empty());
    assert_eq!(
        c.check(end_of(10, 10)),
        [
            "remind supervisors about urban-management's resolution due 10-08 23:59",
            "open deadline_missed at street: street-kengzi",
        ]
    );
}

#[test]
fn steps_of_several_late_clocks_fire_in_the_order_they_fell_due() {
    let mut c = Clock::dispatched(at(9, 23, 10, 0));
    let police = BureauCode::parse("police").expect("code");
    let operator = staff(StaffRole::Operator, None);
    c.by(&operator, Command::AddAssist { bureau: police, note: None }, at(9, 24, 9, 0));
    // The lead's response: the end of Thu 24, Mon 28, Tue 29. The assist's, dispatched Thu 24:
    // the end of Mon 28, Tue 29, Wed 30. Seen at 08:00 Wed 30, in time order (the lead's first on
    // a tie); the assist's miss joins the escalation already at the district.
    assert_eq!(
        c.check(at(9, 30, 8, 0)),
        [
            "remind admins about urban-management's response due 09-24 23:59",
            "remind supervisors about urban-management's response due 09-24 23:59",
            "open deadline_missed at street: street-kengzi",
            "remind admins about police's response due 09-28 23:59",
            "raise to district: service-centre",
            "call a district meeting by service-centre at 09-30 14:30",
            "remind supervisors about police's response due 09-28 23:59",
        ]
    );
    assert!(c.check(end_of(9, 30)).is_empty(), "the assist's last step finds the district there already");
    assert_eq!(c.case.escalations.len(), 1);
}
