//! The dispatcher. It takes new requests off the intake queue in batches and, for each batch, in
//! one transaction: stores the requests (idempotently), places them in an area, routes them by
//! the responsibility list, creates the lead tasks and appends the events. Only after the commit
//! does it acknowledge the messages.
//!
//! It is a handler on the consumer runtime (`jiesu-worker`), which holds a batch while the
//! database's state stands in the way (`StoreError::Unavailable`), retries a failed batch request
//! by request, counts a request's failed attempts against a healthy database on its message, and
//! dead-letters what does not decode or fails `max_attempts` times. A dead letter is a message,
//! never a casualty of an outage.
//!
//! The HTTP request id the intake put on a message (`request_id` header) is logged with the
//! request and stamped on the events its admission writes.

use std::time::Duration;

use jiesu_domain::admission::{Admission, admit};
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::messages::{INTAKE_QUEUE, decode_new_request};
use jiesu_domain::ports::queue::REQUEST_ID_HEADER;
use jiesu_domain::ports::{IngestOutcome, Message, Queue, QueueError, Store, StoreError};
use jiesu_worker::{Failure, Handler, Worker, WorkerSettings};
use tokio_util::sync::CancellationToken;

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
    /// Consumers taking batches in turn, each committing its own: batches overlap, so one's
    /// decoding and routing runs while another's transaction commits.
    pub consumers: usize,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        // 0.5 + 1 + 2 + 4 s: a request is dead-lettered only after it failed for 7.5 s.
        Self {
            prefetch: 200,
            batch: 100,
            max_attempts: 5,
            retry_after: Duration::from_millis(500),
            consumers: 4,
        }
    }
}

#[derive(Debug)]
pub struct Dispatcher<S, Q> {
    worker: Worker<Q, Dispatch<S>>,
}

impl<S: Store, Q: Queue> Dispatcher<S, Q> {
    pub fn new(store: S, queue: Q, district: LiveDistrict, settings: DispatchSettings) -> Self {
        let worker = WorkerSettings {
            queue: INTAKE_QUEUE.to_owned(),
            prefetch: settings.prefetch,
            take: settings.batch,
            batch: settings.batch,
            max_attempts: settings.max_attempts,
            retry_after: settings.retry_after,
            consumers: settings.consumers,
        };
        Self { worker: Worker::new(queue, Dispatch { store, district }, worker) }
    }

    /// Consumes until `shutdown`, then finishes the batch in hand and returns. Fails only if it
    /// cannot subscribe at all.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        self.worker.run(shutdown).await
    }
}

/// The dispatcher's handler: a batch of new requests in, one transaction out.
#[derive(Debug)]
pub struct Dispatch<S> {
    store: S,
    district: LiveDistrict,
}

impl<S: Store> Handler for Dispatch<S> {
    type Work = Admission;

    /// Admits each request on one snapshot of the district and one `now` for the batch (a reload
    /// meanwhile applies from the next batch on).
    fn decode(&self, messages: &[&Message]) -> Vec<Result<Admission, String>> {
        let now = jiesu_domain::time::now();
        let district = self.district.current();
        messages
            .iter()
            .map(|m| {
                let new = decode_new_request(&m.kind, &m.payload).map_err(|e| e.to_string())?;
                // Ties the HTTP request that brought it in to everything logged and written about it.
                let http = m.headers.get(REQUEST_ID_HEADER).filter(|id| !id.is_empty());
                tracing::debug!(request.id = %new.id, http.request_id = http.map(String::as_str).unwrap_or_default(), "dispatching");
                let mut admission = admit(new, &district, now);
                stamp(&mut admission, http.cloned());
                Ok(admission)
            })
            .collect()
    }

    /// Stores the admissions, renumbering tracking-number collisions.
    #[tracing::instrument(name = "dispatch", skip_all, fields(batch.size = admissions.len()))]
    async fn handle(&self, mut admissions: Vec<Admission>) -> Result<(), Failure> {
        while !admissions.is_empty() {
            match self.store.ingest(&admissions).await {
                Ok(outcomes) => admissions = self.settle_outcomes(admissions, outcomes),
                Err(StoreError::Unavailable(e)) => return Err(Failure::Unavailable(e)),
                Err(e) => return Err(Failure::Failed(e.to_string())),
            }
        }
        Ok(())
    }

    async fn healthy(&self) -> bool {
        self.store.ping().await.is_ok()
    }
}

/// Marks the events of an admission with the HTTP request that caused it.
fn stamp(admission: &mut Admission, http_request_id: Option<String>) {
    for event in &mut admission.events {
        event.http_request_id.clone_from(&http_request_id);
    }
}

impl<S: Store> Dispatch<S> {
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
                    let http = a.events.first().and_then(|e| e.http_request_id.clone());
                    let mut readmitted = admit(renumbered, &self.district.current(), a.request.updated_at);
                    stamp(&mut readmitted, http);
                    again.push(readmitted);
                }
            }
        }
        again
    }
}
