//! The recording half on the shared consumer runtime: the `notify` queue, bound to every event.

use std::collections::BTreeSet;

use jiesu_domain::ports::{Cases, Notifications, Queue, QueueError, Store, Via, Webhooks};
use jiesu_worker::{Worker, WorkerSettings};
use tokio_util::sync::CancellationToken;

use crate::quiet::QuietHours;
use crate::recorder::{NOTIFY_QUEUE, Record, TOPICS};

#[derive(Debug)]
pub struct Recorder<S, Q> {
    queue: Q,
    handler: Record<S>,
    settings: WorkerSettings,
}

impl<S: Cases + Notifications + Store + Webhooks, Q: Queue> Recorder<S, Q> {
    pub fn new(
        store: S,
        queue: Q,
        quiet: QuietHours,
        carried: BTreeSet<(Via, &'static str)>,
        prefetch: u16,
    ) -> Self {
        // A request's events come together: a batch loads each request once.
        let settings = WorkerSettings::per_case(NOTIFY_QUEUE, prefetch);
        Self { queue, handler: Record::new(store, quiet, carried), settings }
    }

    /// Daily digests at `at`, district time.
    pub fn with_digest_at(mut self, at: chrono::NaiveTime) -> Self {
        self.handler = self.handler.with_digest_at(at);
        self
    }

    /// Consumes until `shutdown`, finishing the batch in hand.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        self.queue.declare(NOTIFY_QUEUE, TOPICS).await?;
        Worker::new(self.queue, self.handler, self.settings).run(shutdown).await
    }
}
