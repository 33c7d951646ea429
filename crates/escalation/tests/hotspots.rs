//! The hotspot trigger with the real store and queue, on both backends: reports in one spot, every
//! routed event fed three times to two triggers at once, make one hotspot on the oldest with every
//! other report a member once and told once; and the trigger's queue is its own, so a disclaim's
//! escalation is handled while reports wait.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use jiesu_domain::escalation::Trigger;
use jiesu_domain::event::EventKind;
use jiesu_domain::ids::RequestId;
use jiesu_domain::messages::{EVENT, encode_event};
use jiesu_domain::ports::{Cases, Message, Queue, Store};
use jiesu_escalation::{ESCALATION_QUEUE, Escalator, HOTSPOT_QUEUE, HOTSPOT_TOPICS, HotspotTrigger, TOPICS};
use jiesu_testkit::queue_contract::{recv, recv_n};
use tokio_util::sync::CancellationToken;

jiesu_testkit::on_both_backends!(
    two_triggers_fed_every_report_three_times_make_one_hotspot_with_each_member_once,
    a_disclaim_is_escalated_while_reports_wait_on_their_own_queue,
);

const REPORTS: usize = 40;

/// The routed events of these requests, `copies` times over, as the relay publishes them.
async fn routed<S: Store>(store: &S, ids: &[RequestId], copies: usize) -> Vec<(String, Message)> {
    let mut out = Vec::new();
    for _ in 0..copies {
        for id in ids {
            for e in store.request_events(*id).await.expect("events") {
                if matches!(e.kind, EventKind::RequestRouted { .. }) {
                    out.push((e.topic(), Message::new(e.id.as_uuid(), EVENT, encode_event(&e))));
                }
            }
        }
    }
    out
}

/// `n` street-light reports at one spot, a second apart, oldest first (the sample request's point
/// and category).
async fn reports<S: Store>(store: &S, n: usize) -> Vec<RequestId> {
    let t0 = jiesu_domain::time::now() - chrono::Duration::hours(1);
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let at = t0 + chrono::Duration::seconds(i64::try_from(i).expect("small"));
        ids.extend(support::dispatched(store, 1, at).await);
    }
    ids
}

async fn two_triggers_fed_every_report_three_times_make_one_hotspot_with_each_member_once<
    S: Store + Cases,
    Q: Queue,
>(
    store: S,
    queue: Q,
) {
    queue.declare(HOTSPOT_QUEUE, HOTSPOT_TOPICS).await.expect("declare");
    let ids = reports(&store, REPORTS).await;
    queue.publish(&routed(&store, &ids, 3).await).await.expect("publish");

    let stop = CancellationToken::new();
    let run = |stop: &CancellationToken| {
        let trigger = HotspotTrigger::new(support::workflow(store.clone()), queue.clone(), 8)
            .retry_after(Duration::from_millis(50));
        tokio::spawn(trigger.run(stop.clone()))
    };
    let workers = [run(&stop), run(&stop)];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let anchor = store.load_case(ids[0]).await.expect("load").expect("stored");
        if anchor.escalations.first().is_some_and(|e| e.linked.len() == REPORTS - 1) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "every report joins: {:?}", anchor.escalations);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.cancel();
    for w in workers {
        w.await.expect("joined").expect("the trigger ran");
    }
    // The copies still waiting are handled as a third trigger would.
    let last = CancellationToken::new();
    let third = run(&last);
    tokio::time::sleep(Duration::from_secs(3)).await;
    last.cancel();
    third.await.expect("joined").expect("the trigger ran");
    let mut rest = queue.consume(HOTSPOT_QUEUE, 10).await.expect("consume");
    assert!(recv(&mut rest, 10, Duration::from_secs(1)).await.is_empty(), "every copy handled");

    let anchor = store.load_case(ids[0]).await.expect("load").expect("stored");
    let hotspots: Vec<_> = anchor.escalations.iter().filter(|e| e.trigger == Trigger::Hotspot).collect();
    assert_eq!(hotspots.len(), 1, "one hotspot, on the oldest");
    assert_eq!(hotspots[0].linked, ids[1..].to_vec(), "every other report, oldest first");
    for id in &ids[1..] {
        let case = store.load_case(*id).await.expect("load").expect("stored");
        assert!(case.escalations.is_empty(), "{id} anchors nothing");
    }
    // The anchor's history tells each member once: those it opened with, then one join each.
    let mut told = Vec::new();
    for e in store.request_events(ids[0]).await.expect("events") {
        match e.kind {
            EventKind::EscalationOpened { linked, .. } | EventKind::HotspotLinked { linked, .. } => {
                told.extend(linked);
            }
            _ => {}
        }
    }
    let once: HashSet<RequestId> = told.iter().copied().collect();
    assert_eq!((told.len(), once), (REPORTS - 1, ids[1..].iter().copied().collect()));
}

async fn a_disclaim_is_escalated_while_reports_wait_on_their_own_queue<S: Store + Cases, Q: Queue>(
    store: S,
    queue: Q,
) {
    queue.declare(HOTSPOT_QUEUE, HOTSPOT_TOPICS).await.expect("declare");
    queue.declare(ESCALATION_QUEUE, TOPICS).await.expect("declare");
    let waiting = reports(&store, 30).await;
    queue.publish(&routed(&store, &waiting, 1).await).await.expect("publish");

    let wf = support::workflow(store.clone());
    let disclaimed = support::dispatched(&store, 1, jiesu_domain::time::now()).await[0];
    support::exhaust(&wf, disclaimed).await;
    let mut events = Vec::new();
    for e in store.request_events(disclaimed).await.expect("events") {
        events.push((e.topic(), Message::new(e.id.as_uuid(), EVENT, encode_event(&e))));
    }
    queue.publish(&events).await.expect("publish");

    // Only the escalation consumer runs: no hotspot trigger is there to clear the reports.
    let stop = CancellationToken::new();
    let worker = tokio::spawn(Escalator::new(wf, queue.clone(), 8).run(stop.clone()));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while support::count(&store, disclaimed, &["escalation_opened"]).await != [2] {
        assert!(tokio::time::Instant::now() < deadline, "the disclaim is escalated");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.cancel();
    worker.await.expect("joined").expect("the worker ran");
    let mut reports = queue.consume(HOTSPOT_QUEUE, 100).await.expect("consume");
    // The reports, and the disclaimed request's own routing.
    let still = recv_n(&mut reports, 31).await;
    assert_eq!(still.len(), 31, "the reports are still waiting for the trigger, on their own queue");
    let anchor = store.load_case(waiting[0]).await.expect("load").expect("stored");
    assert!(anchor.escalations.is_empty(), "and nothing made them a hotspot");
}
