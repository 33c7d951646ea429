//! The hotspot decision on the sample district, without a store: `FlagHotspot` decided on the
//! anchor's case opens one hotspot with the others linked, links later members to it, leaves a
//! request in another hotspot alone, and does nothing below the minimum or when switched off.

use jiesu_domain::area::AreaLevel;
use jiesu_domain::escalation::{
    EscalationId, EscalationState, HotspotPolicy, Membership, Neighbour, Trigger,
};
use jiesu_domain::event::EventKind;
use jiesu_domain::ids::RequestId;
use jiesu_domain::request::RequestStatus;
use jiesu_domain::staff::{Principal, StaffRole, UserId, Username};
use jiesu_domain::workflow::{Caller, Case, Change, Command, Ctx, Note, Policy, WorkflowError, decide};
use jiesu_testkit::fixtures::{admission, district, new_request};

fn policy(min_requests: u32) -> Policy {
    let mut p = Policy::default();
    p.escalation.hotspot = HotspotPolicy { min_requests, radius_m: 200.0, days: 30 };
    p
}

/// A request received `minutes` after the first of the test, as its case.
fn case_at(minutes: i64) -> Case {
    let mut new = new_request();
    new.received_at =
        jiesu_domain::time::now() - chrono::Duration::hours(1) + chrono::Duration::minutes(minutes);
    Case::admitted(&admission(new))
}

fn neighbour(c: &Case, hotspot: Option<Membership>) -> Neighbour {
    let s = &c.request.submitted;
    Neighbour {
        request: c.id(),
        point: s.location.point().expect("a point"),
        received_at: s.received_at,
        distance_m: 20.0,
        hotspot,
    }
}

fn flag(case: &Case, policy: &Policy, cluster: Vec<Neighbour>) -> Result<Change, WorkflowError> {
    let ctx = Ctx { district: district(), policy, now: jiesu_domain::time::now() };
    decide(case.clone(), Caller::System, Command::FlagHotspot { cluster }, &ctx)
}

fn flagged(case: &Case, policy: &Policy, cluster: Vec<Neighbour>) -> Change {
    flag(case, policy, cluster).expect("the system may flag a hotspot")
}

/// Every request free, the first of them the anchor.
fn free(cases: &[&Case]) -> Vec<Neighbour> {
    cases.iter().map(|c| neighbour(c, None)).collect()
}

/// The anchor's case after its hotspot was opened on these requests.
fn opened(cases: &[&Case], policy: &Policy) -> Case {
    let mut anchor = cases[0].clone();
    anchor.apply(&flagged(&anchor, policy, free(cases)));
    anchor
}

fn district_staff(username: &str, role: StaffRole) -> Principal {
    Principal {
        user_id: UserId::generate(),
        username: Username::parse(username).expect("username"),
        role,
        bureau: None,
    }
}

fn nothing_written(c: &Change) -> bool {
    c.escalations.is_empty() && c.hotspot_members.is_empty() && c.events.is_empty()
}

fn ids(cases: &[&Case]) -> Vec<RequestId> {
    cases.iter().map(|c| c.id()).collect()
}

#[test]
fn enough_requests_open_one_district_hotspot_on_the_anchor_with_the_others_linked() {
    let (a, b, c) = (case_at(0), case_at(5), case_at(9));
    let p = policy(3);
    // Listed out of order: the decision links oldest first all the same.
    let change = flagged(&a, &p, vec![neighbour(&c, None), neighbour(&a, None), neighbour(&b, None)]);
    assert_eq!(change.escalations.len(), 1);
    let e = &change.escalations[0];
    assert_eq!(
        (e.request_id, e.trigger, e.state, e.level),
        (a.id(), Trigger::Hotspot, EscalationState::Open, AreaLevel::District)
    );
    assert_eq!(e.owner.as_ref(), Some(district().last_resort()), "the convener answers for it");
    assert_eq!(e.linked, ids(&[&b, &c]));
    assert_eq!(change.hotspot_members, vec![(a.id(), e.id), (b.id(), e.id), (c.id(), e.id)]);
    let opened: Vec<_> = change.events.iter().map(|x| &x.kind).collect();
    match opened.as_slice() {
        [EventKind::EscalationOpened { escalation, trigger: Trigger::Hotspot, linked, .. }] => {
            assert_eq!((*escalation, linked.clone()), (e.id, ids(&[&b, &c])));
        }
        other => panic!("one escalation_opened event, got {other:?}"),
    }
    assert_eq!(change.status, a.request.status, "the request itself moves on as before");
}

#[test]
fn flagging_the_same_cluster_again_opens_nothing_twice() {
    let (a, b, c) = (case_at(0), case_at(5), case_at(9));
    let p = policy(3);
    let anchor = opened(&[&a, &b, &c], &p);
    // A redelivered event, or a second worker that read the neighbours before the first commit.
    let again = flagged(&anchor, &p, free(&[&a, &b, &c]));
    assert!(nothing_written(&again), "{again:?}");
    assert_eq!(anchor.escalations.iter().filter(|e| e.trigger == Trigger::Hotspot).count(), 1);
}

#[test]
fn a_later_neighbour_is_linked_to_the_open_hotspot_instead_of_opening_another() {
    let (a, b, c, d) = (case_at(0), case_at(5), case_at(9), case_at(30));
    let p = policy(3);
    let mut anchor = opened(&[&a, &b, &c], &p);
    let e = anchor.escalations[0].id;
    let member = Some(Membership { escalation: e, anchor: a.id(), state: EscalationState::Open });
    let later = flagged(&anchor, &p, vec![neighbour(&d, None)]);
    assert_eq!(later.escalations.len(), 1);
    assert_eq!(later.escalations[0].id, e, "the same escalation, updated");
    assert_eq!(later.escalations[0].linked, ids(&[&b, &c, &d]));
    assert_eq!(later.hotspot_members, vec![(d.id(), e)]);
    let kinds: Vec<_> = later.events.iter().map(|x| x.kind.clone()).collect();
    assert_eq!(kinds, vec![EventKind::HotspotLinked { escalation: e, linked: vec![d.id()] }]);
    // Members already in it, listed again, change nothing.
    anchor.apply(&later);
    let same = flagged(&anchor, &p, vec![neighbour(&b, member), neighbour(&d, member)]);
    assert!(nothing_written(&same), "{same:?}");
}

#[test]
fn a_request_already_in_another_hotspot_is_left_alone() {
    let (a, b, c, d) = (case_at(0), case_at(5), case_at(9), case_at(12));
    let elsewhere = Some(Membership {
        escalation: EscalationId::generate(),
        anchor: RequestId::generate(),
        state: EscalationState::Open,
    });
    let cluster =
        || vec![neighbour(&a, None), neighbour(&b, None), neighbour(&c, elsewhere), neighbour(&d, None)];
    let change = flagged(&a, &policy(3), cluster());
    let e = &change.escalations[0];
    assert_eq!(e.linked, ids(&[&b, &d]));
    assert!(!change.hotspot_members.iter().any(|(r, _)| *r == c.id()));
    // Without it, four requests are only three.
    assert!(nothing_written(&flagged(&a, &policy(4), cluster())));
    // An anchor that belongs to another hotspot anchors none of its own.
    let taken = vec![neighbour(&a, elsewhere), neighbour(&b, None), neighbour(&c, None), neighbour(&d, None)];
    assert!(nothing_written(&flagged(&a, &policy(3), taken)));
}

#[test]
fn below_the_minimum_or_switched_off_nothing_happens() {
    let (a, b) = (case_at(0), case_at(5));
    assert!(nothing_written(&flagged(&a, &policy(3), free(&[&a, &b]))));
    let five: Vec<Case> = (0..5).map(case_at).collect();
    let all = free(&five.iter().collect::<Vec<_>>());
    assert!(nothing_written(&flagged(&five[0], &policy(0), all)));
}

#[test]
fn a_dismissed_hotspot_is_neither_reopened_nor_extended() {
    let (a, b, c, d) = (case_at(0), case_at(5), case_at(9), case_at(30));
    let p = policy(3);
    let mut anchor = opened(&[&a, &b, &c], &p);
    let supervisor = district_staff("supervisor", StaffRole::Supervisor);
    let ctx = Ctx { district: district(), policy: &p, now: jiesu_domain::time::now() };
    let dismiss = Command::DismissEscalation { escalation: anchor.escalations[0].id, note: None };
    let dismissed = decide(anchor.clone(), Caller::Staff(&supervisor), dismiss, &ctx).expect("dismissed");
    anchor.apply(&dismissed);
    assert!(nothing_written(&flagged(&anchor, &p, vec![neighbour(&d, None)])));
}

#[test]
fn a_supervisor_resolves_a_hotspot_with_how_and_only_once() {
    let (a, b, c) = (case_at(0), case_at(5), case_at(9));
    let p = policy(3);
    let anchor = opened(&[&a, &b, &c], &p);
    let id = anchor.escalations[0].id;
    let ctx = Ctx { district: district(), policy: &p, now: jiesu_domain::time::now() };
    let how = Note::parse("路灯线路已整体更换").expect("note");
    let resolve = || Command::ResolveEscalation { escalation: id, note: how.clone() };
    let operator = district_staff("operator", StaffRole::Operator);
    let refused = decide(anchor.clone(), Caller::Staff(&operator), resolve(), &ctx);
    assert!(matches!(refused, Err(WorkflowError::Forbidden(_))), "{refused:?}");
    let supervisor = district_staff("supervisor", StaffRole::Supervisor);
    let done = decide(anchor.clone(), Caller::Staff(&supervisor), resolve(), &ctx).expect("resolved");
    let mut after = anchor.clone();
    after.apply(&done);
    assert_eq!(after.escalations[0].state, EscalationState::Resolved);
    let said = done.events.iter().any(|e| {
        matches!(&e.kind, EventKind::EscalationClosed { outcome, note: Some(n), .. }
            if outcome == "resolved" && n.as_str() == "路灯线路已整体更换")
    });
    assert!(said, "the history says how: {:?}", done.events);
    let again = decide(after, Caller::Staff(&supervisor), resolve(), &ctx);
    assert!(matches!(again, Err(WorkflowError::WrongStatus(..))), "{again:?}");
}

#[test]
fn only_the_escalation_service_flags_and_never_on_a_closed_request() {
    let (a, b, c) = (case_at(0), case_at(5), case_at(9));
    let cluster = || free(&[&a, &b, &c]);
    let staff = district_staff("operator", StaffRole::Operator);
    let p = policy(3);
    let ctx = Ctx { district: district(), policy: &p, now: jiesu_domain::time::now() };
    let by_staff =
        decide(a.clone(), Caller::Staff(&staff), Command::FlagHotspot { cluster: cluster() }, &ctx);
    assert!(matches!(by_staff, Err(WorkflowError::Forbidden(_))), "{by_staff:?}");
    let mut closed = a.clone();
    closed.request.status = RequestStatus::Closed;
    assert!(matches!(
        flag(&closed, &p, cluster()),
        Err(WorkflowError::WrongStatus(RequestStatus::Closed, _))
    ));
}
