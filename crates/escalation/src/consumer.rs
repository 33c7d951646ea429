//! The event consumer: events in, decisions out. A routed request runs the hotspot trigger; a
//! disclaim or an escalated request has the workflow review the request's escalations.

use std::time::Duration;

use jiesu_domain::event::EventKind;
use jiesu_domain::messages::decode_event;
use jiesu_domain::ports::{Cases, Consumer, Delivery, Queue, QueueError, Store, StoreError};
use jiesu_domain::workflow::{Caller, Command, WorkflowError};
use jiesu_workflow::{ActError, Workflow};
use tokio_util::sync::CancellationToken;

/// The queue the escalation service consumes.
pub const ESCALATION_QUEUE: &str = "escalation";

/// The events that can make a request an escalation: a disclaim or an escalated request (the
/// exhausted and ping-pong triggers), a routed request (the hotspot trigger).
pub const TOPICS: &[&str] = &["event.task_disclaimed", "event.request_escalated", "event.request_routed"];

/// Attempts, with the database healthy, before an event that keeps failing is dead-lettered.
const MAX_ATTEMPTS: u32 = 5;
/// The longest wait between two attempts while the database is unwell.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Escalator<S, Q> {
    workflow: Workflow<S>,
    queue: Q,
    prefetch: u16,
    /// The wait after an event's first failed attempt; it doubles after each (up to 5 s).
    retry_after: Duration,
}

impl<S: Cases + Store, Q: Queue> Escalator<S, Q> {
    pub fn new(workflow: Workflow<S>, queue: Q, prefetch: u16) -> Self {
        Self { workflow, queue, prefetch, retry_after: Duration::from_millis(500) }
    }

    /// Sets the wait after a first failed attempt (tests shorten it).
    #[must_use]
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// Consumes until `shutdown`, finishing the message in hand.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        self.queue.declare(ESCALATION_QUEUE, TOPICS).await?;
        let mut consumer = self.queue.consume(ESCALATION_QUEUE, self.prefetch).await?;
        tracing::info!("escalation consumer started");
        let mut backoff = Duration::from_millis(100);
        loop {
            let batch = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                b = consumer.next_batch(usize::from(self.prefetch.max(1))) => b,
            };
            match batch {
                Ok(batch) => {
                    backoff = Duration::from_millis(100);
                    for delivery in batch {
                        self.handle(delivery, &shutdown).await;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "cannot take events for escalation");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        tracing::info!("escalation consumer stopped");
        Ok(())
    }

    async fn handle<D: Delivery>(&self, delivery: D, shutdown: &CancellationToken) {
        let m = delivery.message();
        let event = match decode_event(&m.kind, &m.payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(message.id = %m.id, error = %e, "undecodable event: moving it to the dead-letter queue");
                let reason = e.to_string();
                if let Err(e) = delivery.dead_letter(&reason).await {
                    tracing::warn!(error = %e, "dead-lettering failed; the event will be delivered again");
                }
                return;
            }
        };
        let request = event.request_id;
        // Held in hand until it is handled: an attempt counts only if the database answers a
        // ping afterwards, so an outage (whatever error it shows) is waited out, and only an
        // event that keeps failing against a healthy database is dead-lettered.
        let mut attempts = 0;
        let mut wait = self.retry_after;
        let settled = loop {
            let outcome = match event.kind {
                EventKind::RequestRouted { .. } => crate::hotspot::on_routed(&self.workflow, request).await,
                _ => self.workflow.act(Caller::System, request, Command::ReviewEscalations).await.map(|_| ()),
            };
            let error = match outcome {
                Ok(()) | Err(ActError::Refused(WorkflowError::NotFound(_))) => break delivery.ack().await,
                // Nothing to open (the request moved on): the event is handled.
                Err(ActError::Refused(e)) => {
                    tracing::debug!(request.id = %request, refused = %e, "nothing to escalate");
                    break delivery.ack().await;
                }
                // Other writers moved the request on every try: a busy request, not a bad event.
                Err(ActError::Contended) => StoreError::Unavailable("the request kept changing".into()),
                Err(ActError::Store(e)) => e,
            };
            let healthy =
                !matches!(error, StoreError::Unavailable(_)) && self.workflow.store().ping().await.is_ok();
            if healthy {
                attempts += 1;
            }
            if attempts >= MAX_ATTEMPTS {
                tracing::error!(request.id = %request, error = %error, attempts, "escalation review keeps failing with the database healthy: dead-lettering the event");
                break delivery
                    .dead_letter(&format!("failed {attempts} times with the database healthy: {error}"))
                    .await;
            }
            tracing::warn!(request.id = %request, error = %error, attempts, retry_in = ?wait, "escalation review failed; holding the event to try again");
            tokio::select! {
                // Unacknowledged: the queue hands it out again after the restart.
                () = shutdown.cancelled() => break delivery.requeue().await,
                () = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(MAX_BACKOFF);
        };
        if let Err(e) = settled {
            tracing::warn!(request.id = %request, error = %e, "could not settle an event");
        }
    }
}
