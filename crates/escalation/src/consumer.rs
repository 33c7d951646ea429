//! The event consumer: events in, decisions out. A routed request runs the hotspot trigger; a
//! disclaim or an escalated request has the workflow review the request's escalations.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use jiesu_domain::event::EventKind;
use jiesu_domain::messages::decode_event;
use jiesu_domain::ports::{Cases, Consumer, Delivery, Queue, QueueError, StoreError};
use jiesu_domain::workflow::{Caller, Command, WorkflowError};
use jiesu_workflow::{ActError, Workflow};
use tokio_util::sync::CancellationToken;

/// The queue the escalation service consumes.
pub const ESCALATION_QUEUE: &str = "escalation";

/// The events that can make a request an escalation: a disclaim or an escalated request (the
/// exhausted and ping-pong triggers), a routed request (the hotspot trigger).
pub const TOPICS: &[&str] = &["event.task_disclaimed", "event.request_escalated", "event.request_routed"];

/// Attempts before an event that keeps failing for an unexpected reason is dead-lettered.
const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug)]
pub struct Escalator<S, Q> {
    workflow: Workflow<S>,
    queue: Q,
    prefetch: u16,
    failures: Mutex<HashMap<uuid::Uuid, u32>>,
}

impl<S: Cases, Q: Queue> Escalator<S, Q> {
    pub fn new(workflow: Workflow<S>, queue: Q, prefetch: u16) -> Self {
        Self { workflow, queue, prefetch, failures: Mutex::new(HashMap::new()) }
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
                        self.handle(delivery).await;
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

    async fn handle<D: Delivery>(&self, delivery: D) {
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
        let outcome = match event.kind {
            EventKind::RequestRouted { .. } => crate::hotspot::on_routed(&self.workflow, request).await,
            _ => self.workflow.act(Caller::System, request, Command::ReviewEscalations).await.map(|_| ()),
        };
        if !matches!(outcome, Err(ActError::Store(_))) {
            // Handled (or refused for good): a failure counted before is over.
            if let Ok(mut f) = self.failures.lock() {
                f.remove(&delivery.message().id);
            }
        }
        let settled = match outcome {
            Ok(()) | Err(ActError::Refused(WorkflowError::NotFound(_))) => delivery.ack().await,
            // Nothing to open (the request moved on): the event is handled.
            Err(ActError::Refused(e)) => {
                tracing::debug!(request.id = %request, refused = %e, "nothing to escalate");
                delivery.ack().await
            }
            Err(ActError::Store(StoreError::Unavailable(e))) => {
                tracing::warn!(request.id = %request, error = %e, "database unavailable; the event waits");
                tokio::time::sleep(Duration::from_millis(500)).await;
                delivery.requeue().await
            }
            Err(e) => {
                let id = delivery.message().id;
                let attempts = self.failures.lock().map_or(MAX_ATTEMPTS, |mut f| {
                    let n = f.entry(id).or_insert(0);
                    *n += 1;
                    *n
                });
                if attempts >= MAX_ATTEMPTS {
                    tracing::error!(request.id = %request, error = %e, attempts, "escalation review keeps failing: dead-lettering the event");
                    if let Ok(mut f) = self.failures.lock() {
                        f.remove(&id);
                    }
                    delivery.dead_letter(&format!("failed {attempts} times: {e}")).await
                } else {
                    tracing::warn!(request.id = %request, error = %e, attempts, "escalation review failed; it will be retried");
                    delivery.requeue().await
                }
            }
        };
        if let Err(e) = settled {
            tracing::warn!(request.id = %request, error = %e, "could not settle an event");
        }
    }
}
