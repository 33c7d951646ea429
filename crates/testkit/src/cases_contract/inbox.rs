//! A bureau inbox's reads: tasks filtered by what their requests say (tracking number, words,
//! category and area at any level, dispatch dates), tasks by the window their first running clock
//! falls due in, and counts up to a cap; with scopes, states, both orders and keyset pages. Every
//! query is checked three ways: listed in one page, walked in pages of two after cursors, and
//! counted (whole and up to a smaller cap).

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::deadline::DeadlineState;
use jiesu_domain::ids::{RequestId, TaskId, TrackingNumber};
use jiesu_domain::ports::{Cases, ClockWindow, Cursor, Page, Store, TaskFilter, TaskListing, TaskQuery};
use jiesu_domain::staff::Scope;
use jiesu_domain::task::TaskState;
use jiesu_domain::text::Description;

use super::keyset::{clocks, dispatched, task_ids};
use crate::paging::walk;

fn bureau(code: &str) -> BureauCode {
    BureauCode::parse(code).expect("code")
}

/// Lists the query in one page, walks it in pages of two and counts it: each gives `want`, in
/// order, and a count capped below it gives the cap.
async fn check<S: Cases>(store: &S, scope: &Scope, q: &TaskQuery, want: &[TaskId], what: &str) {
    let whole = TaskQuery { page: Page::first(1000), ..q.clone() };
    let listed = store.list_tasks(scope, &whole).await.expect("list");
    assert_eq!(task_ids(&listed), want, "{what}: listed");
    let key: fn(&TaskListing) -> Cursor =
        if q.clock.is_some() { Cursor::of_task_by_clock } else { Cursor::of_task };
    let walked = walk(
        2,
        async |page| store.list_tasks(scope, &TaskQuery { page, ..q.clone() }).await.expect("list"),
        key,
        async |_| {},
    )
    .await;
    assert_eq!(task_ids(&walked), want, "{what}: walked in pages of two");
    let n = u32::try_from(want.len()).expect("a few");
    assert_eq!(store.count_tasks(scope, q, 1000).await.expect("count"), n, "{what}: counted");
    if n > 1 {
        assert_eq!(store.count_tasks(scope, q, n - 1).await.expect("count"), n - 1, "{what}: capped");
    }
}

/// A request with this description, category and area, its one task dispatched at `at`.
fn about(description: &str, category: Option<&str>, area: Option<&str>, at: DateTime<Utc>) -> Admission {
    let mut a = dispatched(at, None, None);
    a.request.submitted.description = Description::parse(description).expect("description");
    a.request.submitted.category = category.map(|c| CategoryCode::parse(c).expect("code"));
    a.request.area = area.map(|c| AreaCode::parse(c).expect("code"));
    a
}

fn filtered(filter: TaskFilter) -> TaskQuery {
    TaskQuery { filter, ..TaskQuery::default() }
}

pub async fn task_filters_each_narrow_the_listing_and_combine_with_the_rest<S: Store + Cases>(store: S) {
    let t = jiesu_domain::time::now() - Duration::days(1);
    let h = |n: i64| t - Duration::hours(n);
    let mut seeded = vec![
        about("秀新路口的路灯连续三晚不亮", Some("010101"), Some("pingshan.kengzi.jinsha"), h(0)),
        about("LED Street Light flickers", Some("010102"), Some("pingshan.kengzi"), h(1)),
        about("井盖缺失 100%危险", Some("010201"), Some("pingshan.kengzi2"), h(2)),
        about("水管爆裂 led_strip", Some("020102"), Some("pingshan.longtian"), h(3)),
        about("路灯 a_b", Some("0101"), Some("pingshan"), h(4)),
        about("路灯不亮", None, None, h(5)),
    ];
    seeded[0].tasks[0].state = TaskState::Claimed;
    let (um, water) = (seeded[0].tasks[0].bureau.clone(), bureau("water"));
    for i in [1, 3] {
        seeded[i].tasks[0].bureau = water.clone();
    }
    store.ingest(&seeded).await.expect("ingest");
    let ids = |which: &[usize]| -> Vec<TaskId> { which.iter().map(|&i| seeded[i].tasks[0].id).collect() };
    let all = Scope::All;

    let tracking = |a: &Admission| TaskFilter {
        tracking: Some(a.request.submitted.tracking.clone()),
        ..TaskFilter::default()
    };
    check(&store, &all, &filtered(tracking(&seeded[2])), &ids(&[2]), "its tracking number").await;
    let unknown = TrackingNumber::for_request(&jiesu_domain::secret::test_key(), RequestId::generate());
    let nobody = TaskFilter { tracking: Some(unknown), ..TaskFilter::default() };
    check(&store, &all, &filtered(nobody), &[], "a tracking number no request has").await;

    let text = |t: &str| TaskFilter { text: Some(t.to_owned()), ..TaskFilter::default() };
    for (words, want) in [
        ("路灯", &[0, 4, 5][..]),
        ("led", &[1, 3]),
        ("LED", &[1, 3]),
        ("street light", &[1]),
        // Taken as written: `%` and `_` are no wildcards (as `LIKE` patterns, `1%险` and `t_l`
        // would match "100%危险" and "street light").
        ("0%危", &[2]),
        ("1%险", &[]),
        ("_", &[3, 4]),
        ("t_l", &[]),
        ("", &[0, 1, 2, 3, 4, 5]),
    ] {
        check(&store, &all, &filtered(text(words)), &ids(want), &format!("words `{words}`")).await;
    }

    let category = |c: &str| TaskFilter {
        category: Some(CategoryCode::parse(c).expect("code")),
        ..TaskFilter::default()
    };
    for (code, want) in [
        ("01", &[0, 1, 2, 4][..]),
        ("0101", &[0, 1, 4]),
        ("010101", &[0]),
        ("0102", &[2]),
        ("02", &[3]),
        ("99", &[]),
    ] {
        check(&store, &all, &filtered(category(code)), &ids(want), &format!("category {code}")).await;
    }

    let area =
        |c: &str| TaskFilter { area: Some(AreaCode::parse(c).expect("code")), ..TaskFilter::default() };
    for (code, want) in [
        ("pingshan", &[0, 1, 2, 3, 4][..]),
        // Not `pingshan.kengzi2`, whose code merely starts with the same letters.
        ("pingshan.kengzi", &[0, 1]),
        ("pingshan.kengzi.jinsha", &[0]),
        ("pingshan.kengzi2", &[2]),
        ("pingshan.biling", &[]),
    ] {
        check(&store, &all, &filtered(area(code)), &ids(want), &format!("area {code}")).await;
    }

    let dates = |from: Option<i64>, before: Option<i64>| TaskFilter {
        dispatched_from: from.map(h),
        dispatched_before: before.map(h),
        ..TaskFilter::default()
    };
    check(&store, &all, &filtered(dates(Some(2), None)), &ids(&[0, 1, 2]), "dispatched from").await;
    check(&store, &all, &filtered(dates(None, Some(2))), &ids(&[3, 4, 5]), "dispatched before").await;
    check(&store, &all, &filtered(dates(Some(4), Some(1))), &ids(&[2, 3, 4]), "dispatched between").await;

    // Together, and with a scope, an asked bureau, states and a clock window.
    let both = TaskFilter { text: Some("路灯".into()), ..category("01") };
    check(&store, &all, &filtered(both.clone()), &ids(&[0, 4]), "words and category").await;
    let three = TaskFilter { dispatched_before: Some(h(0)), ..both.clone() };
    check(&store, &all, &filtered(three), &ids(&[4]), "words, category and dates").await;
    let near =
        TaskFilter { category: Some(CategoryCode::parse("01").expect("code")), ..area("pingshan.kengzi") };
    check(&store, &all, &filtered(near.clone()), &ids(&[0, 1]), "category and area").await;
    let (mine, theirs) = (Scope::Bureau(um.clone()), Scope::Bureau(water.clone()));
    check(&store, &mine, &filtered(category("01")), &ids(&[0, 2, 4]), "a bureau's, by category").await;
    check(&store, &theirs, &filtered(category("01")), &ids(&[1]), "another bureau's, by category").await;
    let asked = TaskQuery { bureau: Some(water.clone()), ..filtered(near.clone()) };
    check(&store, &all, &asked, &ids(&[1]), "an asked bureau's, by category and area").await;
    check(&store, &mine, &asked, &[], "another bureau asked under a bureau scope").await;
    let claimed = TaskQuery { states: vec![TaskState::Claimed], ..filtered(area("pingshan")) };
    check(&store, &all, &claimed, &ids(&[0]), "claimed, by area").await;
    let waiting = TaskQuery { states: vec![TaskState::Dispatched], ..filtered(near) };
    check(&store, &all, &waiting, &ids(&[1]), "dispatched, by category and area").await;
    check(&store, &theirs, &filtered(tracking(&seeded[0])), &[], "another bureau's tracking number").await;
    // Several states newest first (the 办理中 tab): merged across states in one order, each
    // state's tasks seeked from the cursor.
    let both_states = vec![TaskState::Claimed, TaskState::Dispatched];
    let either = TaskQuery { states: both_states.clone(), ..filtered(area("pingshan")) };
    check(&store, &all, &either, &ids(&[0, 1, 2, 3, 4]), "claimed or dispatched, by area").await;
    let either_mine = TaskQuery { states: both_states, ..TaskQuery::default() };
    check(&store, &mine, &either_mine, &ids(&[0, 2, 4, 5]), "a bureau's claimed or dispatched").await;
    let (second, third) = (TaskState::DisclaimRequested, TaskState::Resolved);
    let none_yet = TaskQuery { states: vec![second, third], ..TaskQuery::default() };
    check(&store, &all, &none_yet, &[], "states no task is in").await;
    // Admitted alike, each task's first clock falls due as long after its admission.
    let urgent = TaskQuery { clock: Some(ClockWindow::any()), ..filtered(category("0101")) };
    let by_clock = soonest_first(&seeded, &[0, 1, 4]);
    check(&store, &all, &urgent, &by_clock, "category, most urgent first").await;
}

/// These of the seeded tasks, soonest first by their first running clock (due time, then id).
fn soonest_first(seeded: &[Admission], which: &[usize]) -> Vec<TaskId> {
    let mut keyed: Vec<_> = which
        .iter()
        .filter_map(|&i| {
            let a = &seeded[i];
            let running = a.deadlines.iter().filter(|d| d.state == DeadlineState::Pending);
            running.map(|d| (d.due_at, d.id.as_uuid())).min().map(|key| (key, a.tasks[0].id))
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id).collect()
}

pub async fn clock_windows_hold_tasks_by_their_first_running_clock_soonest_first<S: Store + Cases>(store: S) {
    let now = jiesu_domain::time::now();
    let h = |n: i64| now + Duration::hours(n);
    let mut seeded = vec![
        // 0: its response clock ran out an hour ago; its resolution clock falls due within the
        // due-soon window, but the task is overdue, and not due soon.
        clocks((h(-1), true), (h(1), true)),
        // 1: its response clock met, its resolution clock due in an hour.
        clocks((h(-5), false), (h(1), true)),
        // 2: due in half an hour.
        clocks((now + Duration::minutes(30), true), (h(48), true)),
        // 3: due in five hours: neither overdue nor soon.
        clocks((h(5), true), (h(48), true)),
        // 4: no running clock: in no window.
        clocks((h(-5), false), (h(-2), false)),
        // 5: its resolution clock ran out three hours ago.
        clocks((h(-9), false), (h(-3), true)),
        // 6: due at the same instant as 1 (the clocks' ids order them), claimed.
        clocks((h(1), true), (h(48), true)),
    ];
    seeded[6].tasks[0].state = TaskState::Claimed;
    let water = bureau("water");
    seeded[3].tasks[0].bureau = water.clone();
    seeded[2].request.submitted.description = Description::parse("井盖缺失").expect("description");
    seeded[0].tasks[0].dispatched_at = h(-30);
    store.ingest(&seeded).await.expect("ingest");
    let by_clock = |which: &[usize]| soonest_first(&seeded, which);
    let window = |w: ClockWindow| TaskQuery { clock: Some(w), ..TaskQuery::default() };
    let all = Scope::All;

    let overdue = window(ClockWindow::overdue(now));
    check(&store, &all, &overdue, &by_clock(&[5, 0]), "overdue").await;
    let soon = window(ClockWindow::due_soon(now, h(2)));
    check(&store, &all, &soon, &by_clock(&[2, 1, 6]), "due soon").await;
    let listed =
        store.list_tasks(&all, &TaskQuery { page: Page::first(100), ..soon.clone() }).await.expect("list");
    assert!(!task_ids(&listed).contains(&seeded[0].tasks[0].id), "an overdue task is not due soon");
    let any = window(ClockWindow::any());
    check(&store, &all, &any, &by_clock(&[5, 0, 2, 1, 6, 3]), "most urgent first").await;
    // From inclusive, before exclusive.
    let until_one = window(ClockWindow::due_soon(now, h(1)));
    check(&store, &all, &until_one, &by_clock(&[2]), "due before an hour from now").await;
    let from_one = window(ClockWindow { due_from: Some(h(1)), due_before: None });
    check(&store, &all, &from_one, &by_clock(&[1, 6, 3]), "due an hour from now or later").await;

    // With states, scopes, an asked bureau and filters.
    let claimed = TaskQuery { states: vec![TaskState::Claimed], ..any.clone() };
    check(&store, &all, &claimed, &by_clock(&[6]), "claimed, most urgent first").await;
    let waiting = TaskQuery { states: vec![TaskState::Dispatched], ..soon.clone() };
    check(&store, &all, &waiting, &by_clock(&[2, 1]), "dispatched and due soon").await;
    let um = seeded[0].tasks[0].bureau.clone();
    check(&store, &Scope::Bureau(water.clone()), &any, &by_clock(&[3]), "another bureau's").await;
    check(&store, &Scope::Bureau(um), &any, &by_clock(&[5, 0, 2, 1, 6]), "a bureau's").await;
    let asked = TaskQuery { bureau: Some(water), ..overdue.clone() };
    check(&store, &all, &asked, &[], "an asked bureau's overdue").await;
    let words = TaskFilter { text: Some("井盖".into()), ..TaskFilter::default() };
    check(&store, &all, &TaskQuery { filter: words, ..soon }, &by_clock(&[2]), "words, due soon").await;
    let early = TaskFilter { dispatched_before: Some(h(-24)), ..TaskFilter::default() };
    check(&store, &all, &TaskQuery { filter: early, ..any }, &by_clock(&[0]), "dispatched long ago").await;
}

/// `n` requests, each task's first clock an hour overdue, of the bureau `bureau(i)` gives.
fn late(n: usize, bureau: impl Fn(usize) -> Option<BureauCode>) -> Vec<Admission> {
    let an_hour_ago = jiesu_domain::time::now() - Duration::hours(1);
    (0..n)
        .map(|i| {
            let mut a = clocks((an_hour_ago, true), (an_hour_ago + Duration::hours(48), true));
            if let Some(b) = bureau(i) {
                a.tasks[0].bureau = b;
            }
            a
        })
        .collect()
}

/// A query of each kind a tab makes, every one of which lists every task `late` stored.
fn every_kind(now: DateTime<Utc>) -> [TaskQuery; 5] {
    let words = TaskFilter { text: Some("路灯".into()), ..TaskFilter::default() };
    [
        TaskQuery::default(),
        TaskQuery { states: vec![TaskState::Dispatched], ..TaskQuery::default() },
        TaskQuery { clock: Some(ClockWindow::overdue(now)), ..TaskQuery::default() },
        TaskQuery { clock: Some(ClockWindow::any()), ..TaskQuery::default() },
        TaskQuery { filter: words, ..TaskQuery::default() },
    ]
}

pub async fn task_counts_stop_at_their_cap<S: Store + Cases>(store: S) {
    store.ingest(&late(7, |_| None)).await.expect("ingest");
    let now = jiesu_domain::time::now();
    for q in every_kind(now) {
        for (cap, want) in [(0, 0), (1, 1), (6, 6), (7, 7), (8, 7), (u32::MAX, 7)] {
            let n = store.count_tasks(&Scope::All, &q, cap).await.expect("count");
            assert_eq!(n, want, "at most {cap} of 7: {q:?}");
        }
    }
    let soon = ClockWindow::due_soon(now, now + Duration::hours(1));
    let none = TaskQuery { clock: Some(soon), ..TaskQuery::default() };
    assert_eq!(store.count_tasks(&Scope::All, &none, 10).await.expect("count"), 0, "all are overdue");
}

pub async fn a_bureaus_counts_never_include_another_bureaus_tasks<S: Store + Cases>(store: S) {
    let (mine, theirs) = (bureau("urban-management"), bureau("water"));
    let seeded = late(9, |i| Some(if i % 3 == 0 { mine.clone() } else { theirs.clone() }));
    store.ingest(&seeded).await.expect("ingest");
    let (my_scope, their_scope) = (Scope::Bureau(mine.clone()), Scope::Bureau(theirs.clone()));
    for q in every_kind(jiesu_domain::time::now()) {
        let count =
            async |scope: &Scope, q: &TaskQuery| store.count_tasks(scope, q, 100).await.expect("count");
        assert_eq!(count(&my_scope, &q).await, 3, "{q:?}");
        assert_eq!(count(&their_scope, &q).await, 6, "{q:?}");
        assert_eq!(count(&Scope::All, &q).await, 9, "{q:?}");
        let asked_theirs = TaskQuery { bureau: Some(theirs.clone()), ..q.clone() };
        assert_eq!(count(&my_scope, &asked_theirs).await, 0, "another bureau asked: {q:?}");
        assert_eq!(count(&Scope::All, &asked_theirs).await, 6, "{q:?}");
        let asked_mine = TaskQuery { bureau: Some(mine.clone()), ..q.clone() };
        assert_eq!(count(&my_scope, &asked_mine).await, 3, "{q:?}");
    }
    // Another bureau's request, by its tracking number.
    let theirs_tracked =
        TaskFilter { tracking: Some(seeded[1].request.submitted.tracking.clone()), ..TaskFilter::default() };
    let q = TaskQuery { filter: theirs_tracked, ..TaskQuery::default() };
    assert_eq!(store.count_tasks(&my_scope, &q, 100).await.expect("count"), 0);
    assert_eq!(store.count_tasks(&their_scope, &q, 100).await.expect("count"), 1);
}
