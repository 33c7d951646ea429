//! The outbox relay: events are committed with the state change they describe (so none is lost
//! and none describes a change that did not happen), each with a row in the outbox; the relay
//! leases a batch of outbox rows, publishes their events to the events topic, and deletes the
//! rows once the queue confirmed: two statements per batch, and the events themselves are never
//! written again (they are the request's history).
//!
//! Delivery is at-least-once: a relay that dies between publishing and marking leaves its lease
//! to expire, and the events are published again. Consumers deduplicate by event id. Several
//! relays may run at once: leases give each a different set.
//!
//! The relay loops over a table, not a queue, so it is not a handler on the consumer runtime; it
//! shares the runtime's pause (cut short by shutdown). An event caused by an HTTP request is
//! published with that request's id in the `request_id` header.

use std::time::Duration;

use jiesu_domain::messages::{EVENT, encode_event};
use jiesu_domain::ports::queue::REQUEST_ID_HEADER;
use jiesu_domain::ports::{Message, OutboxEvent, Queue, Store};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct RelaySettings {
    pub batch: u32,
    /// How long a relay may take to publish what it leased before another relay takes over.
    pub lease: Duration,
    /// How long to wait when the outbox is empty.
    pub idle: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self { batch: 500, lease: Duration::from_secs(30), idle: Duration::from_millis(200) }
    }
}

#[derive(Debug)]
pub struct Relay<S, Q> {
    store: S,
    queue: Q,
    settings: RelaySettings,
}

impl<S: Store, Q: Queue> Relay<S, Q> {
    pub fn new(store: S, queue: Q, settings: RelaySettings) -> Self {
        Self { store, queue, settings }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!("outbox relay started");
        while !shutdown.is_cancelled() {
            let pause = match self.relay_once().await {
                Ok(0) => self.settings.idle,
                Ok(_) => Duration::ZERO,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox relay failed; retrying");
                    self.settings.idle.max(Duration::from_secs(1))
                }
            };
            if !pause.is_zero() && !jiesu_worker::pause(&shutdown, pause).await {
                break;
            }
        }
        tracing::info!("outbox relay stopped");
    }

    /// Publishes one batch; returns how many events it published.
    #[tracing::instrument(name = "relay", skip_all, fields(batch.size = self.settings.batch))]
    pub async fn relay_once(&self) -> Result<usize, String> {
        let now = jiesu_domain::time::now();
        let lease = chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::seconds(30));
        let leased = self
            .store
            .lease_outbox(self.settings.batch, now, now + lease)
            .await
            .map_err(|e| e.to_string())?;
        if leased.is_empty() {
            return Ok(0);
        }
        let messages: Vec<(String, Message)> = leased.iter().map(message).collect();
        self.queue.publish(&messages).await.map_err(|e| e.to_string())?;
        let seqs: Vec<i64> = leased.iter().map(|o| o.seq).collect();
        self.store.mark_published(&seqs).await.map_err(|e| e.to_string())?;
        tracing::debug!(count = seqs.len(), "events published");
        Ok(seqs.len())
    }
}

/// What the relay publishes for an event: its topic, and the message (its id is the event's, for
/// consumers to deduplicate by).
pub fn message(o: &OutboxEvent) -> (String, Message) {
    let m = Message::new(o.event.id.as_uuid(), EVENT, encode_event(&o.event));
    let m = match &o.event.http_request_id {
        Some(id) => m.with_header(REQUEST_ID_HEADER, id.as_str()),
        None => m,
    };
    (o.event.topic(), m)
}
