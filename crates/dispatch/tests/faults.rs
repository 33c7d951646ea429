//! The dispatcher when the database is unwell, over RabbitMQ with each store: a full disk or a
//! read-only database holds the requests until it passes, however long and however many quick
//! retries that takes, and nothing goes to the dead-letter queue; a request the database refuses
//! while healthy goes there after its spaced attempts. (SQLite's local queue lives in the same
//! file, so a read-only SQLite file stops its queue too: RabbitMQ keeps the store's fault apart.)

use std::time::Duration;

use jiesu_dispatch::{DispatchSettings, Dispatcher};
use jiesu_domain::messages::{INTAKE_QUEUE, NEW_REQUEST, encode_new_request};
use jiesu_domain::ports::queue::dead_letter_queue;
use jiesu_domain::ports::{Delivery, Message, Queue};
use jiesu_domain::request::NewRequest;
use jiesu_testkit::faults::{Fault, Faults};
use jiesu_testkit::fixtures::{district, new_request};
use jiesu_testkit::queue_contract::{recv, recv_n};
use tokio_util::sync::CancellationToken;

/// Quick retries: before the fix, three failures within a few milliseconds dead-lettered a
/// request whatever the database's state.
fn settings() -> DispatchSettings {
    DispatchSettings {
        max_attempts: 3,
        retry_after: Duration::from_millis(20),
        ..DispatchSettings::default()
    }
}

fn message(r: &NewRequest) -> Message {
    Message::new(r.id.as_uuid(), NEW_REQUEST, encode_new_request(r))
}

async fn run_until_stopped<S: Faults, Q: Queue>(
    store: &S,
    queue: &Q,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    queue.declare(INTAKE_QUEUE, &[]).await.expect("declare");
    let d = Dispatcher::new(
        store.clone(),
        queue.clone(),
        jiesu_domain::live_district::LiveDistrict::new(district().clone()),
        settings(),
    );
    let stop = CancellationToken::new();
    let token = stop.clone();
    (stop, tokio::spawn(async move { d.run(token).await.expect("dispatcher runs") }))
}

async fn stored_count<S: Faults>(store: &S, requests: &[NewRequest]) -> usize {
    let mut n = 0;
    for r in requests {
        if store.request_by_tracking(&r.tracking).await.expect("read").is_some() {
            n += 1;
        }
    }
    n
}

async fn held_until_it_passes<S: Faults, Q: Queue>(store: S, queue: Q, faults: &[Fault]) {
    let (stop, task) = run_until_stopped(&store, &queue).await;
    let mut dlq = queue.consume(&dead_letter_queue(INTAKE_QUEUE), 50).await.expect("consume the DLQ");
    for &fault in faults {
        store.inject(fault).await;
        let requests: Vec<NewRequest> = (0..20).map(|_| new_request()).collect();
        let messages: Vec<Message> = requests.iter().map(message).collect();
        queue.send(INTAKE_QUEUE, &messages).await.expect("queued: the citizen was told received");
        // Dozens of the old quick retries fit in this time.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(stored_count(&store, &requests).await, 0, "{fault:?}: nothing could be stored");
        store.clear().await;
        for _ in 0..200 {
            if stored_count(&store, &requests).await == requests.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(stored_count(&store, &requests).await, requests.len(), "{fault:?}: every request stored");
    }
    let dead = recv(&mut dlq, 50, Duration::from_millis(500)).await;
    assert!(dead.is_empty(), "nothing dead-lettered, found {}", dead.len());
    stop.cancel();
    task.await.expect("stopped");
}

async fn refused_by_a_healthy_database_is_dead_lettered<S: Faults, Q: Queue>(store: S, queue: Q) {
    let (stop, task) = run_until_stopped(&store, &queue).await;
    store.inject(Fault::BadData).await;
    let r = new_request();
    queue.send(INTAKE_QUEUE, &[message(&r)]).await.expect("send");
    let mut dlq = queue.consume(&dead_letter_queue(INTAKE_QUEUE), 10).await.expect("consume the DLQ");
    let dead = recv_n(&mut dlq, 1).await;
    assert_eq!(dead[0].message().id, r.id.as_uuid());
    store.clear().await;
    stop.cancel();
    task.await.expect("stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_or_read_only_postgres_holds_the_requests_and_dead_letters_none() {
    let (store, queue, _guard) = jiesu_testkit::at_scale().await;
    held_until_it_passes(store, queue, &[Fault::DiskFull, Fault::ReadOnly]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_sqlite_file_holds_the_requests_and_dead_letters_none() {
    let (store, _db) = jiesu_testkit::sqlite_store().await;
    let (queue, _broker) = jiesu_testkit::amqp_queue().await;
    // Not a full file: the test's fault (`max_page_count`) belongs to the connection, which the
    // store replaces after SQLite rolled a failed write back (the faults contract covers it).
    held_until_it_passes(store, queue, &[Fault::ReadOnly]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_postgres_refuses_while_healthy_is_dead_lettered() {
    let (store, queue, _guard) = jiesu_testkit::at_scale().await;
    refused_by_a_healthy_database_is_dead_lettered(store, queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sqlite_refuses_while_healthy_is_dead_lettered() {
    let (store, _db) = jiesu_testkit::sqlite_store().await;
    let (queue, _broker) = jiesu_testkit::amqp_queue().await;
    refused_by_a_healthy_database_is_dead_lettered(store, queue).await;
}
