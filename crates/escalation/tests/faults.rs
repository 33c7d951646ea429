//! The escalation consumer when the database is unwell, over RabbitMQ with each store: while the
//! disk is full or the database read-only (SQLite's full file is left out: an escalation's few
//! rows may still fit in its free pages), the events are held (retried quickly, many times) and
//! none is dead-lettered; once it passes, every escalation opens.

mod support;

use std::time::Duration;

use jiesu_domain::ids::RequestId;
use jiesu_domain::messages::{EVENT, encode_event};
use jiesu_domain::ports::queue::dead_letter_queue;
use jiesu_domain::ports::{Cases, Message, Queue};
use jiesu_escalation::{ESCALATION_QUEUE, Escalator, TOPICS};
use jiesu_testkit::faults::{Fault, Faults};
use jiesu_testkit::queue_contract::recv;
use tokio_util::sync::CancellationToken;

async fn opened<S: Faults>(store: &S, ids: &[RequestId]) -> usize {
    let mut n = 0;
    for id in ids {
        n += support::count(store, *id, &["escalation_opened"]).await[0];
    }
    n
}

async fn events_are_held_until_it_passes<S: Faults + Cases, Q: Queue>(store: S, queue: Q, fault: Fault) {
    queue.declare(ESCALATION_QUEUE, TOPICS).await.expect("declare");
    let wf = support::workflow(store.clone());
    let ids = support::dispatched(&store, 3, jiesu_domain::time::now()).await;
    let mut messages = Vec::new();
    for id in &ids {
        support::exhaust(&wf, *id).await;
        for e in store.request_events(*id).await.expect("events") {
            if e.topic() == "event.request_escalated" {
                messages.push((e.topic(), Message::new(e.id.as_uuid(), EVENT, encode_event(&e))));
            }
        }
    }
    assert_eq!(messages.len(), ids.len(), "one escalated event per exhausted request");
    assert_eq!(opened(&store, &ids).await, 0, "nothing opened before the consumer runs");

    store.inject(fault).await;
    queue.publish(&messages).await.expect("publish");
    let stop = CancellationToken::new();
    let worker = Escalator::new(support::workflow(store.clone()), queue.clone(), 8)
        .retry_after(Duration::from_millis(20));
    let running = tokio::spawn(worker.run(stop.clone()));
    // Dozens of quick retries fit in this time: before the fix, five dead-lettered the event.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(opened(&store, &ids).await, 0, "{fault:?}: nothing could be written meanwhile");
    store.clear().await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while opened(&store, &ids).await < ids.len() {
        assert!(tokio::time::Instant::now() < deadline, "{fault:?}: every escalation opens once it passed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut dlq = queue.consume(&dead_letter_queue(ESCALATION_QUEUE), 10).await.expect("consume the DLQ");
    assert!(
        recv(&mut dlq, 10, Duration::from_millis(500)).await.is_empty(),
        "{fault:?}: nothing dead-lettered"
    );
    stop.cancel();
    running.await.expect("joined").expect("the worker ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_postgres_holds_the_events_and_dead_letters_none() {
    let (store, queue, _guard) = jiesu_testkit::at_scale().await;
    events_are_held_until_it_passes(store, queue, Fault::DiskFull).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_postgres_holds_the_events_and_dead_letters_none() {
    let (store, queue, _guard) = jiesu_testkit::at_scale().await;
    events_are_held_until_it_passes(store, queue, Fault::ReadOnly).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_sqlite_file_holds_the_events_and_dead_letters_none() {
    let (store, _db) = jiesu_testkit::sqlite_store().await;
    let (queue, _broker) = jiesu_testkit::amqp_queue().await;
    events_are_held_until_it_passes(store, queue, Fault::ReadOnly).await;
}
