//! What the outbox guarantees on both backends: every committed event is published at least once,
//! also when a relay dies between publishing and marking, and once per round however many relays
//! run; and publishing never rewrites an event row (they are the request's history).

use std::collections::HashMap;

use jiesu_domain::event::Event;
use jiesu_domain::ids::EventId;
use jiesu_domain::messages::decode_event;
use jiesu_domain::ports::{Delivery, Queue, Store};
use jiesu_outbox::{Relay, RelaySettings, message};
use jiesu_testkit::fixtures::{admission, new_request};
use jiesu_testkit::queue_contract::{recv, recv_n};
use jiesu_testkit::rewrites::EventRewrites;

jiesu_testkit::on_both_backends!(
    publishing_rewrites_no_event_row,
    a_relay_killed_between_publishing_and_marking_is_followed_by_a_republish,
    two_relays_at_once_publish_every_event_once,
);

/// Stores `requests` new requests; returns their events in the order they were appended.
async fn seed(store: &impl Store, requests: usize) -> Vec<Event> {
    let batch: Vec<_> = (0..requests).map(|_| admission(new_request())).collect();
    store.ingest(&batch).await.expect("ingest");
    batch.into_iter().flat_map(|a| a.events).collect()
}

/// Every message the `audit` queue holds (`n` expected), counted by event id.
async fn published<Q: Queue>(queue: &Q, n: usize) -> HashMap<EventId, usize> {
    let mut audit = queue.consume("audit", 1000).await.expect("consume");
    let got = recv_n(&mut audit, n).await;
    assert!(recv(&mut audit, 10, std::time::Duration::from_millis(400)).await.is_empty(), "no more than {n}");
    let mut ids = HashMap::new();
    for d in &got {
        let e = decode_event(&d.message().kind, &d.message().payload).expect("an event");
        assert_eq!(d.message().id, e.id.as_uuid(), "the message id is the event id");
        *ids.entry(e.id).or_insert(0) += 1;
    }
    ids
}

async fn drain<S: Store, Q: Queue>(relay: &Relay<S, Q>) -> usize {
    let mut total = 0;
    loop {
        match relay.relay_once().await.expect("relay") {
            0 => return total,
            n => total += n,
        }
    }
}

async fn publishing_rewrites_no_event_row<S: Store + EventRewrites, Q: Queue>(store: S, queue: Q) {
    queue.declare("audit", &["event.#"]).await.expect("declare");
    let events = seed(&store, 3).await;
    store.watch_event_rewrites().await;
    let relay =
        Relay::new(store.clone(), queue.clone(), RelaySettings { batch: 4, ..RelaySettings::default() });
    assert_eq!(drain(&relay).await, events.len());
    assert_eq!(store.event_rewrites().await, 0, "no event row was updated or deleted");
    assert_eq!(published(&queue, events.len()).await.len(), events.len());
    let first = &events[0];
    let history = store.request_events(first.request_id).await.expect("history");
    assert_eq!(history[0], *first, "the history reads as it was written");
}

async fn a_relay_killed_between_publishing_and_marking_is_followed_by_a_republish<S: Store, Q: Queue>(
    store: S,
    queue: Q,
) {
    queue.declare("audit", &["event.#"]).await.expect("declare");
    let events = seed(&store, 2).await;
    // The first relay leased everything and published it, then died before marking; its lease
    // has since run out.
    let then = jiesu_domain::time::now() - chrono::Duration::seconds(60);
    let leased = store.lease_outbox(100, then, then + chrono::Duration::seconds(30)).await.expect("lease");
    assert_eq!(leased.len(), events.len());
    let messages: Vec<_> = leased.iter().map(message).collect();
    queue.publish(&messages).await.expect("publish");

    let relay = Relay::new(store.clone(), queue.clone(), RelaySettings::default());
    assert_eq!(drain(&relay).await, events.len(), "a relay publishes them again");
    let ids = published(&queue, 2 * events.len()).await;
    for e in &events {
        assert_eq!(ids.get(&e.id), Some(&2), "twice, under one id: consumers deduplicate");
    }
}

async fn two_relays_at_once_publish_every_event_once<S: Store, Q: Queue>(store: S, queue: Q) {
    queue.declare("audit", &["event.#"]).await.expect("declare");
    let events = seed(&store, 12).await;
    let small = RelaySettings { batch: 3, ..RelaySettings::default() };
    let relays = (0..2).map(|_| {
        let relay = Relay::new(store.clone(), queue.clone(), small.clone());
        tokio::spawn(async move { drain(&relay).await })
    });
    let mut total = 0;
    for r in relays.collect::<Vec<_>>() {
        total += r.await.expect("join");
    }
    assert_eq!(total, events.len(), "together they published each event once");
    let ids = published(&queue, events.len()).await;
    for e in &events {
        assert_eq!(ids.get(&e.id), Some(&1), "none skipped, none twice");
    }
}
