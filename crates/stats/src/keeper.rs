//! The consumer: events in, each changed request's tallies recorded.

use std::collections::BTreeSet;
use std::time::Duration;

use jiesu_domain::event::{Event, EventKind};
use jiesu_domain::ids::RequestId;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::messages::decode_event;
use jiesu_domain::ports::{Cases, Message, Queue, QueueError, Stats, Store};
use jiesu_worker::{Failure, Handler, Worker, WorkerSettings};
use tokio_util::sync::CancellationToken;

use crate::rebuild::tallies_of;

/// The queue the stats role consumes.
pub const STATS_QUEUE: &str = "stats";

/// Every event: any change to a request may change what it counts towards (the handler passes
/// over the kinds that cannot, `may_change_tallies`).
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
        let requests: BTreeSet<RequestId> =
            events.iter().filter(|e| may_change_tallies(&e.kind)).map(|e| e.request_id).collect();
        if requests.is_empty() {
            return Ok(());
        }
        let requests: Vec<RequestId> = requests.into_iter().collect();
        let tallies = tallies_of(&self.store, &self.district.current(), &requests).await?;
        Ok(self.store.record_tallies(&tallies).await?)
    }

    async fn healthy(&self) -> bool {
        self.store.ping().await.is_ok()
    }
}

/// Whether a change that records this event can change what its case counts towards (`tally`
/// reads the request, its tasks, clocks, disclaims, exemptions and return visits). The notices,
/// reminders and escalation steps a request gathers by the thousand under load change none of
/// them, so they are not worth a read of the case. No wildcard arm: a new kind is decided here.
fn may_change_tallies(kind: &EventKind) -> bool {
    use EventKind as K;
    match kind {
        K::RequestReceived { .. }
        | K::RequestRouted { .. }
        | K::RequestRecategorized { .. }
        | K::RequestAnswered { .. }
        | K::TaskDispatched { .. }
        | K::TaskAssigned { .. }
        | K::RequestAwaitingOperator { .. }
        | K::TaskClaimed { .. }
        | K::TaskProgressed { .. }
        | K::TaskResolved { .. }
        | K::TaskDisclaimed { .. }
        | K::DisclaimReviewed { .. }
        | K::TaskCancelled { .. }
        | K::TaskReleased { .. }
        | K::RequestEscalated { .. }
        | K::ExtensionRequested { .. }
        | K::ExtensionDecided { .. }
        | K::ExemptionRequested { .. }
        | K::ExemptionDecided { .. }
        | K::RequestResolved
        | K::ResolutionReviewed { .. }
        | K::ReturnVisitRecorded { .. }
        | K::RequestReopened { .. }
        | K::RequestClosed
        // Rare, and a meeting's decision or a closed escalation may place the request again.
        | K::EscalationClosed { .. }
        | K::MeetingCalled { .. }
        | K::MeetingDecided { .. }
        | K::MeetingLapsed { .. } => true,
        // Lines of the history only: who was told, who saw the number, a clock's warning or
        // reminder step, an escalation opened or raised (its own table), a meeting's time, a
        // rule's fate.
        K::PhoneRevealed
        | K::NoticeSent { .. }
        | K::NoticeGivenUp { .. }
        | K::DeadlineApproaching { .. }
        | K::DeadlineReminder { .. }
        | K::DeskReminder { .. }
        | K::EscalationOpened { .. }
        | K::HotspotLinked { .. }
        | K::EscalationRaised { .. }
        | K::EscalationOverdue { .. }
        | K::MeetingConfirmed { .. }
        | K::MeetingRescheduled { .. }
        | K::RuleProposed { .. }
        | K::RuleAccepted { .. }
        | K::RuleDeclined { .. } => false,
    }
}
