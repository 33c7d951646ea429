//! The cases port's contract for the dispatch desk's clocks: stored with the admission or the
//! change that starts them, read back with the case, listed per queue soonest due first in keyset
//! pages, leased to the scanner when their chain is due, and the escalation a missed one opens
//! (`desk_overdue`) accepted by the database.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::area::AreaCode;
use jiesu_domain::desk::DeskClockKind;
use jiesu_domain::escalation::{EscalationState, Trigger};
use jiesu_domain::ports::{Cases, Cursor, Page, Store};
use jiesu_domain::request::{Location, NewRequest};
use jiesu_domain::text::AddressText;
use jiesu_domain::workflow::{Caller, Case, Command};

use super::lease::decided;
use crate::fixtures::{district, new_request};

/// A request no rule can place (an address the gazetteer does not know), received at `t`.
async fn unplaced_at<S: Store + Cases>(store: &S, t: DateTime<Utc>) -> Case {
    let address = AddressText::parse("某个没人知道的地方").expect("address");
    let new = NewRequest {
        received_at: t,
        location: Location::new(None, Some(address)).expect("location"),
        ..new_request()
    };
    let a = jiesu_domain::admission::admit(new, district(), t);
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    store.load_case(a.request.submitted.id).await.expect("load").expect("stored")
}

/// Saturday 2026-10-17 10:00 in the district: the placing clock runs in clock time.
fn saturday() -> DateTime<Utc> {
    "2026-10-17T02:00:00Z".parse().expect("a time")
}

pub async fn an_unplaced_request_is_stored_with_its_desk_clock_and_leased_when_due<S: Store + Cases>(
    store: S,
) {
    let case = unplaced_at(&store, saturday()).await;
    let clock = case.desk_clocks.first().expect("admitted with its clock").clone();
    assert_eq!((clock.kind, clock.due_at), (DeskClockKind::Placement, saturday() + Duration::hours(2)));
    let lease = |t: DateTime<Utc>| store.lease_due(t, t + Duration::seconds(60), 100);
    assert!(lease(clock.due_at - Duration::microseconds(1)).await.expect("lease").is_empty());
    assert_eq!(lease(clock.due_at).await.expect("lease"), vec![case.id()]);
    // The chain's first step (the desk is reminded) is stored on the row: due again a grace later.
    let moved = decided(&store, &case, Caller::System, Command::CheckClocks, clock.due_at).await;
    let row = moved.desk_clocks.first().expect("clock");
    assert_eq!(row.stage, 1);
    let next = row.next_action_at.expect("a next step");
    assert!(lease(clock.due_at + Duration::minutes(2)).await.expect("lease").is_empty(), "its step is done");
    assert_eq!(lease(next).await.expect("lease"), vec![case.id()]);
}

pub async fn desk_queues_list_running_clocks_soonest_due_first_in_keyset_pages<S: Store + Cases>(store: S) {
    // Five requests to place, received an hour apart, stored newest first.
    let mut cases = Vec::new();
    for h in (0..5).rev() {
        cases.push(unplaced_at(&store, saturday() + Duration::hours(h)).await);
    }
    cases.reverse();
    let ids = |items: &[jiesu_domain::ports::DeskItem]| {
        items.iter().map(|x| x.view.request.submitted.id).collect::<Vec<_>>()
    };
    let first = store.desk_clocks_due(DeskClockKind::Placement, Page::first(2)).await.expect("list");
    assert_eq!(ids(&first), vec![cases[0].id(), cases[1].id()], "soonest due first");
    let after = Cursor::of_desk_item(first.last().expect("a row"));
    let second = store.desk_clocks_due(DeskClockKind::Placement, Page::after(2, after)).await.expect("list");
    assert_eq!(ids(&second), vec![cases[2].id(), cases[3].id()]);
    assert!(
        store.desk_clocks_due(DeskClockKind::ClosureReview, Page::first(10)).await.expect("list").is_empty()
    );

    // Placed: its clock is met and it leaves the queue.
    let area = AreaCode::parse("pingshan.kengzi").expect("area");
    let place = Command::Dispatch { bureau: None, area: Some(area), category: None, note: None };
    decided(&store, &cases[0], Caller::Staff(&super::operator()), place, saturday() + Duration::hours(5))
        .await;
    let all = store.desk_clocks_due(DeskClockKind::Placement, Page::first(10)).await.expect("list");
    assert_eq!(ids(&all), cases[1..].iter().map(Case::id).collect::<Vec<_>>());
}

pub async fn a_missed_desk_clock_opens_a_desk_overdue_escalation_that_reads_back<S: Store + Cases>(store: S) {
    let case = unplaced_at(&store, saturday()).await;
    let due = case.desk_clocks[0].due_at;
    let case = decided(&store, &case, Caller::System, Command::CheckClocks, due).await;
    let next = case.desk_clocks[0].next_action_at.expect("a next step");
    let case = decided(&store, &case, Caller::System, Command::CheckClocks, next).await;
    let e = case.escalations.iter().find(|e| e.trigger == Trigger::DeskOverdue).expect("stored");
    assert_eq!(e.state, EscalationState::Open);
    assert_eq!(case.desk_clocks[0].next_action_at, None, "the chain ended");
    // Placed late: the clock is met and the escalation settled, both as stored.
    let area = AreaCode::parse("pingshan.kengzi").expect("area");
    let place = Command::Dispatch { bureau: None, area: Some(area), category: None, note: None };
    let case =
        decided(&store, &case, Caller::Staff(&super::operator()), place, next + Duration::hours(1)).await;
    let e = case.escalations.iter().find(|e| e.trigger == Trigger::DeskOverdue).expect("stored");
    assert_eq!(e.state, EscalationState::Resolved);
    assert!(case.desk_clocks[0].settled_at.is_some());
}
