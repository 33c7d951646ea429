//! The runtime's attempts, on both queues: counted on the message (so they survive a restart and
//! another worker sees them), never while the store is unwell, and started over on replay; poison
//! goes to the dead letters at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use jiesu_domain::ports::{Delivery, Message, Queue, Selection};
use jiesu_testkit::queue_contract::recv_n;
use jiesu_worker::{ATTEMPTS_HEADER, Failure, Handler, Worker, WorkerSettings, attempts};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const QUEUE: &str = "worker_test";
const MAX_ATTEMPTS: u32 = 3;

/// A handler whose work always fails; the store answers its ping when `healthy` says so.
#[derive(Debug, Clone, Default)]
struct Failing {
    healthy: Arc<AtomicBool>,
    calls: Arc<AtomicU32>,
}

impl Handler for Failing {
    type Work = Uuid;

    fn decode(&self, messages: &[&Message]) -> Vec<Result<Uuid, String>> {
        messages
            .iter()
            .map(|m| if m.kind == "work" { Ok(m.id) } else { Err(format!("unknown kind {}", m.kind)) })
            .collect()
    }

    async fn handle(&self, _work: Vec<Uuid>) -> Result<(), Failure> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(Failure::Failed("the store refused it".into()))
    }

    async fn healthy(&self) -> bool {
        self.healthy.load(Ordering::SeqCst)
    }
}

fn settings() -> WorkerSettings {
    WorkerSettings {
        queue: QUEUE.into(),
        prefetch: 10,
        take: 10,
        batch: 10,
        max_attempts: MAX_ATTEMPTS,
        retry_after: Duration::from_millis(10),
        consumers: 1,
    }
}

/// Waits until `n` messages are in the dead-letter queue (polled: consuming them would hold them).
async fn wait_dead<Q: Queue>(queue: &Q, n: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while queue.dead_letter_count(QUEUE).await.expect("count") < n {
        assert!(tokio::time::Instant::now() < deadline, "{n} dead letters within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn start<Q: Queue>(queue: &Q, handler: &Failing) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    queue.declare(QUEUE, &[]).await.expect("declare");
    let worker = Worker::new(queue.clone(), handler.clone(), settings());
    let stop = CancellationToken::new();
    let token = stop.clone();
    (stop, tokio::spawn(async move { worker.run(token).await.expect("the worker runs") }))
}

async fn a_failing_message_is_dead_lettered_after_its_attempts<Q: Queue>(queue: Q) {
    let handler = Failing::default();
    handler.healthy.store(true, Ordering::SeqCst);
    let (stop, task) = start(&queue, &handler).await;
    let id = Uuid::now_v7();
    queue.send(QUEUE, &[Message::new(id, "work", vec![])]).await.expect("send");
    wait_dead(&queue, 1).await;
    assert_eq!(handler.calls.load(Ordering::SeqCst), MAX_ATTEMPTS, "one call per attempt");
    stop.cancel();
    task.await.expect("stopped");
    let letters = queue.dead_letters(QUEUE, 10).await.expect("list");
    assert_eq!(letters[0].message.id, id);
    assert!(
        letters[0].reason.starts_with("failed 3 times with the database healthy"),
        "{}",
        letters[0].reason
    );
}

/// A message another worker (or this one before a restart) tried twice has one attempt left.
async fn the_count_on_the_message_survives_a_restart<Q: Queue>(queue: Q) {
    let handler = Failing::default();
    handler.healthy.store(true, Ordering::SeqCst);
    let (stop, task) = start(&queue, &handler).await;
    let tried = Message::new(Uuid::now_v7(), "work", vec![]).with_header(ATTEMPTS_HEADER, "2");
    queue.send(QUEUE, &[tried]).await.expect("send");
    wait_dead(&queue, 1).await;
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1, "the third attempt was the last");
    stop.cancel();
    task.await.expect("stopped");
}

async fn failures_while_the_store_is_unwell_are_not_attempts<Q: Queue>(queue: Q) {
    let handler = Failing::default();
    let (stop, task) = start(&queue, &handler).await;
    queue.send(QUEUE, &[Message::new(Uuid::now_v7(), "work", vec![])]).await.expect("send");
    // 10, 20, 40, 80, 160, 320 ms: many more tries than attempts allowed.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(handler.calls.load(Ordering::SeqCst) > MAX_ATTEMPTS, "tried again and again");
    assert_eq!(queue.dead_letter_count(QUEUE).await.expect("count"), 0, "nothing dead-lettered");
    handler.healthy.store(true, Ordering::SeqCst);
    let before = handler.calls.load(Ordering::SeqCst);
    wait_dead(&queue, 1).await;
    assert!(
        handler.calls.load(Ordering::SeqCst) - before <= MAX_ATTEMPTS,
        "counted from when it became healthy"
    );
    stop.cancel();
    task.await.expect("stopped");
}

async fn poison_is_dead_lettered_at_once_and_a_replay_starts_the_count_over<Q: Queue>(queue: Q) {
    let handler = Failing::default();
    handler.healthy.store(true, Ordering::SeqCst);
    let (stop, task) = start(&queue, &handler).await;
    let poison = Message::new(Uuid::now_v7(), "mystery", vec![]).with_header(ATTEMPTS_HEADER, "1");
    queue.send(QUEUE, std::slice::from_ref(&poison)).await.expect("send");
    wait_dead(&queue, 1).await;
    stop.cancel();
    task.await.expect("stopped");
    assert_eq!(handler.calls.load(Ordering::SeqCst), 0, "never handled");

    let letters = queue.dead_letters(QUEUE, 10).await.expect("list");
    assert_eq!(letters.len(), 1);
    assert!(letters[0].reason.contains("unknown kind mystery"), "{}", letters[0].reason);
    assert_eq!(queue.replay(QUEUE, &Selection::All).await.expect("replay"), 1);
    let mut again = queue.consume(QUEUE, 10).await.expect("consume");
    let back = recv_n(&mut again, 1).await;
    assert_eq!(back[0].message().id, poison.id);
    assert_eq!(attempts(back[0].message()), 0, "a replayed dead letter starts over");
}

/// Runs each named `async fn case(queue)` on the local queue and on RabbitMQ.
macro_rules! on_both_queues {
    ($($case:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (queue, _guard) = jiesu_testkit::local_queue().await;
                    super::$case(queue).await;
                }
            )*
        }
        mod amqp {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (queue, _guard) = jiesu_testkit::amqp_queue().await;
                    super::$case(queue).await;
                }
            )*
        }
    };
}

on_both_queues!(
    a_failing_message_is_dead_lettered_after_its_attempts,
    the_count_on_the_message_survives_a_restart,
    failures_while_the_store_is_unwell_are_not_attempts,
    poison_is_dead_lettered_at_once_and_a_replay_starts_the_count_over,
);
