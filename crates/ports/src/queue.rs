//! The queue port: durable point-to-point queues (the intake queue) and a topic for events, with
//! explicit acknowledgement and a dead-letter queue beside every queue.
//!
//! Delivery is at-least-once: a message whose consumer dies before `ack` is delivered again, so
//! every consumer must be idempotent.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A message as the queue carries it: opaque bytes plus the little a consumer needs to route,
/// trace and deduplicate it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: Uuid,
    /// What the payload is (`new_request`, `event`): lets a consumer refuse what it cannot read.
    pub kind: String,
    pub payload: Vec<u8>,
    /// Tracing context (`request_id`) and similar metadata. Never personal data.
    pub headers: BTreeMap<String, String>,
}

impl Message {
    pub fn new(id: Uuid, kind: impl Into<String>, payload: Vec<u8>) -> Self {
        Self { id, kind: kind.into(), payload, headers: BTreeMap::new() }
    }

    pub fn with_header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(key.into(), value.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// The broker or database behind the queue cannot be reached; retrying later may work.
    #[error("queue unavailable: {0}")]
    Unavailable(String),
    /// The queue refused the message (a negative publisher confirm).
    #[error("the queue refused the message: {0}")]
    Refused(String),
    #[error("unexpected queue error: {0}")]
    Unexpected(String),
}

/// The header carrying the id of the HTTP request that caused a message (`x-request-id`), so a
/// consumer's logs and the events it writes can be tied to it.
pub const REQUEST_ID_HEADER: &str = "request_id";

/// The header counting a message's failed attempts against a healthy store (absent: none). The
/// consumer runtime increments it when it puts a message back; a replayed dead letter starts over
/// without it.
pub const ATTEMPTS_HEADER: &str = "x-jiesu-attempts";

/// The name of the dead-letter queue that collects what a consumer of `queue` could not process.
pub fn dead_letter_queue(queue: &str) -> String {
    format!("{queue}.dlq")
}

pub trait Queue: Clone + Send + Sync + 'static {
    type Consumer: Consumer;

    /// Declares a durable queue, its dead-letter queue, and its bindings to event topics (AMQP
    /// topic patterns: `event.*`, `event.#`). Idempotent: every process declares what it uses.
    fn declare(&self, queue: &str, topics: &[&str]) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Appends messages to a queue. Returns only when the queue has durably accepted every one of
    /// them (publisher confirms, or a committed transaction): only then may a citizen be told
    /// their request was received.
    fn send(&self, queue: &str, messages: &[Message]) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Publishes `(topic, message)` pairs to the events topic; each queue bound to a matching
    /// pattern gets a copy, and a topic nobody listens to drops the message. Confirmed like `send`.
    fn publish(&self, messages: &[(String, Message)]) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Starts consuming; at most `prefetch` messages are delivered and not yet acknowledged.
    fn consume(
        &self,
        queue: &str,
        prefetch: u16,
    ) -> impl Future<Output = Result<Self::Consumer, QueueError>> + Send;

    /// Whether the queue can accept a send now (the broker connection is open, or the database
    /// holding the local queue answers). Cheap: readiness probes call it. Callers bound it with a
    /// timeout, since a hung broker or database makes it wait.
    fn health(&self) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// How many messages wait in `queue`'s dead-letter queue: for the alert and the metric.
    fn dead_letter_count(&self, queue: &str) -> impl Future<Output = Result<u64, QueueError>> + Send;

    /// Up to `limit` messages of `queue`'s dead-letter queue, oldest first, left in place.
    fn dead_letters(
        &self,
        queue: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DeadLetter>, QueueError>> + Send;

    /// Sends the chosen dead letters of `queue` back onto `queue` (confirmed, without the
    /// dead-letter marks), then removes them from its dead-letter queue. Returns how many were
    /// replayed. A crash between the two leaves a copy in both places: consumers are idempotent.
    fn replay(
        &self,
        queue: &str,
        which: &Selection,
    ) -> impl Future<Output = Result<usize, QueueError>> + Send;

    /// Removes the chosen dead letters of `queue` for good. Returns how many.
    fn discard(
        &self,
        queue: &str,
        which: &Selection,
    ) -> impl Future<Output = Result<usize, QueueError>> + Send;
}

/// A message in a dead-letter queue, with what is known of how it got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The message as it was when it died (its dead-letter marks removed).
    pub message: Message,
    /// The queue it was dead-lettered from (logical name, without a deployment prefix).
    pub queue: String,
    /// Why, in the consumer's words; or the broker's (`rejected`, `expired`, ...) for a message
    /// the broker moved itself.
    pub reason: String,
    /// When it was dead-lettered, if known.
    pub dead_at: Option<DateTime<Utc>>,
    /// How many times it had been delivered. A lower bound on RabbitMQ, whose classic queues
    /// only tell whether a message was delivered before.
    pub deliveries: u32,
}

/// Which dead letters an operation applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    /// By message id. Every copy of a message that died twice (a redelivery) is included.
    Ids(Vec<Uuid>),
}

impl Selection {
    pub fn includes(&self, id: &Uuid) -> bool {
        match self {
            Self::All => true,
            Self::Ids(ids) => ids.contains(id),
        }
    }
}

pub trait Consumer: Send + 'static {
    type Delivery: Delivery;

    /// Waits for a delivery, then takes whatever else is ready, up to `max`: consumers batch
    /// their database work without delaying a lone message.
    fn next_batch(
        &mut self,
        max: usize,
    ) -> impl Future<Output = Result<Vec<Self::Delivery>, QueueError>> + Send;

    /// Acknowledges at once deliveries one consumer took, their work committed: RabbitMQ sends
    /// one multiple-ack for the highest, the local queue deletes them in one statement. A
    /// multiple-ack also acknowledges every earlier delivery of the consumer's channel, so the
    /// caller must have settled those first (the worker runtime settles a whole take before it
    /// takes the next).
    fn ack_all(deliveries: Vec<Self::Delivery>) -> impl Future<Output = Result<(), QueueError>> + Send;
}

pub trait Delivery: Send + Sync + 'static {
    fn message(&self) -> &Message;

    /// Whether this message may have been delivered before (to a consumer that died before ack).
    fn redelivered(&self) -> bool;

    /// Done: the work it caused is committed.
    fn ack(self) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Not done, try again later (e.g. the database is down).
    fn requeue(self) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Can never be processed (it does not decode): move it to the dead-letter queue so it
    /// neither blocks the queue nor gets lost.
    fn dead_letter(self, reason: &str) -> impl Future<Output = Result<(), QueueError>> + Send;
}

/// AMQP topic matching: words separated by `.`, `*` matches one word, `#` zero or more. The
/// local queue uses it to behave exactly like RabbitMQ's topic exchange.
pub fn topic_matches(pattern: &str, topic: &str) -> bool {
    fn go(p: &[&str], t: &[&str]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(&"#"), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &t[1..]),
            (Some(pw), Some(tw)) if pw == tw => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let t: Vec<&str> = topic.split('.').collect();
    go(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::topic_matches;

    #[test]
    fn topic_patterns_match_like_rabbitmq() {
        assert!(topic_matches("event.*", "event.task_claimed"));
        assert!(!topic_matches("event.*", "event.task.claimed"));
        assert!(topic_matches("event.#", "event.task.claimed"));
        assert!(topic_matches("event.#", "event"));
        assert!(topic_matches("#", "anything.at.all"));
        assert!(topic_matches("event.task_claimed", "event.task_claimed"));
        assert!(!topic_matches("event.task_claimed", "event.task_resolved"));
        assert!(topic_matches("*.task_claimed", "event.task_claimed"));
    }
}
