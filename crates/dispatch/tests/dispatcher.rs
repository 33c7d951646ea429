//! The dispatcher against real backends: intake queue in, stored and routed requests out.

use std::time::Duration;

use jiesu_dispatch::{DispatchSettings, Dispatcher};
use jiesu_domain::messages::{INTAKE_QUEUE, NEW_REQUEST, encode_new_request};
use jiesu_domain::ports::queue::dead_letter_queue;
use jiesu_domain::ports::{Delivery, Message, Queue, RequestView, Store};
use jiesu_domain::request::{NewRequest, RequestStatus};
use jiesu_testkit::fixtures::{anonymous_request_by_address, district, new_request};
use jiesu_testkit::queue_contract::{recv, recv_n};
use tokio_util::sync::CancellationToken;

jiesu_testkit::on_both_backends!(
    a_queued_request_is_stored_and_routed_to_the_rule_s_bureau,
    a_request_no_rule_covers_goes_to_its_street_office,
    a_poison_message_is_dead_lettered_and_the_rest_go_on,
    a_redelivered_request_is_stored_once,
    shutdown_finishes_and_returns,
);

fn message(r: &NewRequest) -> Message {
    Message::new(r.id.as_uuid(), NEW_REQUEST, encode_new_request(r))
}

struct Running {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

async fn start<S: Store, Q: Queue>(store: &S, queue: &Q) -> Running {
    queue.declare(INTAKE_QUEUE, &[]).await.expect("declare");
    let d = Dispatcher::new(
        store.clone(),
        queue.clone(),
        jiesu_domain::live_district::LiveDistrict::new(district().clone()),
        DispatchSettings::default(),
    );
    let stop = CancellationToken::new();
    let token = stop.clone();
    let task = tokio::spawn(async move { d.run(token).await.expect("dispatcher runs") });
    Running { stop, task }
}

/// Polls until the request is stored: the dispatcher works asynchronously.
async fn stored<S: Store>(store: &S, r: &NewRequest) -> RequestView {
    for _ in 0..100 {
        if let Some(v) = store.request_by_tracking(&r.tracking).await.expect("read") {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("request {} was never stored", r.tracking)
}

async fn a_queued_request_is_stored_and_routed_to_the_rule_s_bureau<S: Store, Q: Queue>(store: S, queue: Q) {
    let run = start(&store, &queue).await;
    let r = new_request(); // a street light out: the sample rules name urban management
    queue.send(INTAKE_QUEUE, &[message(&r)]).await.expect("send");
    let v = stored(&store, &r).await;
    assert_eq!(v.request.status, RequestStatus::Dispatched);
    assert_eq!(v.request.area.as_ref().map(|a| a.as_str()), Some("pingshan.kengzi.kengzi"));
    assert_eq!(v.tasks.len(), 1);
    assert_eq!(v.tasks[0].bureau.as_str(), "urban-management");
    let events: Vec<&str> =
        store.request_events(r.id).await.expect("events").iter().map(|e| e.kind.name()).collect();
    assert_eq!(events, ["request_received", "request_routed", "task_dispatched"]);
    run.stop.cancel();
    run.task.await.expect("stopped");
    // Acknowledged after commit: a new consumer finds nothing left.
    let mut c = queue.consume(INTAKE_QUEUE, 10).await.expect("consume");
    assert!(recv(&mut c, 10, Duration::from_millis(500)).await.is_empty());
}

async fn a_request_no_rule_covers_goes_to_its_street_office<S: Store, Q: Queue>(store: S, queue: Q) {
    let run = start(&store, &queue).await;
    let r = anonymous_request_by_address(); // 其他, placed in Kengzi by its address
    queue.send(INTAKE_QUEUE, &[message(&r)]).await.expect("send");
    let v = stored(&store, &r).await;
    assert_eq!(v.tasks[0].bureau.as_str(), "street-kengzi");
    run.stop.cancel();
    run.task.await.expect("stopped");
}

async fn a_poison_message_is_dead_lettered_and_the_rest_go_on<S: Store, Q: Queue>(store: S, queue: Q) {
    let run = start(&store, &queue).await;
    let poison =
        Message::new(uuid::Uuid::now_v7(), NEW_REQUEST, b"{\"version\": 1, \"request\": 42}".to_vec());
    let r = new_request();
    queue.send(INTAKE_QUEUE, &[poison.clone(), message(&r)]).await.expect("send");
    stored(&store, &r).await;
    let mut dlq = queue.consume(&dead_letter_queue(INTAKE_QUEUE), 10).await.expect("consume DLQ");
    let dead = recv_n(&mut dlq, 1).await;
    assert_eq!(dead[0].message().id, poison.id);
    run.stop.cancel();
    run.task.await.expect("the dispatcher survived the poison message");
}

async fn a_redelivered_request_is_stored_once<S: Store, Q: Queue>(store: S, queue: Q) {
    let run = start(&store, &queue).await;
    let r = new_request();
    queue.send(INTAKE_QUEUE, &[message(&r), message(&r)]).await.expect("send twice");
    let mut resend = new_request();
    resend.channel_ref = r.channel_ref.clone(); // the client resent with the same key
    queue.send(INTAKE_QUEUE, &[message(&resend)]).await.expect("send");
    let v = stored(&store, &r).await;
    // Give the repeats time to be processed, then check nothing was written twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(v.tasks.len(), 1);
    assert_eq!(store.request_events(r.id).await.expect("events").len(), 3);
    assert!(store.request_by_tracking(&resend.tracking).await.expect("read").is_none());
    run.stop.cancel();
    run.task.await.expect("stopped");
}

async fn shutdown_finishes_and_returns<S: Store, Q: Queue>(store: S, queue: Q) {
    let run = start(&store, &queue).await;
    run.stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), run.task).await.expect("stops promptly").expect("cleanly");
}

/// A failing queue backend does not stop the dispatcher (and with it the process): it waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatcher_outlives_a_failing_local_queue() {
    let (store, queue, _guard) = jiesu_testkit::embedded().await;
    let run = start(&store, &queue).await;
    store.pools().writer.close().await; // every queue operation now fails
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(!run.task.is_finished(), "the dispatcher keeps retrying");
    run.stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), run.task)
        .await
        .expect("stops on shutdown")
        .expect("cleanly");
}
