//! The consumer: events in, each changed request's tallies recorded.

use std::collections::BTreeSet;
use std::time::Duration;

use jiesu_domain::event::Event;
use jiesu_domain::ids::RequestId;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::messages::decode_event;
use jiesu_domain::ports::{Cases, Message, Queue, QueueError, Stats, Store};
use jiesu_worker::{Failure, Handler, Worker, WorkerSettings};
use tokio_util::sync::CancellationToken;

use crate::rebuild::tallies_of;

/// The queue the stats role consumes.
pub const STATS_QUEUE: &str = "stats";

/// Every event: any change to a request may change what it counts towards.
pub const TOPICS: &[&str] = &["event.*"];

#[derive(Debug)]
pub struct StatsKeeper<S, Q> {
    queue: Q,
    handler: Keep<S>,
    settings: WorkerSettings,
}

impl<S: Cases + Stats + Store, Q: Queue> StatsKeeper<S, Q> {
    pub fn new(store: S, district: LiveDistrict, queue: Q, prefetch: u16) -> Self {
        // The events of one request come together (received, routed, dispatched): a batch
        // loads each request once and records them all in one commit.
        let settings = WorkerSettings::per_case(STATS_QUEUE, prefetch);
        Self { queue, handler: Keep { store, district }, settings }
    }

    /// Sets the wait after a first failed attempt (tests shorten it).
    #[must_use]
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.settings.retry_after = wait;
        self
    }

    /// Consumes until `shutdown`, finishing the batch in hand.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        self.queue.declare(STATS_QUEUE, TOPICS).await?;
        Worker::new(self.queue, self.handler, self.settings).run(shutdown).await
    }
}

/// The stats consumer's handler.
#[derive(Debug)]
pub struct Keep<S> {
    store: S,
    district: LiveDistrict,
}

impl<S: Cases + Stats + Store> Handler for Keep<S> {
    type Work = Event;

    fn decode(&self, messages: &[&Message]) -> Vec<Result<Event, String>> {
        messages.iter().map(|m| decode_event(&m.kind, &m.payload).map_err(|e| e.to_string())).collect()
    }

    #[tracing::instrument(name = "stats.keep", skip_all, fields(events = events.len()))]
    async fn handle(&self, events: Vec<Event>) -> Result<(), Failure> {
        let requests: BTreeSet<RequestId> = events.iter().map(|e| e.request_id).collect();
        let requests: Vec<RequestId> = requests.into_iter().collect();
        let tallies = tallies_of(&self.store, &self.district.current(), &requests).await?;
        Ok(self.store.record_tallies(&tallies).await?)
    }

    async fn healthy(&self) -> bool {
        self.store.ping().await.is_ok()
    }
}
