//! The dispatcher. It takes new requests off the intake queue in batches and, for each batch, in
//! one transaction: stores the requests (idempotently), places them in an area, routes them by
//! the responsibility list, creates the lead tasks and appends the events. Only after the commit
//! does it acknowledge the messages.
//!
//! - A message that cannot be decoded goes to the dead-letter queue; the rest of the batch goes on.
//! - While the database's state stands in the way (unreachable, refusing connections, full,
//!   read-only: `StoreError::Unavailable`) the batch is held and retried with backoff; nothing is
//!   acknowledged, so nothing is lost if the process dies meanwhile.
//! - If a batch fails for another reason, its requests are retried one by one, so one bad
//!   request cannot hold back the others. Each is held and retried with backoff; an attempt
//!   counts only while the database answers its ping, and a request that fails
//!   `max_attempts` times with the database healthy can never succeed as it is: it is
//!   dead-lettered with its cause. A dead letter is a message, never a casualty of an outage.

use std::time::Duration;

use jiesu_domain::admission::{Admission, admit};
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::messages::{INTAKE_QUEUE, decode_new_request};
use jiesu_domain::ports::{Consumer, Delivery, IngestOutcome, Queue, QueueError, Store, StoreError};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// Unacknowledged messages the broker may hand us at once.
    pub prefetch: u16,
    /// Requests stored per transaction.
    pub batch: usize,
    /// Attempts, with the database healthy, before a request that fails on its own is
    /// dead-lettered.
    pub max_attempts: u32,
    /// The wait after a request's first failed attempt; it doubles after each (up to 5 s).
    pub retry_after: Duration,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        // 0.5 + 1 + 2 + 4 s: a request is dead-lettered only after it failed for 7.5 s.
        Self { prefetch: 200, batch: 100, max_attempts: 5, retry_after: Duration::from_millis(500) }
    }
}

/// The longest wait between two attempts while the database is unwell.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Dispatcher<S, Q> {
    store: S,
    queue: Q,
    district: LiveDistrict,
    settings: DispatchSettings,
}

/// One decoded message and what it became.
struct Work<D> {
    delivery: D,
    admission: Admission,
}

enum Stored {
    Done,
    /// The database refused this work for a reason that is not an outage.
    Failed(StoreError),
    /// Shutting down while the database was unreachable: leave it unacknowledged.
    Abandoned,
}

impl<S: Store, Q: Queue> Dispatcher<S, Q> {
    pub fn new(store: S, queue: Q, district: LiveDistrict, settings: DispatchSettings) -> Self {
        Self { store, queue, district, settings }
    }

    /// Consumes until `shutdown`, then finishes the batch in hand and returns. Fails only if it
    /// cannot subscribe at all.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        let mut consumer = self.queue.consume(INTAKE_QUEUE, self.settings.prefetch).await?;
        tracing::info!(prefetch = self.settings.prefetch, batch = self.settings.batch, "dispatcher started");
        let mut backoff = Duration::from_millis(100);
        loop {
            let batch = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                batch = consumer.next_batch(self.settings.batch) => batch,
            };
            match batch {
                Ok(batch) => {
                    backoff = Duration::from_millis(100);
                    let span = tracing::debug_span!("dispatch_batch", size = batch.len());
                    self.handle(batch, &shutdown).instrument(span).await;
                }
                // The queue's backend is failing (the local queue's database, say): keep trying;
                // the messages wait on the queue meanwhile.
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "cannot take messages from the intake queue");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        tracing::info!("dispatcher stopped");
        Ok(())
    }

    async fn handle(&self, batch: Vec<<Q::Consumer as Consumer>::Delivery>, shutdown: &CancellationToken) {
        let now = jiesu_domain::time::now();
        // One snapshot per batch: a reload meanwhile applies from the next batch on.
        let district = self.district.current();
        let mut work = Vec::with_capacity(batch.len());
        for delivery in batch {
            let m = delivery.message();
            match decode_new_request(&m.kind, &m.payload) {
                Ok(new) => {
                    // Ties the HTTP request that brought it in to everything the dispatcher logs about it.
                    let http = m.headers.get("request_id").map(String::as_str).unwrap_or_default();
                    tracing::debug!(request.id = %new.id, http.request_id = http, redelivered = delivery.redelivered(), "dispatching");
                    work.push(Work { admission: admit(new, &district, now), delivery });
                }
                Err(e) => {
                    tracing::error!(message.id = %m.id, error = %e, "undecodable message: moving it to the dead-letter queue");
                    let reason = e.to_string();
                    if let Err(e) = delivery.dead_letter(&reason).await {
                        tracing::warn!(error = %e, "dead-lettering failed; the message will be delivered again");
                    }
                }
            }
        }
        if work.is_empty() {
            return;
        }
        let (deliveries, admissions): (Vec<_>, Vec<_>) =
            work.into_iter().map(|w| (w.delivery, w.admission)).unzip();
        match self.store_batch(admissions.clone(), shutdown).await {
            Stored::Done => self.ack_all(deliveries).await,
            Stored::Abandoned => {}
            Stored::Failed(e) => {
                tracing::warn!(error = %e, size = deliveries.len(), "batch failed; retrying its requests one by one");
                for (delivery, admission) in deliveries.into_iter().zip(admissions) {
                    self.store_alone(delivery, admission, shutdown).await;
                }
            }
        }
    }

    /// Stores the admissions, waiting out database outages and renumbering tracking-number
    /// collisions.
    async fn store_batch(&self, mut admissions: Vec<Admission>, shutdown: &CancellationToken) -> Stored {
        let mut backoff = Duration::from_millis(100);
        while !admissions.is_empty() {
            match self.store.ingest(&admissions).await {
                Ok(outcomes) => admissions = self.settle_outcomes(admissions, outcomes),
                Err(StoreError::Unavailable(e)) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "database unavailable; holding the batch");
                    tokio::select! {
                        () = shutdown.cancelled() => return Stored::Abandoned,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                Err(e) => return Stored::Failed(e),
            }
        }
        Stored::Done
    }

    /// Logs what happened to each admission and returns those that must be stored again.
    fn settle_outcomes(&self, admissions: Vec<Admission>, outcomes: Vec<IngestOutcome>) -> Vec<Admission> {
        let mut again = Vec::new();
        for (a, outcome) in admissions.into_iter().zip(outcomes) {
            let new = &a.request.submitted;
            match outcome {
                IngestOutcome::Stored => tracing::debug!(
                    request.id = %new.id, tracking = %new.tracking,
                    lead = %a.routing.lead().bureau, why = %a.routing.lead().reason.explain(),
                    "request dispatched"
                ),
                IngestOutcome::Duplicate { tracking } => {
                    tracing::info!(request.id = %new.id, tracking = %tracking, "already stored; acknowledging the repeat")
                }
                IngestOutcome::TrackingTaken => {
                    // Astronomically rare (60 bits); the citizen's number is taken, so they get a new
                    // one, which every later message to them will carry.
                    let mut renumbered = new.clone();
                    renumbered.tracking = TrackingNumber::random();
                    tracing::error!(request.id = %new.id, old = %new.tracking, new = %renumbered.tracking,
                        "tracking number already taken; renumbering");
                    again.push(admit(renumbered, &self.district.current(), a.request.updated_at));
                }
            }
        }
        again
    }

    /// Acknowledges together: the local queue groups concurrent acks into one commit (one fsync),
    /// where acking one after another would wait for a commit each.
    async fn ack_all(&self, deliveries: Vec<<Q::Consumer as Consumer>::Delivery>) {
        let acks = deliveries.into_iter().map(|d| {
            let id = d.message().id;
            async move { (id, d.ack().await) }
        });
        for (id, result) in futures_util::future::join_all(acks).await {
            if let Err(e) = result {
                // Stored already: the redelivery will be recognised as a duplicate.
                tracing::warn!(message.id = %id, error = %e, "ack failed after commit");
            }
        }
    }

    /// Stores one request of a failed batch, holding it in hand between attempts. An attempt
    /// counts only if the database answers a ping afterwards: a failure while it does not is the
    /// database's state, whatever its error said, and is waited out. Only a request that fails
    /// `max_attempts` times against a healthy database is dead-lettered.
    async fn store_alone(
        &self,
        delivery: <Q::Consumer as Consumer>::Delivery,
        admission: Admission,
        shutdown: &CancellationToken,
    ) {
        let id = delivery.message().id;
        let mut attempts = 0;
        let mut wait = self.settings.retry_after;
        loop {
            let error = match self.store_batch(vec![admission.clone()], shutdown).await {
                Stored::Done => return self.ack_all(vec![delivery]).await,
                // Unacknowledged: the queue hands it out again after the restart.
                Stored::Abandoned => return,
                Stored::Failed(e) => e,
            };
            let healthy = self.store.ping().await.is_ok();
            if healthy {
                attempts += 1;
            }
            if attempts >= self.settings.max_attempts {
                tracing::error!(message.id = %id, attempts, error = %error, "request keeps failing with the database healthy: moving it to the dead-letter queue");
                let reason = format!("failed {attempts} times with the database healthy: {error}");
                if let Err(e) = delivery.dead_letter(&reason).await {
                    tracing::warn!(message.id = %id, error = %e, "dead-lettering failed; the message will be delivered again");
                }
                return;
            }
            tracing::warn!(message.id = %id, attempts, healthy, retry_in = ?wait, error = %error, "request failed; holding it to try again");
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(MAX_BACKOFF);
        }
    }
}
