//! Who a coordination meeting invites, when and where it is held, and what its agenda holds,
//! decided on the sample district. Dates from `config/calendar/2026.toml`: Mid-Autumn takes Fri 25
//! to Sun 27 September off; meetings are held in the 09:30 and 14:30 slots, two hours ahead at
//! least.

mod support;

use jiesu_domain::area::AreaLevel;
use jiesu_domain::escalation::{EscalationPolicy, InviteReason, Trigger};
use jiesu_domain::request::{MediaUrl, NewRequest};
use jiesu_domain::workflow::Policy;
use support::{Clock, at, disclaim, new_request, of};

fn ping_pong_after(n: u32) -> Policy {
    Policy {
        escalation: EscalationPolicy {
            first_meeting_level: AreaLevel::District,
            ping_pong_after: n,
            ..EscalationPolicy::default()
        },
        ..Policy::default()
    }
}

fn with_photo(t: chrono::DateTime<chrono::Utc>) -> NewRequest {
    let photo = MediaUrl::parse("https://example.cn/media/lamp.jpg").expect("valid URL");
    NewRequest { received_at: t, media: vec![photo], ..new_request() }
}

#[test]
fn a_meeting_invites_who_disclaimed_who_remains_the_street_office_and_the_convener() {
    // Disclaimed once with candidates left, on a Thursday afternoon before the holiday: the
    // ping-pong trigger (after one disclaim here) calls a meeting while the next candidate works.
    let mut c = Clock::of(with_photo(at(9, 24, 9, 0)), support::district(), ping_pong_after(1));
    let candidates: Vec<_> = c.case.routing.candidates.iter().map(|x| x.bureau.clone()).collect();
    assert!(candidates.len() >= 2, "the sample street light has candidates to spare: {candidates:?}");
    let (task, first) = c.lead();
    c.by(&of(&first), disclaim(task), at(9, 24, 15, 0));
    assert_eq!(
        c.review(at(9, 24, 15, 5)),
        [
            "open ping_pong at district: service-centre",
            "call a district meeting by service-centre at 09-28 09:30"
        ],
        "the next slot two hours ahead: Thursday's have passed, the holiday follows: Monday 09:30"
    );
    let m = &c.meetings()[0];
    let reason =
        |b: &jiesu_domain::bureau::BureauCode| m.invitees.iter().find(|i| &i.bureau == b).map(|i| i.reason);
    assert_eq!(reason(&first), Some(InviteReason::Disclaimed));
    for remaining in &candidates[1..] {
        assert_eq!(reason(remaining), Some(InviteReason::Candidate), "{remaining} has not disclaimed");
    }
    let street = jiesu_domain::bureau::BureauCode::parse("street-kengzi").expect("code");
    assert!(reason(&street).is_some(), "the street office of the place (属地) is there");
    // The district's service centre convenes; it is also the last candidate (the district's own
    // fallback) and is invited as such, once.
    assert_eq!(m.convener.as_str(), "service-centre");
    assert!(reason(&m.convener).is_some());
    let mut everyone = candidates.clone();
    everyone.extend([street, m.convener.clone()]);
    everyone.sort();
    everyone.dedup();
    assert_eq!(m.invitees.len(), everyone.len(), "each bureau once");
    // On site, with the photo and the disclaim on the agenda.
    assert!(m.place.on_site);
    assert_eq!(m.place.point, c.case.request.submitted.location.point());
    assert_eq!(m.agenda.photos, ["https://example.cn/media/lamp.jpg"]);
    assert_eq!(m.agenda.disclaims.len(), 1);
    assert_eq!(m.agenda.disclaims[0].bureau, first);
    assert_eq!(c.escalation(Trigger::PingPong).level, AreaLevel::District);
}

#[test]
fn a_meeting_called_in_the_morning_takes_the_afternoon_slot_the_same_day() {
    let mut c = Clock::of(with_photo(at(9, 22, 9, 0)), support::district(), ping_pong_after(1));
    let (task, first) = c.lead();
    c.by(&of(&first), disclaim(task), at(9, 22, 10, 0));
    let lines = c.review(at(9, 22, 12, 30));
    assert_eq!(lines[1], "call a district meeting by service-centre at 09-22 14:30", "{lines:?}");
    let m = &c.meetings()[0];
    assert_eq!(m.scheduled_at, at(9, 22, 14, 30));
    // Decided within a working day of it: by the end of Wednesday 23.
    assert_eq!(m.decide_by, support::end_of(9, 23));
}
