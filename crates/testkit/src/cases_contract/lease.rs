//! The cases port's contract for the escalation scanner: `lease_due` hands out the requests whose
//! deadline chains or meetings are due, each row to one scanner at a time until its lease runs out,
//! and the rows' stored times (not the scanner's memory) say when they are due again.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::escalation::EscalationState;
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{Cases, Committed, Store};
use jiesu_domain::sla::DeadlineKind;
use jiesu_domain::workflow::{Caller, Case, Command, Ctx, Policy, decide};

use crate::fixtures::{district, new_request};

/// A fresh request dispatched at `t`, stored.
async fn stored_at<S: Store + Cases>(store: &S, t: DateTime<Utc>) -> Case {
    let new = jiesu_domain::request::NewRequest { received_at: t, ..new_request() };
    let a = jiesu_domain::admission::admit(new, district(), t);
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    store.load_case(a.request.submitted.id).await.expect("load").expect("stored")
}

/// Decides `command` as `caller` at `now`, commits it, and checks that the store reads back what
/// was decided.
pub(super) async fn decided<S: Cases>(
    store: &S,
    case: &Case,
    caller: Caller<'_>,
    command: Command,
    now: DateTime<Utc>,
) -> Case {
    let ctx = Ctx { district: district(), policy: &Policy::default(), now };
    let change = decide(case.clone(), caller, command, &ctx).expect("decided");
    assert_eq!(store.commit(&change).await.expect("commit"), Committed::Yes);
    let mut expected = case.clone();
    expected.apply(&change);
    // The stores read clocks back in due order.
    expected.deadlines.sort_by_key(|d| (d.due_at, d.id));
    let stored = store.load_case(case.id()).await.expect("load").expect("stored");
    assert_eq!(stored, expected, "the store reads back the decision");
    stored
}

async fn system<S: Cases>(store: &S, case: &Case, command: Command, now: DateTime<Utc>) -> Case {
    decided(store, case, Caller::System, command, now).await
}

fn due(case: &Case, kind: DeadlineKind) -> DateTime<Utc> {
    case.deadlines.iter().find(|d| d.kind == kind).expect("a clock").due_at
}

const LEASE: Duration = Duration::seconds(60);

async fn lease<S: Cases>(store: &S, now: DateTime<Utc>) -> Vec<RequestId> {
    store.lease_due(now, now + LEASE, 100).await.expect("lease")
}

/// Monday 2026-09-21 10:00 in the district: an ordinary working week.
fn monday() -> DateTime<Utc> {
    "2026-09-21T02:00:00Z".parse().expect("a time")
}

pub async fn a_due_clock_is_leased_once_until_its_lease_runs_out<S: Store + Cases>(store: S) {
    let case = stored_at(&store, monday()).await;
    // Its first step is the pre-breach warning, before the due time.
    let at = case.deadlines.iter().filter_map(|d| d.next_action_at).min().expect("a first step");
    assert!(at < due(&case, DeadlineKind::Response));
    assert!(lease(&store, at - Duration::microseconds(1)).await.is_empty(), "not due yet");
    assert_eq!(lease(&store, at).await, vec![case.id()]);
    assert!(lease(&store, at).await.is_empty(), "leased to the first scanner");
    assert!(lease(&store, at + LEASE - Duration::seconds(1)).await.is_empty());
    // The scanner that took it never moved it (it died): after the lease it is handed out again.
    assert_eq!(lease(&store, at + LEASE + Duration::seconds(1)).await, vec![case.id()]);
}

pub async fn a_moved_chain_is_due_again_only_at_its_next_step<S: Store + Cases>(store: S) {
    let case = stored_at(&store, monday()).await;
    let at = due(&case, DeadlineKind::Response);
    assert_eq!(lease(&store, at).await, vec![case.id()]);
    let moved = system(&store, &case, Command::CheckClocks, at).await;
    let clock = moved.deadlines.iter().find(|d| d.kind == DeadlineKind::Response).expect("clock");
    assert_eq!(clock.stage, 1);
    let next = clock.next_action_at.expect("a next step");
    assert!(next > at + LEASE);
    assert!(lease(&store, at + LEASE + Duration::seconds(1)).await.is_empty(), "its step is done");
    assert!(lease(&store, next - Duration::microseconds(1)).await.is_empty());
    assert_eq!(lease(&store, next).await, vec![case.id()]);
}

pub async fn settled_clocks_are_never_leased<S: Store + Cases>(store: S) {
    let case = stored_at(&store, monday()).await;
    let lead = case.active_lead().expect("lead").clone();
    let who = super::staff(&lead.bureau);
    let claim = Command::Claim { task: lead.id };
    decided(&store, &case, Caller::Staff(&who), claim, monday() + Duration::hours(1)).await;
    let response = due(&case, DeadlineKind::Response);
    assert!(lease(&store, response + Duration::hours(1)).await.is_empty(), "claimed in time");
    let resolution = due(&case, DeadlineKind::Resolution);
    assert_eq!(lease(&store, resolution).await, vec![case.id()], "the resolution clock still runs");
}

pub async fn a_request_with_several_due_rows_is_leased_once<S: Store + Cases>(store: S) {
    let case = stored_at(&store, monday()).await;
    // Both clocks are due by the resolution's due time, and neither was moved.
    let at = due(&case, DeadlineKind::Resolution);
    assert_eq!(lease(&store, at).await, vec![case.id()]);
    assert!(lease(&store, at).await.is_empty(), "both rows are leased");
}

pub async fn a_meeting_past_its_time_to_decide_is_leased<S: Store + Cases>(store: S) {
    let mut case = stored_at(&store, monday()).await;
    let mut t = monday() + Duration::minutes(5);
    while let Some(lead) = case.active_lead().cloned() {
        let disclaim = Command::Disclaim {
            task: lead.id,
            reason: jiesu_domain::workflow::DisclaimReason::UnclearOwnership,
            explanation: super::note("权属不清"),
        };
        case = decided(&store, &case, Caller::Staff(&super::staff(&lead.bureau)), disclaim, t).await;
        t += Duration::minutes(1);
    }
    let case = system(&store, &case, Command::ReviewEscalations, t).await;
    let decide_by = case.meetings.first().expect("a meeting called").decide_by;
    // Every task was disclaimed, so its clocks stopped: only the meeting can be due.
    assert!(lease(&store, decide_by - Duration::microseconds(1)).await.is_empty());
    assert_eq!(lease(&store, decide_by).await, vec![case.id()]);
    assert!(lease(&store, decide_by).await.is_empty(), "leased once");
}

pub async fn concurrent_leases_share_out_disjoint_rows<S: Store + Cases>(store: S) {
    let mut all = Vec::new();
    for _ in 0..24 {
        all.push(stored_at(&store, monday()).await.id());
    }
    let at = monday() + Duration::days(3);
    let (a, b) = tokio::join!(store.lease_due(at, at + LEASE, 16), store.lease_due(at, at + LEASE, 16));
    let (a, b) = (a.expect("lease"), b.expect("lease"));
    assert!(a.iter().all(|id| !b.contains(id)), "no request is leased to both: {a:?} {b:?}");
    let mut got: Vec<_> = a.into_iter().chain(b).collect();
    got.sort();
    all.sort();
    assert_eq!(got, all, "between them, every due request (one due row each) is handed out");
}

pub async fn a_deadline_escalation_opened_again_for_a_later_clock_reads_back<S: Store + Cases>(store: S) {
    let mut case = stored_at(&store, monday()).await;
    let lead = case.active_lead().expect("lead").clone();
    let staff = super::staff(&lead.bureau);
    // Missed: the admins, then (a working day later) the supervisors and an escalation.
    case = system(&store, &case, Command::CheckClocks, due(&case, DeadlineKind::Response)).await;
    let next = case.deadlines.iter().filter_map(|d| d.next_action_at).min().expect("a next step");
    case = system(&store, &case, Command::CheckClocks, next).await;
    let claim = Command::Claim { task: lead.id };
    case = decided(&store, &case, Caller::Staff(&staff), claim, next + Duration::hours(1)).await;
    let escalation = case.escalations.first().expect("the deadline escalation").clone();
    assert_eq!(escalation.state, EscalationState::Resolved);
    // The resolution is missed too: the same escalation opens again, for that clock.
    case = system(&store, &case, Command::CheckClocks, due(&case, DeadlineKind::Resolution)).await;
    let next = case.deadlines.iter().filter_map(|d| d.next_action_at).min().expect("a next step");
    case = system(&store, &case, Command::CheckClocks, next).await;
    let again = case.escalations.first().expect("the deadline escalation");
    assert_eq!((again.id, again.state), (escalation.id, EscalationState::Open));
    let clock = case.deadlines.iter().find(|d| d.kind == DeadlineKind::Resolution).expect("clock");
    assert_eq!(again.deadline, Some(clock.id));
}
