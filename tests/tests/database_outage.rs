//! A PostgreSQL outage as the server reports it, on PostgreSQL and RabbitMQ: the database stops
//! accepting connections (`ALTER DATABASE ... ALLOW_CONNECTIONS false`, SQLSTATE 55000) and every
//! open connection is ended. Intake keeps answering (it needs the broker, not the database); the
//! dispatcher and the escalation consumer hold their messages until the database is back; then
//! every answered request is stored once, every held event is handled, and nothing is in any
//! dead-letter queue. Before the fix, 55000 was "unexpected": five quick retries dead-lettered
//! hundreds of answered requests.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::messages::{EVENT, encode_event};
use jiesu_domain::ports::{Message, Queue, Store};
use jiesu_e2e::backend::Kind;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::{Backend, Open311Client};
use jiesu_queue::AmqpQueue;
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_testkit::queue_contract::recv;

/// How long the database refuses connections: the old dispatcher dead-lettered within
/// milliseconds; the new one backs off to 5 s between tries.
const OUTAGE: Duration = Duration::from_secs(6);

async fn broker_queue(backend: &Backend) -> AmqpQueue {
    let Kind::AtScale { broker, .. } = &backend.kind else { unreachable!("at scale") };
    let mut settings = broker.settings.clone();
    settings.prefix = backend.queue_prefix.clone();
    AmqpQueue::connect(&broker.url, settings).await.expect("connect to RabbitMQ")
}

/// Every message waiting on `queue`, taken and left unacknowledged (they go back on close).
async fn waiting(q: &AmqpQueue, queue: &str) -> usize {
    let mut c = q.consume(queue, 1000).await.expect("consume");
    recv(&mut c, 1000, Duration::from_millis(700)).await.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answered_requests_and_held_events_survive_a_database_that_refuses_connections() {
    let backend = Backend::at_scale().await;
    let key = backend.api_key("outage").await;
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, &key);
    // Stored before the outage: their routed events are what the escalation service will be
    // handed again while the database is away. (This also caches the API key, as a serving
    // intake has it.)
    let mut before = Vec::new();
    for _ in 0..3 {
        let id = client.post(&LAMP, None).await.expect("POST").id();
        client.wait_for(&id, Duration::from_secs(15)).await;
        before.push(id);
    }
    let store =
        PgStore::connect(&backend.database_url, &PgSettings { max_connections: 1, ..PgSettings::default() })
            .await
            .expect("connect");
    let mut routed = Vec::new();
    for id in &before {
        let tracking = TrackingNumber::parse(id).expect("a tracking number");
        let view = store.request_by_tracking(&tracking).await.expect("read").expect("stored");
        for e in store.request_events(view.request.submitted.id).await.expect("events") {
            if e.topic() == "event.request_routed" {
                routed.push((e.topic(), Message::new(e.id.as_uuid(), EVENT, encode_event(&e))));
            }
        }
    }
    store.close().await;
    assert_eq!(routed.len(), before.len());

    let Kind::AtScale { db, .. } = &backend.kind else { unreachable!("at scale") };
    db.refuse_connections().await;
    let broker = broker_queue(&backend).await;
    broker.publish(&routed).await.expect("the events are redelivered during the outage");
    let mut answered = Vec::new();
    for i in 0..40 {
        let description = format!("数据库停机期间的第 {i} 条诉求");
        let mut fields = LAMP.to_vec();
        fields.retain(|(k, _)| *k != "description");
        fields.push(("description", &description));
        answered.push(client.post(&fields, None).await.expect("POST").id());
    }
    tokio::time::sleep(OUTAGE).await;
    db.accept_connections().await;

    for id in &answered {
        let stored = client.wait_for(id, Duration::from_secs(30)).await;
        assert_eq!(stored["service_request_id"], id.as_str());
    }
    assert_eq!(backend.count_requests().await, 43, "every answered request stored, once");
    // The escalation consumer's longest back-off is 5 s: its held events are handled by then.
    tokio::time::sleep(Duration::from_secs(7)).await;
    app.stop().await;
    assert_eq!(waiting(&broker, "intake.dlq").await, 0, "no request dead-lettered");
    assert_eq!(waiting(&broker, "escalation.dlq").await, 0, "no event dead-lettered");
    assert_eq!(waiting(&broker, "escalation").await, 0, "every held event handled");
    assert_eq!(waiting(&broker, "intake").await, 0, "nothing left on the intake queue");
}
