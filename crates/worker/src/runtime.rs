//! The loop: take a batch, decode, handle, acknowledge; hold on outages; split failed batches;
//! count attempts on the message; dead-letter poison.

use std::future::Future;
use std::time::Duration;

use jiesu_domain::ports::queue::ATTEMPTS_HEADER;
use jiesu_domain::ports::{Consumer, Delivery, Message, Queue, QueueError};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::backoff::{Backoff, pause};

/// How many attempts at `message` failed against a healthy store, as the message says.
pub fn attempts(message: &Message) -> u32 {
    message.headers.get(ATTEMPTS_HEADER).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Why a handler could not do its work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The store's state stands in the way (unreachable, full, read-only, contended): wait it out;
    /// never an attempt.
    Unavailable(String),
    /// The work failed. An attempt if the store answers its ping; else the outage's doing.
    Failed(String),
    /// It can never succeed as it is: dead-letter it now.
    Poison(String),
}

impl From<jiesu_domain::ports::StoreError> for Failure {
    /// A store that is unwell is waited out; any other store error is a failed attempt.
    fn from(e: jiesu_domain::ports::StoreError) -> Self {
        match e {
            jiesu_domain::ports::StoreError::Unavailable(e) => Self::Unavailable(e),
            e => Self::Failed(e.to_string()),
        }
    }
}

/// A role on the runtime.
pub trait Handler: Send + Sync + 'static {
    /// A decoded message: what is retried (cloned per attempt).
    type Work: Clone + Send + Sync + 'static;

    /// Decodes a batch, one result per message, in order; an error is the message's poison. Takes
    /// the whole batch so a role can decide a batch on one snapshot (the district, the time).
    fn decode(&self, messages: &[&Message]) -> Vec<Result<Self::Work, String>>;

    /// Does the work of the given messages in one commit: all of it or none.
    fn handle(&self, work: Vec<Self::Work>) -> impl Future<Output = Result<(), Failure>> + Send;

    /// Whether the store answers now: a failure counts as an attempt only then.
    fn healthy(&self) -> impl Future<Output = bool> + Send;
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// The queue consumed (and where a message is put back for another attempt).
    pub queue: String,
    /// Unacknowledged messages the queue may hand us at once.
    pub prefetch: u16,
    /// Messages taken from the queue at once. Every take is a write on the local queue (a commit,
    /// an fsync), so a role that commits message by message still takes many.
    pub take: usize,
    /// Messages handled per commit; a take is handled in chunks of this size.
    pub batch: usize,
    /// Attempts, with the store healthy, before a message is dead-lettered.
    pub max_attempts: u32,
    /// The wait after a message's first failed attempt; it doubles after each (up to 5 s).
    pub retry_after: Duration,
    /// Consumers taking turns on the queue, each with its own subscription (its own channel on
    /// RabbitMQ) and its own commits: while one commits a take, another decodes the next.
    pub consumers: usize,
}

impl WorkerSettings {
    /// A role that reads each request's case for the events it is told about (the stats keeper,
    /// the notifier): one consumer, a request's events loaded once per batch of 64, 5 attempts.
    pub fn per_case(queue: &str, prefetch: u16) -> Self {
        Self {
            queue: queue.to_owned(),
            prefetch,
            take: usize::from(prefetch).min(128),
            batch: 64,
            max_attempts: 5,
            retry_after: Duration::from_millis(500),
            consumers: 1,
        }
    }
}

/// What became of work held in hand.
enum Held {
    Done,
    Failed(String),
    Poison(String),
    /// Shutting down while the store was unavailable: leave the messages to the queue.
    Abandoned,
}

#[derive(Debug)]
pub struct Worker<Q, H> {
    queue: Q,
    handler: H,
    settings: WorkerSettings,
}

type DeliveryOf<Q> = <<Q as Queue>::Consumer as Consumer>::Delivery;

impl<Q: Queue, H: Handler> Worker<Q, H> {
    pub fn new(queue: Q, handler: H, settings: WorkerSettings) -> Self {
        Self { queue, handler, settings }
    }

    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Consumes until `shutdown`, then finishes the batches in hand and returns. Fails only if it
    /// cannot subscribe at all.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        let consumers = (0..self.settings.consumers.max(1)).map(|_| self.consume(&shutdown));
        futures_util::future::try_join_all(consumers).await.map(|_| ())
    }

    /// One consumer's loop: a take at a time, settled whole before the next.
    async fn consume(&self, shutdown: &CancellationToken) -> Result<(), QueueError> {
        let s = &self.settings;
        let mut consumer = self.queue.consume(&s.queue, s.prefetch).await?;
        tracing::info!(queue.name = %s.queue, prefetch = s.prefetch, batch = s.batch, "worker started");
        let mut backoff = Backoff::outage();
        loop {
            let batch = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                batch = consumer.next_batch(s.take.max(s.batch).max(1)) => batch,
            };
            match batch {
                Ok(batch) => {
                    backoff.reset();
                    let span = tracing::debug_span!("batch", queue.name = %s.queue, batch.size = batch.len());
                    self.process(batch, shutdown).instrument(span).await;
                }
                // The queue's backend is failing (the broker, or the local queue's database): the
                // messages wait on the queue meanwhile.
                Err(e) => {
                    let wait = backoff.next_wait();
                    tracing::warn!(queue.name = %s.queue, error = %e, retry_in = ?wait, "cannot take messages");
                    if !pause(shutdown, wait).await {
                        break;
                    }
                }
            }
        }
        tracing::info!(queue.name = %s.queue, "worker stopped");
        Ok(())
    }

    /// Handles a take in commits of `batch` messages, then acknowledges at once every message
    /// whose commit succeeded (one multiple-ack on RabbitMQ, one statement on the local queue):
    /// every other message of the take is settled by then, as a multiple-ack requires.
    async fn process(&self, batch: Vec<DeliveryOf<Q>>, shutdown: &CancellationToken) {
        let decoded = {
            let messages: Vec<&Message> = batch.iter().map(Delivery::message).collect();
            self.handler.decode(&messages)
        };
        let mut work = Vec::with_capacity(batch.len());
        for (delivery, decoded) in batch.into_iter().zip(decoded) {
            match decoded {
                Ok(w) => work.push((delivery, w)),
                Err(reason) => {
                    tracing::error!(message.id = %delivery.message().id, error = %reason, "undecodable message: moving it to the dead-letter queue");
                    dead_letter(delivery, &reason).await;
                }
            }
        }
        let mut done = Vec::with_capacity(work.len());
        let mut work = work.into_iter().peekable();
        while work.peek().is_some() {
            let chunk: Vec<_> = work.by_ref().take(self.settings.batch.max(1)).collect();
            self.commit(chunk, shutdown, &mut done).await;
        }
        ack_all::<Q::Consumer>(done).await;
    }

    /// Handles one chunk in one commit; its deliveries go to `done` when it succeeds. A failed
    /// chunk is retried message by message, each settled on its own.
    async fn commit(
        &self,
        mut chunk: Vec<(DeliveryOf<Q>, H::Work)>,
        shutdown: &CancellationToken,
        done: &mut Vec<DeliveryOf<Q>>,
    ) {
        if chunk.len() == 1 {
            let (delivery, w) = chunk.pop().expect("one");
            if let Some(delivery) = self.alone(delivery, w, shutdown).await {
                done.push(delivery);
            }
            return;
        }
        let (deliveries, work): (Vec<_>, Vec<_>) = chunk.into_iter().unzip();
        match self.hold(&work, shutdown).await {
            Held::Done => done.extend(deliveries),
            Held::Abandoned => requeue_all(deliveries).await,
            Held::Failed(e) | Held::Poison(e) => {
                tracing::warn!(error = %e, batch.size = deliveries.len(), "batch failed; retrying its messages one by one");
                for (delivery, w) in deliveries.into_iter().zip(work) {
                    if let Some(delivery) = self.alone(delivery, w, shutdown).await {
                        done.push(delivery);
                    }
                }
            }
        }
    }

    /// Handles `work` (a copy per try), holding it while the store is unavailable.
    async fn hold(&self, work: &[H::Work], shutdown: &CancellationToken) -> Held {
        let mut backoff = Backoff::outage();
        loop {
            match self.handler.handle(work.to_vec()).await {
                Ok(()) => return Held::Done,
                Err(Failure::Unavailable(e)) => {
                    let wait = backoff.next_wait();
                    tracing::warn!(error = %e, retry_in = ?wait, "store unavailable; holding the work");
                    if !pause(shutdown, wait).await {
                        return Held::Abandoned;
                    }
                }
                Err(Failure::Failed(e)) => return Held::Failed(e),
                Err(Failure::Poison(e)) => return Held::Poison(e),
            }
        }
    }

    /// Handles one message; returns it when its commit succeeded, for the caller to acknowledge.
    /// A failure while the store does not answer its ping is the outage's doing: the message is
    /// held and tried again. One with the store healthy is an attempt:
    /// the message goes back on its queue with the count, or to the dead letters at the limit.
    async fn alone(
        &self,
        delivery: DeliveryOf<Q>,
        work: H::Work,
        shutdown: &CancellationToken,
    ) -> Option<DeliveryOf<Q>> {
        let id = delivery.message().id;
        let span = tracing::debug_span!("message", message.id = %id, queue.name = %self.settings.queue);
        async {
            let before = attempts(delivery.message());
            let mut wait = self.wait_after(before.max(1));
            loop {
                let error = match self.hold(std::slice::from_ref(&work), shutdown).await {
                    Held::Done => return Some(delivery),
                    Held::Abandoned => {
                        requeue_all(vec![delivery]).await;
                        return None;
                    }
                    Held::Poison(reason) => {
                        tracing::error!(error = %reason, "the handler says it can never succeed: moving it to the dead-letter queue");
                        dead_letter(delivery, &reason).await;
                        return None;
                    }
                    Held::Failed(e) => e,
                };
                if !self.handler.healthy().await {
                    tracing::warn!(retry_in = ?wait, error = %error, "failed while the store is unwell; holding it to try again");
                    if !pause(shutdown, wait).await {
                        requeue_all(vec![delivery]).await;
                    return None;
                    }
                    wait = (wait * 2).min(Backoff::MAX);
                    continue;
                }
                let attempts = before + 1;
                if attempts >= self.settings.max_attempts {
                    tracing::error!(attempts, error = %error, "keeps failing with the store healthy: moving it to the dead-letter queue");
                    let reason = format!("failed {attempts} times with the database healthy: {error}");
                    dead_letter(delivery, &reason).await;
                    return None;
                }
                let wait = self.wait_after(attempts);
                tracing::warn!(attempts, retry_in = ?wait, error = %error, "failed; holding it, then putting it back to try again");
                if !pause(shutdown, wait).await {
                    requeue_all(vec![delivery]).await;
                    return None;
                }
                self.put_back(delivery, attempts).await;
                return None;
            }
        }
        .instrument(span)
        .await
    }

    /// The wait after the `attempts`-th failed attempt: `retry_after`, doubling, up to 5 s.
    fn wait_after(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(16);
        (self.settings.retry_after * 2u32.pow(doublings)).min(Backoff::MAX)
    }

    /// Puts the message back on its queue carrying its attempt count: a confirmed copy first,
    /// then the original acknowledged. A crash between the two leaves both (consumers are
    /// idempotent); a copy the queue refuses leaves the original to be delivered again uncounted.
    #[tracing::instrument(skip_all, fields(queue.name = %self.settings.queue, attempts = attempts))]
    async fn put_back(&self, delivery: DeliveryOf<Q>, attempts: u32) {
        let again = delivery.message().clone().with_header(ATTEMPTS_HEADER, attempts.to_string());
        match self.queue.send(&self.settings.queue, &[again]).await {
            Ok(()) => ack_all::<Q::Consumer>(vec![delivery]).await,
            Err(e) => {
                tracing::warn!(error = %e, "cannot put the message back with its count; requeueing it as it is");
                requeue_all(vec![delivery]).await;
            }
        }
    }
}

/// Acknowledges deliveries whose work is committed, all at once.
async fn ack_all<C: Consumer>(deliveries: Vec<C::Delivery>) {
    let n = deliveries.len();
    if let Err(e) = C::ack_all(deliveries).await {
        // Committed already: the redeliveries will be recognised as duplicates.
        tracing::warn!(batch.size = n, error = %e, "ack failed after commit");
    }
}

/// Gives messages back undone (shutting down): they are delivered again, to this process after
/// a restart or to another worker. Bounded, so a dead backend cannot hold up the shutdown; the
/// queue redelivers an unsettled message anyway.
async fn requeue_all<D: Delivery>(deliveries: Vec<D>) {
    let requeues = futures_util::future::join_all(deliveries.into_iter().map(D::requeue));
    if tokio::time::timeout(Duration::from_secs(1), requeues).await.is_err() {
        tracing::debug!("requeue timed out; the queue will redeliver");
    }
}

async fn dead_letter<D: Delivery>(delivery: D, reason: &str) {
    let id = delivery.message().id;
    if let Err(e) = delivery.dead_letter(reason).await {
        tracing::warn!(message.id = %id, error = %e, "dead-lettering failed; the message will be delivered again");
    }
}
