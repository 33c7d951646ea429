//! The durable local queue: messages are rows in the SQLite database the store uses.
//!
//! Writes (send, publish, ack, requeue, dead-letter) go to one writer task that groups whatever
//! is waiting into a single transaction: one fsync confirms many messages, the way a broker
//! batches publisher confirms. Consumers lease rows; a lease that runs out (its consumer died)
//! makes the row deliverable again, marked as redelivered.

mod dead;
mod writer;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use jiesu_domain::ports::queue::{
    Consumer, DeadLetter, Delivery, Message, Queue, QueueError, Selection, dead_letter_queue,
};
use jiesu_sql::to_micros;
use sqlx::SqlitePool;
use tokio::sync::{Notify, mpsc, oneshot};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct LocalSettings {
    /// How long a consumer may hold a message before it is offered again.
    pub lease: Duration,
    /// How often an idle consumer looks for messages written by another process.
    pub poll: Duration,
}

impl Default for LocalSettings {
    fn default() -> Self {
        Self { lease: Duration::from_secs(60), poll: Duration::from_millis(250) }
    }
}

#[derive(Debug, Clone)]
pub struct LocalQueue {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    writer: SqlitePool,
    ops: mpsc::Sender<Op>,
    /// Woken after every commit, so waiting consumers look again at once.
    written: Arc<Notify>,
    settings: LocalSettings,
}

type Reply = oneshot::Sender<Result<(), QueueError>>;

#[derive(Debug)]
pub(super) enum Op {
    Send {
        queue: String,
        messages: Vec<Message>,
        done: Reply,
    },
    Publish {
        messages: Vec<(String, Message)>,
        done: Reply,
    },
    Settle {
        seq: i64,
        owner: Uuid,
        how: Settlement,
        done: Option<Reply>,
    },
    /// Acknowledges many of one consumer's messages in one statement.
    AckAll {
        seqs: Vec<i64>,
        owner: Uuid,
        done: Reply,
    },
    Release {
        owner: Uuid,
    },
}

#[derive(Debug)]
pub(super) enum Settlement {
    Ack,
    Requeue,
    DeadLetter(String),
}

fn unavailable(e: sqlx::Error) -> QueueError {
    QueueError::Unavailable(e.to_string())
}

impl LocalQueue {
    /// Starts the writer task on the database's single writer pool (shared with the store).
    pub fn new(writer: SqlitePool, settings: LocalSettings) -> Self {
        let (ops, rx) = mpsc::channel(4096);
        let written = Arc::new(Notify::new());
        tokio::spawn(writer::write_loop(writer.clone(), rx, written.clone()));
        Self { inner: Arc::new(Inner { writer, ops, written, settings }) }
    }

    /// Makes every leased message deliverable again. The embedded deployment runs one process
    /// per database file, so at start-up any lease belongs to a process that died.
    pub async fn release_all_leases(&self) -> Result<u64, QueueError> {
        let done = sqlx::query(
            "UPDATE queue_messages SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL",
        )
        .execute(&self.inner.writer)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected())
    }

    /// Messages waiting (or leased) in a queue: for readiness checks and tests.
    pub async fn depth(&self, queue: &str) -> Result<u64, QueueError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM queue_messages WHERE queue = $1")
            .bind(queue)
            .fetch_one(&self.inner.writer)
            .await
            .map_err(unavailable)?;
        Ok(n.max(0) as u64)
    }

    async fn submit(&self, op: impl FnOnce(Reply) -> Op) -> Result<(), QueueError> {
        let (done, wait) = oneshot::channel();
        self.inner
            .ops
            .send(op(done))
            .await
            .map_err(|_| QueueError::Unavailable("local queue is shut down".into()))?;
        wait.await.map_err(|_| QueueError::Unavailable("local queue writer stopped".into()))?
    }
}

impl Queue for LocalQueue {
    type Consumer = LocalConsumer;

    #[tracing::instrument(level = "debug", name = "queue.declare", skip_all, fields(queue.kind = "local", queue.name = queue))]
    async fn declare(&self, queue: &str, topics: &[&str]) -> Result<(), QueueError> {
        let mut tx = self.inner.writer.begin_with("BEGIN IMMEDIATE").await.map_err(unavailable)?;
        for q in [queue.to_owned(), dead_letter_queue(queue)] {
            sqlx::query("INSERT INTO queue_declared (queue) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(q)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        for t in topics {
            sqlx::query("INSERT INTO queue_bindings (queue, pattern) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(queue)
                .bind(*t)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    #[tracing::instrument(level = "debug", name = "queue.send", skip_all, fields(queue.kind = "local", queue.name = queue, batch.size = messages.len()))]
    async fn send(&self, queue: &str, messages: &[Message]) -> Result<(), QueueError> {
        let (queue, messages) = (queue.to_owned(), messages.to_vec());
        self.submit(|done| Op::Send { queue, messages, done }).await
    }

    #[tracing::instrument(level = "debug", name = "queue.publish", skip_all, fields(queue.kind = "local", batch.size = messages.len()))]
    async fn publish(&self, messages: &[(String, Message)]) -> Result<(), QueueError> {
        let messages = messages.to_vec();
        self.submit(|done| Op::Publish { messages, done }).await
    }

    async fn consume(&self, queue: &str, prefetch: u16) -> Result<LocalConsumer, QueueError> {
        Ok(LocalConsumer {
            inner: self.inner.clone(),
            queue: queue.to_owned(),
            owner: Uuid::now_v7(),
            prefetch: usize::from(prefetch.max(1)),
            outstanding: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// The database file answers on the writer's connection, which every send needs.
    async fn health(&self) -> Result<(), QueueError> {
        sqlx::query("SELECT 1").execute(&self.inner.writer).await.map_err(unavailable)?;
        Ok(())
    }

    async fn dead_letter_count(&self, queue: &str) -> Result<u64, QueueError> {
        self.depth(&dead_letter_queue(queue)).await
    }

    async fn dead_letters(&self, queue: &str, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        dead::list(&self.inner.writer, queue, limit).await
    }

    #[tracing::instrument(name = "queue.replay", skip_all, fields(queue.kind = "local", queue.name = queue))]
    async fn replay(&self, queue: &str, which: &Selection) -> Result<usize, QueueError> {
        let n = dead::apply(&self.inner.writer, queue, which, dead::Action::Replay).await?;
        // Consumers waiting on this process's queue look again at once.
        self.inner.written.notify_waiters();
        Ok(n)
    }

    #[tracing::instrument(name = "queue.discard", skip_all, fields(queue.kind = "local", queue.name = queue))]
    async fn discard(&self, queue: &str, which: &Selection) -> Result<usize, QueueError> {
        dead::apply(&self.inner.writer, queue, which, dead::Action::Discard).await
    }
}

#[derive(Debug)]
pub struct LocalConsumer {
    inner: Arc<Inner>,
    queue: String,
    /// Leases are taken in this consumer's name; settling checks it.
    owner: Uuid,
    prefetch: usize,
    outstanding: Arc<AtomicUsize>,
}

type LeasedRow = (i64, Uuid, String, Vec<u8>, String, i64);

impl LocalConsumer {
    async fn lease(&self, n: usize) -> Result<Vec<LeasedRow>, QueueError> {
        let now = jiesu_domain::time::now();
        let until =
            now + chrono::Duration::from_std(self.inner.settings.lease).unwrap_or(chrono::Duration::MAX);
        let mut rows: Vec<LeasedRow> = sqlx::query_as(
            "UPDATE queue_messages SET lease_owner = $1, lease_until = $2, deliveries = deliveries + 1
             WHERE seq IN (SELECT seq FROM queue_messages
                           WHERE queue = $3 AND (lease_until IS NULL OR lease_until < $4)
                           ORDER BY seq LIMIT $5)
             RETURNING seq, id, kind, payload, headers, deliveries",
        )
        .bind(self.owner)
        .bind(to_micros(until))
        .bind(&self.queue)
        .bind(to_micros(now))
        .bind(n as i64)
        .fetch_all(&self.inner.writer)
        .await
        .map_err(unavailable)?;
        rows.sort_by_key(|r| r.0);
        Ok(rows)
    }
}

impl Consumer for LocalConsumer {
    type Delivery = LocalDelivery;

    async fn next_batch(&mut self, max: usize) -> Result<Vec<LocalDelivery>, QueueError> {
        loop {
            // Register for the wake-up before looking, so a commit in between is not missed.
            let written = self.inner.written.clone();
            let notified = written.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();

            let room = self.prefetch.saturating_sub(self.outstanding.load(Ordering::Acquire));
            if room > 0 {
                let rows = self.lease(room.min(max.max(1))).await?;
                if !rows.is_empty() {
                    self.outstanding.fetch_add(rows.len(), Ordering::AcqRel);
                    return Ok(rows.into_iter().map(|r| self.delivery(r)).collect());
                }
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep(self.inner.settings.poll) => {}
            }
        }
    }

    /// One `DELETE` for the take, in the writer's next group commit.
    #[tracing::instrument(level = "debug", name = "queue.ack_all", skip_all, fields(batch.size = deliveries.len()))]
    async fn ack_all(deliveries: Vec<LocalDelivery>) -> Result<(), QueueError> {
        let Some(first) = deliveries.first() else {
            return Ok(());
        };
        let (ops, outstanding, owner) = (first.ops.clone(), first.outstanding.clone(), first.owner);
        // One consumer's deliveries share its owner; any other is settled on its own.
        let (mine, others): (Vec<_>, Vec<_>) = deliveries.into_iter().partition(|d| d.owner == owner);
        for d in others {
            d.ack().await?;
        }
        outstanding.fetch_sub(mine.len(), Ordering::AcqRel);
        let seqs = mine.iter().map(|d| d.seq).collect();
        let (done, wait) = oneshot::channel();
        ops.send(Op::AckAll { seqs, owner, done })
            .await
            .map_err(|_| QueueError::Unavailable("local queue is shut down".into()))?;
        wait.await.map_err(|_| QueueError::Unavailable("local queue writer stopped".into()))?
    }
}

impl LocalConsumer {
    fn delivery(&self, (seq, id, kind, payload, headers, deliveries): LeasedRow) -> LocalDelivery {
        let headers: BTreeMap<String, String> = serde_json::from_str(&headers).unwrap_or_default();
        LocalDelivery {
            message: Message { id, kind, payload, headers },
            seq,
            redelivered: deliveries > 1,
            owner: self.owner,
            ops: self.inner.ops.clone(),
            outstanding: self.outstanding.clone(),
        }
    }
}

/// A delivery dropped without a decision stays leased, as an unacked AMQP delivery stays with its
/// channel; it comes back when its consumer goes away (or its lease runs out).
impl Drop for LocalConsumer {
    /// A consumer that goes away gives its messages back at once rather than when leases expire.
    fn drop(&mut self) {
        let _ = self.inner.ops.try_send(Op::Release { owner: self.owner });
    }
}

#[derive(Debug)]
pub struct LocalDelivery {
    message: Message,
    seq: i64,
    redelivered: bool,
    owner: Uuid,
    ops: mpsc::Sender<Op>,
    outstanding: Arc<AtomicUsize>,
}

impl LocalDelivery {
    async fn settle(self, how: Settlement) -> Result<(), QueueError> {
        self.outstanding.fetch_sub(1, Ordering::AcqRel);
        let (done, wait) = oneshot::channel();
        let op = Op::Settle { seq: self.seq, owner: self.owner, how, done: Some(done) };
        self.ops.send(op).await.map_err(|_| QueueError::Unavailable("local queue is shut down".into()))?;
        wait.await.map_err(|_| QueueError::Unavailable("local queue writer stopped".into()))?
    }
}

impl Delivery for LocalDelivery {
    fn message(&self) -> &Message {
        &self.message
    }

    fn redelivered(&self) -> bool {
        self.redelivered
    }

    #[tracing::instrument(level = "debug", name = "queue.ack", skip_all, fields(message.id = %self.message.id))]
    async fn ack(self) -> Result<(), QueueError> {
        self.settle(Settlement::Ack).await
    }

    #[tracing::instrument(level = "debug", name = "queue.requeue", skip_all, fields(message.id = %self.message.id))]
    async fn requeue(self) -> Result<(), QueueError> {
        self.settle(Settlement::Requeue).await
    }

    #[tracing::instrument(level = "debug", name = "queue.dead_letter", skip_all, fields(message.id = %self.message.id))]
    async fn dead_letter(self, reason: &str) -> Result<(), QueueError> {
        self.settle(Settlement::DeadLetter(reason.to_owned())).await
    }
}
