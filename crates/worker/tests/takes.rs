//! A take is handled in commits of `batch`: a role that commits message by message still takes
//! many at once (each take is a write on the local queue), and every message whose commit
//! succeeded is acknowledged, on both queues; several consumers overlap their commits.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiesu_domain::ports::{Consumer, Message, Queue};
use jiesu_worker::{Failure, Handler, Worker, WorkerSettings};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const QUEUE: &str = "worker_takes";

/// Records the messages of every commit; with `hold_first`, the first commit waits for a permit.
#[derive(Debug, Clone, Default)]
struct Recording {
    commits: Arc<Mutex<Vec<Vec<Uuid>>>>,
    hold_first: Option<Arc<tokio::sync::Semaphore>>,
}

impl Handler for Recording {
    type Work = Uuid;

    fn decode(&self, messages: &[&Message]) -> Vec<Result<Uuid, String>> {
        messages.iter().map(|m| Ok(m.id)).collect()
    }

    async fn handle(&self, work: Vec<Uuid>) -> Result<(), Failure> {
        let first = {
            let mut commits = self.commits.lock().expect("lock");
            commits.push(work);
            commits.len() == 1
        };
        if let (true, Some(hold)) = (first, &self.hold_first) {
            hold.acquire().await.expect("open").forget();
        }
        Ok(())
    }

    async fn healthy(&self) -> bool {
        true
    }
}

/// Sends twelve messages, then starts a worker with `consumers` taking `take` at once (all twelve
/// by default) in commits of `batch`.
async fn start<Q: Queue>(
    queue: &Q,
    handler: &Recording,
    batch: usize,
) -> (Vec<Message>, CancellationToken, tokio::task::JoinHandle<()>) {
    start_with(queue, handler, 12, batch, 1).await
}

async fn start_with<Q: Queue>(
    queue: &Q,
    handler: &Recording,
    take: usize,
    batch: usize,
    consumers: usize,
) -> (Vec<Message>, CancellationToken, tokio::task::JoinHandle<()>) {
    queue.declare(QUEUE, &[]).await.expect("declare");
    let sent: Vec<Message> = (0..12).map(|_| Message::new(Uuid::now_v7(), "work", vec![])).collect();
    queue.send(QUEUE, &sent).await.expect("send");
    let settings = WorkerSettings {
        queue: QUEUE.into(),
        prefetch: u16::try_from(take).expect("small"),
        take,
        batch,
        max_attempts: 3,
        retry_after: Duration::from_millis(10),
        consumers,
    };
    let worker = Worker::new(queue.clone(), handler.clone(), settings);
    let stop = CancellationToken::new();
    let token = stop.clone();
    (sent, stop, tokio::spawn(async move { worker.run(token).await.expect("the worker runs") }))
}

async fn twelve_messages_taken_at_once_are_committed_four_by_four_and_all_acknowledged<Q: Queue>(queue: Q) {
    let handler = Recording::default();
    let (sent, stop, task) = start(&queue, &handler, 4).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while handler.commits.lock().expect("lock").iter().map(Vec::len).sum::<usize>() < 12 {
        assert!(tokio::time::Instant::now() < deadline, "12 messages handled within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Acknowledged after the take's last commit: let that finish before stopping.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.cancel();
    task.await.expect("stopped");

    let commits = handler.commits.lock().expect("lock").clone();
    assert!(commits.iter().all(|c| !c.is_empty() && c.len() <= 4), "commits of at most 4: {commits:?}");
    let mut handled: Vec<Uuid> = commits.concat();
    handled.sort();
    let mut ids: Vec<Uuid> = sent.iter().map(|m| m.id).collect();
    ids.sort();
    assert_eq!(handled, ids, "each message handled once");

    let mut again = queue.consume(QUEUE, 12).await.expect("consume");
    let left = tokio::time::timeout(Duration::from_millis(500), again.next_batch(12)).await;
    assert!(left.is_err(), "every message was acknowledged; left: {:?}", left.map(|b| b.map(|b| b.len())));
}

/// Committing one by one still takes the whole take at once: while the first commit is in hand,
/// the local queue has nothing left to offer another consumer.
async fn commits_of_one_still_take_many_at_once<Q: Queue>(queue: Q) {
    let handler =
        Recording { hold_first: Some(Arc::new(tokio::sync::Semaphore::new(0))), ..Recording::default() };
    let (_sent, stop, task) = start(&queue, &handler, 1).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while handler.commits.lock().expect("lock").is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "a first commit within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut other = queue.consume(QUEUE, 12).await.expect("consume");
    let offered = tokio::time::timeout(Duration::from_millis(300), other.next_batch(12)).await;
    assert!(offered.is_err(), "all twelve were taken at once");
    drop(other);
    handler.hold_first.as_ref().expect("held").add_permits(1);
    while handler.commits.lock().expect("lock").len() < 12 {
        assert!(tokio::time::Instant::now() < deadline, "twelve commits within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.cancel();
    task.await.expect("stopped");
    assert!(handler.commits.lock().expect("lock").iter().all(|c| c.len() == 1));
}

/// Two consumers overlap: while one's commit is held, the other takes and commits the rest, and
/// every message is acknowledged in the end. With one consumer the rest would wait.
async fn two_consumers_commit_while_the_other_is_held<Q: Queue>(queue: Q) {
    let handler =
        Recording { hold_first: Some(Arc::new(tokio::sync::Semaphore::new(0))), ..Recording::default() };
    let (_sent, stop, task) = start_with(&queue, &handler, 4, 4, 2).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while handler.commits.lock().expect("lock").len() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "the other consumer commits the other eight");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handler.hold_first.as_ref().expect("held").add_permits(1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    task.await.expect("stopped");
    assert_eq!(handler.commits.lock().expect("lock").concat().len(), 12);
    let mut again = queue.consume(QUEUE, 12).await.expect("consume");
    let left = tokio::time::timeout(Duration::from_millis(500), again.next_batch(12)).await;
    assert!(left.is_err(), "every message was acknowledged");
}

mod local {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_consumers_commit_while_the_other_is_held() {
        let (queue, _guard) = jiesu_testkit::local_queue().await;
        super::two_consumers_commit_while_the_other_is_held(queue).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn twelve_messages_taken_at_once_are_committed_four_by_four_and_all_acknowledged() {
        let (queue, _guard) = jiesu_testkit::local_queue().await;
        super::twelve_messages_taken_at_once_are_committed_four_by_four_and_all_acknowledged(queue).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_of_one_still_take_many_at_once() {
        let (queue, _guard) = jiesu_testkit::local_queue().await;
        super::commits_of_one_still_take_many_at_once(queue).await;
    }
}

mod amqp {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_consumers_commit_while_the_other_is_held() {
        let (queue, _guard) = jiesu_testkit::amqp_queue().await;
        super::two_consumers_commit_while_the_other_is_held(queue).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn twelve_messages_taken_at_once_are_committed_four_by_four_and_all_acknowledged() {
        let (queue, _guard) = jiesu_testkit::amqp_queue().await;
        super::twelve_messages_taken_at_once_are_committed_four_by_four_and_all_acknowledged(queue).await;
    }
}
