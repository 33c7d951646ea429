//! The relay publishes committed events to the events topic, once each, with the HTTP request id
//! of the request that caused them.

use std::time::Duration;

use jiesu_domain::messages::decode_event;
use jiesu_domain::ports::queue::REQUEST_ID_HEADER;
use jiesu_domain::ports::{Delivery, Queue, Store};
use jiesu_outbox::{Relay, RelaySettings};
use jiesu_testkit::fixtures::{admission, new_request};
use jiesu_testkit::queue_contract::{recv, recv_n};

jiesu_testkit::on_both_backends!(committed_events_are_published_in_order_and_marked);

async fn committed_events_are_published_in_order_and_marked<S: Store, Q: Queue>(store: S, queue: Q) {
    queue.declare("audit", &["event.#"]).await.expect("declare");
    queue.declare("dispatches", &["event.task_dispatched"]).await.expect("declare");
    let mut a = admission(new_request());
    // As the dispatcher stamps the events of a request that came in over HTTP.
    for e in &mut a.events {
        e.http_request_id = Some("abc".into());
    }
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");

    let relay = Relay::new(store.clone(), queue.clone(), RelaySettings::default());
    assert_eq!(relay.relay_once().await.expect("relay"), a.events.len());
    assert_eq!(relay.relay_once().await.expect("relay"), 0, "published events are not published again");

    let mut audit = queue.consume("audit", 10).await.expect("consume");
    let delivered = recv_n(&mut audit, a.events.len()).await;
    let got: Vec<_> = delivered
        .iter()
        .map(|d| decode_event(&d.message().kind, &d.message().payload).expect("an event"))
        .collect();
    assert_eq!(got, a.events);
    for d in &delivered {
        assert_eq!(
            d.message().headers.get(REQUEST_ID_HEADER).map(String::as_str),
            Some("abc"),
            "the request id rides along"
        );
    }
    let mut dispatches = queue.consume("dispatches", 10).await.expect("consume");
    let only = recv_n(&mut dispatches, 1).await;
    assert_eq!(
        only[0].message().id,
        a.events[2].id.as_uuid(),
        "the message id is the event id, for deduplication"
    );
    assert!(recv(&mut dispatches, 10, Duration::from_millis(400)).await.is_empty());
}
