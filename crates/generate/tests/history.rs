//! A generated history on both backends: every case loads and decodes through the store's ports,
//! its events read back, the proportions look like a district's, and the same seed gives the same
//! history.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::deadline::DeadlineState;
use jiesu_domain::ports::{Cases, Histories, Queue, Stats, StatsBy, StatsQuery, Store};
use jiesu_domain::request::RequestStatus;
use jiesu_domain::sla::DeadlineKind;
use jiesu_domain::workflow::{Case, Policy, Satisfaction};
use jiesu_generate::{Options, Plan, generate, history};
use jiesu_testkit::{fixtures, on_both_backends};

const REQUESTS: u64 = 2_000;

fn end() -> DateTime<Utc> {
    "2026-11-30T08:00:00Z".parse().expect("a valid time")
}

fn options() -> Options {
    let mut o = Options::new(REQUESTS, end());
    o.seed = 7;
    o.batch = 700;
    o
}

fn plan() -> Plan {
    Plan::new(
        Arc::new(fixtures::district().clone()),
        Policy::default(),
        jiesu_domain::secret::test_key(),
        &options(),
    )
}

/// What a case says, without the ids the domain draws itself.
fn fingerprint(c: &Case) -> String {
    let tasks: Vec<_> =
        c.tasks.iter().map(|t| (t.bureau.as_str().to_owned(), t.state, t.role, t.dispatched_at)).collect();
    // The store reads clocks back by due time; the order they were made in is not kept.
    let mut deadlines: Vec<_> =
        c.deadlines.iter().map(|d| (d.due_at, d.settled_at, format!("{:?} {:?}", d.kind, d.state))).collect();
    deadlines.sort();
    let visits: Vec<_> = c.visits.iter().map(|v| (v.solved, v.satisfaction, v.at)).collect();
    format!(
        "{} {} {:?} v{} {:?} {:?} {:?} {} {}",
        c.request.submitted.tracking.as_str(),
        c.request.submitted.received_at,
        c.request.status,
        c.version,
        tasks,
        deadlines,
        visits,
        c.disclaims.len(),
        c.extensions.len()
    )
}

#[test]
fn the_same_seed_gives_the_same_history() {
    let (a, b) = (plan(), plan());
    for i in (0..REQUESTS).step_by(37) {
        let (x, y) = (history(&a, i), history(&b, i));
        assert_eq!(fingerprint(&x.case), fingerprint(&y.case));
        let kinds = |h: &jiesu_domain::ports::History| {
            h.events.iter().map(|e| (e.kind.name(), e.occurred_at)).collect::<Vec<_>>()
        };
        assert_eq!(kinds(&x), kinds(&y));
    }
    let other = Plan::new(
        Arc::new(fixtures::district().clone()),
        Policy::default(),
        jiesu_domain::secret::test_key(),
        &Options { seed: 8, ..options() },
    );
    assert_ne!(fingerprint(&history(&a, 5).case), fingerprint(&history(&other, 5).case));
}

async fn a_generated_history_loads_and_looks_like_a_district<S, Q>(store: S, _queue: Q)
where
    S: Store + Cases + Histories + Stats,
    Q: Queue,
{
    let o = options();
    let district = Arc::new(fixtures::district().clone());
    let done = generate(&store, district, Policy::default(), jiesu_domain::secret::test_key(), &o, |_| {})
        .await
        .expect("generated");
    assert_eq!((done.requests, store.count_requests().await.expect("counted")), (REQUESTS, REQUESTS));

    let plan = plan();
    let (mut old, mut old_closed, mut disclaimed, mut recent_statuses) =
        (0, 0, 0, std::collections::BTreeSet::new());
    let (mut responses, mut on_time, mut rated, mut satisfied, mut visits, mut solved) = (0, 0, 0, 0, 0, 0);
    for i in 0..REQUESTS {
        let simulated = history(&plan, i);
        let id = simulated.case.id();
        let case = store.load_case(id).await.expect("loads").expect("stored");
        assert_eq!(fingerprint(&case), fingerprint(&simulated.case), "request {i}");
        let events = store.request_events(id).await.expect("events decode");
        assert_eq!(events.len(), simulated.events.len());
        let age = end() - case.request.submitted.received_at;
        if age > Duration::days(30) {
            old += 1;
            old_closed += u32::from(case.request.status == RequestStatus::Closed);
        } else if age < Duration::days(7) {
            recent_statuses.insert(case.request.status.as_str());
        }
        disclaimed += u32::from(!case.disclaims.is_empty());
        for d in case.deadlines.iter().filter(|d| d.kind == DeadlineKind::Response) {
            if d.state == DeadlineState::Met {
                responses += 1;
                on_time += u32::from(d.settled_at.is_some_and(|s| s <= d.due_at));
            }
        }
        for v in &case.visits {
            visits += 1;
            solved += u32::from(v.solved);
            if let Some(s) = v.satisfaction {
                rated += 1;
                satisfied += u32::from(s != Satisfaction::Dissatisfied);
            }
        }
    }
    let share = |a: u32, b: u32| f64::from(a) / f64::from(b.max(1));
    let closed = share(old_closed, old);
    assert!((0.9..=1.0).contains(&closed), "closed among old requests: {closed}");
    let disclaims = share(disclaimed, REQUESTS as u32);
    assert!((0.04..=0.25).contains(&disclaims), "requests with a disclaim: {disclaims}");
    // The rates supervisors read (响应率, 解决率, 满意率) come out as a real district's.
    let response = share(on_time, responses);
    assert!((0.7..=1.0).contains(&response), "response rate: {response}");
    let resolution = share(solved, visits);
    assert!((0.85..=0.99).contains(&resolution), "resolution rate: {resolution}");
    let satisfaction = share(satisfied, rated);
    assert!((0.8..=0.99).contains(&satisfaction), "satisfaction rate: {satisfaction}");
    assert!(recent_statuses.len() >= 4, "recent requests spread over the open states: {recent_statuses:?}");

    // The history came counted, as the stats role would have counted it: the same summary a
    // rebuild from the stored cases gives, group by group.
    let by = |by| StatsQuery {
        from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
        until: chrono::NaiveDate::from_ymd_opt(2030, 1, 1).expect("date"),
        by,
        filter: Default::default(),
    };
    let read = || async {
        let mut all = Vec::new();
        for b in [StatsBy::Nothing, StatsBy::Bureau, StatsBy::Street, StatsBy::Day] {
            all.push(store.stats_totals(&by(b)).await.expect("totals"));
        }
        all
    };
    let generated = read().await;
    assert_eq!(generated[0][0].counts.received, REQUESTS as i64);
    assert_eq!(generated[0][0].counts.visits, i64::from(visits));
    jiesu_stats::rebuild(&store, fixtures::district(), 500).await.expect("rebuild");
    assert_eq!(read().await, generated, "generated sums = rebuilt sums");
}

on_both_backends!(a_generated_history_loads_and_looks_like_a_district);
