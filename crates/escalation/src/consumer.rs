//! The event consumer: events in, decisions out. A disclaim or an escalated request has the
//! workflow review the request's escalations. A handler on the consumer runtime (`jiesu-worker`),
//! one event per commit. Routed requests go to the hotspot trigger's own queue.

use std::time::Duration;

use jiesu_domain::event::{Event, EventKind};
use jiesu_domain::messages::decode_event;
use jiesu_domain::ports::{Cases, Message, Queue, QueueError, Store, StoreError};
use jiesu_domain::workflow::{Caller, Command, WorkflowError};
use jiesu_worker::{Failure, Handler, Worker, WorkerSettings};
use jiesu_workflow::{ActError, Workflow};
use tokio_util::sync::CancellationToken;

/// The queue the escalation service consumes.
pub const ESCALATION_QUEUE: &str = "escalation";

/// The events that can make a request an escalation here: a disclaim or an escalated request (the
/// exhausted and ping-pong triggers). The hotspot trigger has its own queue.
pub const TOPICS: &[&str] = &["event.task_disclaimed", "event.request_escalated"];

/// Attempts, with the database healthy, before an event that keeps failing is dead-lettered.
const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug)]
pub struct Escalator<S, Q> {
    queue: Q,
    handler: Review<S>,
    settings: WorkerSettings,
}

impl<S: Cases + Store, Q: Queue> Escalator<S, Q> {
    pub fn new(workflow: Workflow<S>, queue: Q, prefetch: u16) -> Self {
        let settings = WorkerSettings {
            queue: ESCALATION_QUEUE.to_owned(),
            prefetch,
            // Taken many at once (a take is a write on the local queue; 32 stay well inside the
            // local queue's lease), but each event its own decision and commit: one busy request
            // holds back no other.
            take: usize::from(prefetch).min(32),
            batch: 1,
            max_attempts: MAX_ATTEMPTS,
            retry_after: Duration::from_millis(500),
            consumers: 1,
        };
        Self { queue, handler: Review { workflow }, settings }
    }

    /// Sets the wait after a first failed attempt (tests shorten it).
    #[must_use]
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.settings.retry_after = wait;
        self
    }

    /// Consumes until `shutdown`, finishing the message in hand.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        self.queue.declare(ESCALATION_QUEUE, TOPICS).await?;
        Worker::new(self.queue, self.handler, self.settings).run(shutdown).await
    }
}

/// The escalation consumer's handler.
#[derive(Debug)]
pub struct Review<S> {
    workflow: Workflow<S>,
}

impl<S: Cases + Store> Handler for Review<S> {
    type Work = Event;

    fn decode(&self, messages: &[&Message]) -> Vec<Result<Event, String>> {
        messages.iter().map(|m| decode_event(&m.kind, &m.payload).map_err(|e| e.to_string())).collect()
    }

    async fn handle(&self, events: Vec<Event>) -> Result<(), Failure> {
        for event in events {
            self.review(event).await?;
        }
        Ok(())
    }

    async fn healthy(&self) -> bool {
        self.workflow.store().ping().await.is_ok()
    }
}

impl<S: Cases + Store> Review<S> {
    #[tracing::instrument(name = "review", skip_all, fields(request.id = %event.request_id, event.id = %event.id.as_uuid(), http.request_id = event.http_request_id.as_deref().unwrap_or_default()))]
    async fn review(&self, event: Event) -> Result<(), Failure> {
        let request = event.request_id;
        let outcome = match event.kind {
            // A queue declared by an older version is still bound to routed requests; the hotspot
            // queue has them now.
            EventKind::RequestRouted { .. } => Ok(()),
            _ => self.workflow.act(Caller::System, request, Command::ReviewEscalations).await.map(|_| ()),
        };
        match outcome {
            Ok(()) | Err(ActError::Refused(WorkflowError::NotFound(_))) => Ok(()),
            // Nothing to open (the request moved on): the event is handled.
            Err(ActError::Refused(e)) => {
                tracing::debug!(refused = %e, "nothing to escalate");
                Ok(())
            }
            // Other writers moved the request on every try: a busy request, not a bad event.
            Err(ActError::Contended) => Err(Failure::Unavailable("the request kept changing".into())),
            Err(ActError::Store(StoreError::Unavailable(e))) => Err(Failure::Unavailable(e)),
            Err(ActError::Store(e)) => Err(Failure::Failed(e.to_string())),
        }
    }
}
