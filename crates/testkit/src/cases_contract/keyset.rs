//! Keyset pages of the cases port's listings (tasks, the desk's queues) and of escalations: a
//! walk from cursor to cursor sees every row once, in the listing's order, rows sharing a time
//! included (their ids order them), and rows stored during the walk appear exactly when they sort
//! after the page already read. A bureau's pages hold its own tasks whatever cursor it passes.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::area::AreaLevel;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::deadline::DeadlineState;
use jiesu_domain::escalation::{Escalation, EscalationId};
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::{
    Cases, ClockWindow, Committed, Cursor, EscalationQuery, Escalations, Page, Store, TaskListing, TaskQuery,
};
use jiesu_domain::request::RequestStatus;
use jiesu_domain::sla::DeadlineKind;
use jiesu_domain::staff::Scope;
use jiesu_domain::task::TaskState;
use jiesu_domain::trigger::Trigger;
use jiesu_domain::workflow::Change;
use uuid::Uuid;

use crate::fixtures::{admission, new_request};
use crate::paging::{walk, with_task_id};

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

/// A request whose tasks were dispatched at `at`, with the lead's id if given.
pub(super) fn dispatched(at: DateTime<Utc>, id: Option<u128>, bureau: Option<&BureauCode>) -> Admission {
    let mut a = admission(new_request());
    for t in &mut a.tasks {
        t.dispatched_at = at;
        if let Some(b) = bureau {
            t.bureau = b.clone();
        }
    }
    match id {
        Some(id) => with_task_id(a, id),
        None => a,
    }
}

pub(super) fn task_ids(listed: &[TaskListing]) -> Vec<TaskId> {
    listed.iter().map(|l| l.task.id).collect()
}

/// Every task in the scope, in one page.
async fn everything<S: Cases>(store: &S, scope: &Scope) -> Vec<TaskListing> {
    let q = TaskQuery { page: Page::first(1000), ..TaskQuery::default() };
    store.list_tasks(scope, &q).await.expect("list")
}

pub async fn task_pages_after_cursors_hold_every_task_once_in_order<S: Store + Cases>(store: S) {
    let t = jiesu_domain::time::now() - Duration::hours(1);
    // Six dispatched at one instant (only their ids order them) and two before: pages of two cut
    // through the tie.
    let seeded: Vec<_> = [t, t, t - minutes(1), t, t, t - minutes(2), t, t]
        .into_iter()
        .map(|at| dispatched(at, None, None))
        .collect();
    assert!(seeded.iter().all(|a| a.tasks.len() == 1), "one task each");
    store.ingest(&seeded).await.expect("ingest");
    // Stored after the first page: one newer than that page (already passed, never shown), two at
    // the tie's instant, the lowest id still ahead of the page (shown) and the highest behind it
    // (not), and one older than all (shown last).
    let (newer, highest) = (dispatched(t + minutes(1), None, None), dispatched(t, Some(u128::MAX), None));
    let late = [
        newer.clone(),
        dispatched(t, Some(1), None),
        highest.clone(),
        dispatched(t - minutes(9), None, None),
    ];
    let q = |page| TaskQuery { page, ..TaskQuery::default() };
    let walked = walk(
        2,
        async |page| store.list_tasks(&Scope::All, &q(page)).await.expect("list"),
        Cursor::of_task,
        async |n| {
            if n == 0 {
                store.ingest(&late).await.expect("ingest");
            }
        },
    )
    .await;
    let all = everything(&store, &Scope::All).await;
    let keys: Vec<_> = all.iter().map(|l| (l.task.dispatched_at, l.task.id)).collect();
    assert!(keys.windows(2).all(|w| w[0] > w[1]), "newest first, ties by id: {keys:?}");
    let passed = [newer.tasks[0].id, highest.tasks[0].id];
    let want: Vec<_> = task_ids(&all).into_iter().filter(|id| !passed.contains(id)).collect();
    assert_eq!(task_ids(&walked), want, "each task once, in order, but those stored behind the walk");
    assert_eq!(walked.len(), seeded.len() + 2);
    assert!(walked.iter().all(|l| l.request.submitted.id == l.task.request_id), "with their requests");
}

pub async fn a_bureaus_task_pages_hold_its_own_tasks_whatever_cursor_it_passes<S: Store + Cases>(store: S) {
    let t = jiesu_domain::time::now() - Duration::hours(1);
    let (mine, theirs) =
        (BureauCode::parse("urban-management").expect("code"), BureauCode::parse("water").expect("code"));
    // Alternating bureaus, most at one instant.
    let seeded: Vec<_> = (0..10)
        .map(|i| {
            let at = if i % 3 == 0 { t - minutes(i) } else { t };
            dispatched(at, None, Some(if i % 2 == 0 { &mine } else { &theirs }))
        })
        .collect();
    store.ingest(&seeded).await.expect("ingest");
    let (my_scope, their_scope) = (Scope::Bureau(mine.clone()), Scope::Bureau(theirs.clone()));
    let q = |page| TaskQuery { page, ..TaskQuery::default() };
    let walked = walk(
        2,
        async |page| store.list_tasks(&my_scope, &q(page)).await.expect("list"),
        Cursor::of_task,
        async |_| {},
    )
    .await;
    assert_eq!(task_ids(&walked), task_ids(&everything(&store, &my_scope).await));
    assert_eq!(walked.len(), 5);
    assert!(walked.iter().all(|l| l.task.bureau == mine));

    // One bureau's cursor in another's hands: the other's own tasks after that place, no more.
    let first = store.list_tasks(&my_scope, &q(Page::first(2))).await.expect("list");
    let cursor = Cursor::of_task(first.last().expect("a page"));
    let after = store.list_tasks(&their_scope, &q(Page::after(100, cursor))).await.expect("list");
    let want: Vec<_> = everything(&store, &their_scope)
        .await
        .into_iter()
        .filter(|l| (l.task.dispatched_at, l.task.id.as_uuid()) < (cursor.at, cursor.id))
        .collect();
    assert!(!want.is_empty(), "the cursor falls among the other bureau's tasks");
    assert_eq!(task_ids(&after), task_ids(&want));
    // Nor does a filter naming the first bureau widen it.
    let widen = TaskQuery { bureau: Some(mine), page: Page::after(100, cursor), ..TaskQuery::default() };
    assert!(store.list_tasks(&their_scope, &widen).await.expect("list").is_empty());
}

pub async fn desk_pages_after_cursors_hold_every_request_once_in_order<S: Store + Cases>(store: S) {
    let t = jiesu_domain::time::now() - Duration::hours(1);
    let changed = |at: DateTime<Utc>| {
        let mut a = admission(new_request());
        a.request.updated_at = at;
        a
    };
    let seeded: Vec<_> = [t, t, t - minutes(1), t, t, t + minutes(1), t].into_iter().map(changed).collect();
    store.ingest(&seeded).await.expect("ingest");
    // Stored after the first page (the oldest change and one at the tie): one changed before that
    // page (passed) and one after all (shown last).
    let (before, after) = (changed(t - minutes(5)), changed(t + minutes(5)));
    let late = [before.clone(), after.clone()];
    let queue = [RequestStatus::Dispatched];
    let walked = walk(
        2,
        async |page| store.requests_in_status(&queue, page).await.expect("list"),
        Cursor::of_desk_request,
        async |n| {
            if n == 0 {
                store.ingest(&late).await.expect("ingest");
            }
        },
    )
    .await;
    let all = store.requests_in_status(&queue, Page::first(1000)).await.expect("list");
    let keys: Vec<_> = all.iter().map(|v| (v.request.updated_at, v.request.submitted.id)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "least recently changed first, ties by id: {keys:?}");
    let ids = |views: &[jiesu_domain::ports::RequestView]| -> Vec<_> {
        views.iter().map(|v| v.request.submitted.id).collect()
    };
    let want: Vec<_> = ids(&all).into_iter().filter(|id| *id != before.request.submitted.id).collect();
    assert_eq!(ids(&walked), want);
    assert_eq!(walked.last().map(|v| v.request.submitted.id), Some(after.request.submitted.id));
    assert!(walked.iter().all(|v| !v.tasks.is_empty()), "each with its tasks");
}

/// Opens escalations on a stored request, as the escalation service's commit would.
pub(super) async fn escalate<S: Cases>(store: &S, a: &Admission, escalations: Vec<Escalation>) {
    let case = store.load_case(a.request.submitted.id).await.expect("load").expect("stored");
    let change = Change {
        request_id: case.id(),
        expected_version: case.version,
        status: case.request.status,
        area: case.request.area.clone(),
        category: case.request.submitted.category.clone(),
        routing: case.routing.clone(),
        updated_at: case.request.updated_at,
        tasks: vec![],
        disclaims: vec![],
        extensions: vec![],
        exemptions: vec![],
        deadlines: vec![],
        desk_clocks: vec![],
        visits: vec![],
        escalations,
        meetings: vec![],
        proposals: vec![],
        hotspot_members: vec![],
        events: vec![],
    };
    assert_eq!(store.commit(&change).await.expect("commit"), Committed::Yes);
}

pub(super) fn opened(a: &Admission, trigger: Trigger, at: DateTime<Utc>, id: Option<u128>) -> Escalation {
    let mut e = Escalation::open(a.request.submitted.id, trigger, AreaLevel::Street, None, at);
    if let Some(id) = id {
        e.id = EscalationId::from_uuid(Uuid::from_u128(id));
    }
    e
}

pub async fn escalation_pages_after_cursors_hold_every_escalation_once_in_order<
    S: Store + Cases + Escalations,
>(
    store: S,
) {
    let t = jiesu_domain::time::now() - Duration::hours(1);
    let requests: Vec<_> = (0..3).map(|_| admission(new_request())).collect();
    store.ingest(&requests).await.expect("ingest");
    // Five on three requests (one per request and trigger), four opened at one instant: the first
    // page of two ends inside the tie.
    use Trigger::{DeadlineMissed, Exhausted, Hotspot, PingPong};
    let seeded = [
        (0, Exhausted, t - minutes(1)),
        (0, PingPong, t),
        (1, Exhausted, t),
        (1, DeadlineMissed, t),
        (2, PingPong, t),
    ];
    for (i, trigger, at) in seeded {
        escalate(&store, &requests[i], vec![opened(&requests[i], trigger, at, None)]).await;
    }
    // Opened after the first page: at the tie's instant, the lowest id (behind the page: not
    // shown) and the highest (ahead: shown); and one later than all (shown last).
    let (lowest, highest) =
        (opened(&requests[2], Hotspot, t, Some(1)), opened(&requests[0], Hotspot, t, Some(u128::MAX)));
    let latest = opened(&requests[2], DeadlineMissed, t + minutes(1), None);
    let query = |page| EscalationQuery { page, ..EscalationQuery::default() };
    let walked = walk(
        2,
        async |page| store.list_escalations(&query(page)).await.expect("list"),
        |(e, _): &(Escalation, _)| Cursor::of_escalation(e),
        async |n| {
            if n == 0 {
                escalate(&store, &requests[2], vec![lowest.clone(), latest.clone()]).await;
                escalate(&store, &requests[0], vec![highest.clone()]).await;
            }
        },
    )
    .await;
    let all = store.list_escalations(&query(Page::first(1000))).await.expect("list");
    let keys: Vec<_> = all.iter().map(|(e, _)| (e.opened_at, e.id)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "oldest first, ties by id: {keys:?}");
    let want: Vec<_> = keys.iter().map(|(_, id)| *id).filter(|id| *id != lowest.id).collect();
    let got: Vec<_> = walked.iter().map(|(e, _)| e.id).collect();
    assert_eq!(got, want);
    assert_eq!(got.len(), 7);
    assert_eq!(got.last(), Some(&latest.id));
    assert!(walked.iter().all(|(e, r)| e.request_id == r.submitted.id), "each with its request");
}

/// A request whose lead's response and resolution clocks fall due at these times, running
/// (`true`) or settled (`false`: the clock met).
pub(super) fn clocks(response: (DateTime<Utc>, bool), resolution: (DateTime<Utc>, bool)) -> Admission {
    let mut a = admission(new_request());
    for d in &mut a.deadlines {
        let (due, running) = if d.kind == DeadlineKind::Response { response } else { resolution };
        d.due_at = due;
        if !running {
            d.state = DeadlineState::Met;
            d.settled_at = Some(due - minutes(1));
        }
    }
    a
}

pub async fn overdue_pages_hold_each_late_task_once_longest_overdue_first<S: Store + Cases>(store: S) {
    let now = jiesu_domain::time::now();
    let ago = |h: i64| now - Duration::hours(h);
    let later = now + Duration::hours(4);
    // Both clocks late (listed at the response clock, once), several at one instant (the clocks'
    // ids order them); only the resolution clock late, its response clock still running in the
    // future or met late; and two not overdue at all.
    let seeded = vec![
        clocks((ago(5), true), (ago(3), true)),
        clocks((ago(5), true), (ago(1), true)),
        clocks((ago(9), true), (ago(7), true)),
        clocks((later, true), (ago(4), true)),
        clocks((ago(8), false), (ago(2), true)),
        clocks((ago(5), true), (later, true)),
        clocks((ago(6), false), (later, true)),
        clocks((later, true), (later, true)),
    ];
    store.ingest(&seeded).await.expect("ingest");
    let q = |page| TaskQuery { clock: Some(ClockWindow::overdue(now)), page, ..TaskQuery::default() };
    let walked = walk(
        2,
        async |page| store.list_tasks(&Scope::All, &q(page)).await.expect("list"),
        Cursor::of_task_by_clock,
        async |_| {},
    )
    .await;
    let mut want: Vec<_> = seeded
        .iter()
        .filter_map(|a| {
            let first = a.deadlines.iter().filter(|d| d.state == DeadlineState::Pending && d.due_at < now);
            first.map(|d| (d.due_at, d.id.as_uuid(), a.tasks[0].id)).min()
        })
        .collect();
    want.sort();
    assert_eq!(want.len(), 6);
    assert_eq!(
        task_ids(&walked),
        want.iter().map(|w| w.2).collect::<Vec<_>>(),
        "longest overdue first, once each"
    );
    let one_page = store.list_tasks(&Scope::All, &q(Page::first(100))).await.expect("list");
    assert_eq!(task_ids(&one_page), task_ids(&walked));
    // A bureau's own late tasks only, and a state filter still applies.
    let lead = seeded[0].tasks[0].bureau.clone();
    let mine = store.list_tasks(&Scope::Bureau(lead.clone()), &q(Page::first(100))).await.expect("list");
    assert!(mine.iter().all(|l| l.task.bureau == lead) && !mine.is_empty());
    let claimed = TaskQuery { states: vec![TaskState::Claimed], ..q(Page::first(100)) };
    assert!(store.list_tasks(&Scope::All, &claimed).await.expect("list").is_empty(), "none is claimed");
}
