//! The hotspot trigger: a request was routed; if it has a category and a point, look at what is
//! near it (open, same category, within the radius, within the window) and do what the domain's
//! `plan` says: nothing, join the open hotspot next to it, or flag a new cluster on its anchor
//! (the oldest request).
//!
//! It has its own queue, so however many reports arrive, a disclaim's escalation never waits
//! behind them. Every search is bounded, so the work per request does not grow with the cluster:
//! joining reads the request's row and a few members nearby and writes one member row and one
//! event, without loading or rewriting the anchor's case. The joins of a whole take are written
//! in one transaction.
//!
//! Several workers may do this at once for requests of one cluster. Opening is a decision on the
//! anchor's case, so the version check serializes workers on one anchor; a worker whose change
//! would put a request in a second hotspot is refused by the store (`Conflict`: the member table's
//! primary key) and looks again, where it now finds the hotspot to join. A join is refused when
//! its hotspot closed meanwhile, and looks again too. Nothing here acknowledges: the runtime acks
//! the take once `handle` returns.

use std::time::Duration;

use jiesu_domain::escalation::hotspot::{OPEN_MEMBERS_LIMIT, Plan, plan};
use jiesu_domain::escalation::{Joined, Joining, Neighbour};
use jiesu_domain::event::{Event, EventKind};
use jiesu_domain::ids::RequestId;
use jiesu_domain::messages::decode_event;
use jiesu_domain::ports::{Cases, Message, Queue, QueueError, Store, StoreError};
use jiesu_domain::workflow::{Caller, Command, WorkflowError};
use jiesu_worker::{Failure, Handler, Worker, WorkerSettings};
use jiesu_workflow::{ActError, Workflow};
use tokio_util::sync::CancellationToken;

/// The queue the hotspot trigger consumes.
pub const HOTSPOT_QUEUE: &str = "hotspot";

/// A routed request is the only event that can make or grow a hotspot.
pub const HOTSPOT_TOPICS: &[&str] = &["event.request_routed"];

/// Looks again at most this often when other workers keep taking members or closing hotspots.
const ATTEMPTS: usize = 5;

/// Attempts, with the database healthy, before an event that keeps failing is dead-lettered.
const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug)]
pub struct HotspotTrigger<S, Q> {
    queue: Q,
    handler: Hotspots<S>,
    settings: WorkerSettings,
}

impl<S: Cases + Store, Q: Queue> HotspotTrigger<S, Q> {
    pub fn new(workflow: Workflow<S>, queue: Q, prefetch: u16) -> Self {
        let take = usize::from(prefetch).min(64);
        let settings = WorkerSettings {
            queue: HOTSPOT_QUEUE.to_owned(),
            prefetch,
            // A take's joins share one commit; a take that fails is retried event by event.
            take,
            batch: take,
            max_attempts: MAX_ATTEMPTS,
            retry_after: Duration::from_millis(500),
            consumers: 1,
        };
        Self { queue, handler: Hotspots { workflow }, settings }
    }

    /// Sets the wait after a first failed attempt (tests shorten it).
    #[must_use]
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.settings.retry_after = wait;
        self
    }

    /// Consumes until `shutdown`, finishing the take in hand.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), QueueError> {
        self.queue.declare(HOTSPOT_QUEUE, HOTSPOT_TOPICS).await?;
        Worker::new(self.queue, self.handler, self.settings).run(shutdown).await
    }
}

/// The hotspot trigger's handler.
#[derive(Debug)]
pub struct Hotspots<S> {
    workflow: Workflow<S>,
}

impl<S: Cases + Store> Handler for Hotspots<S> {
    type Work = Event;

    fn decode(&self, messages: &[&Message]) -> Vec<Result<Event, String>> {
        messages.iter().map(|m| decode_event(&m.kind, &m.payload).map_err(|e| e.to_string())).collect()
    }

    #[tracing::instrument(name = "hotspots", skip_all, fields(events = events.len()))]
    async fn handle(&self, events: Vec<Event>) -> Result<(), Failure> {
        let mut todo: Vec<RequestId> = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::RequestRouted { .. }))
            .map(|e| e.request_id)
            .collect();
        // A redelivered event beside its original: one look is enough.
        todo.sort();
        todo.dedup();
        for attempt in 1..=ATTEMPTS {
            if todo.is_empty() {
                return Ok(());
            }
            todo = self.place(todo).await?;
            if !todo.is_empty() {
                tracing::debug!(attempt, again = todo.len(), "hotspots changed meanwhile; looking again");
            }
        }
        // Other workers changed these hotspots on every try: busy, not bad.
        Err(Failure::Unavailable("the hotspots nearby kept changing".into()))
    }

    async fn healthy(&self) -> bool {
        self.workflow.store().ping().await.is_ok()
    }
}

impl<S: Cases + Store> Hotspots<S> {
    /// Decides and writes what each request does; answers the requests to look at again.
    async fn place(&self, requests: Vec<RequestId>) -> Result<Vec<RequestId>, Failure> {
        let mut joins = Vec::new();
        let mut again = Vec::new();
        for request in requests {
            match self.decide(request).await.map_err(store_failure)? {
                Plan::Nothing => {}
                Plan::Join(to) => joins.push(Joining::new(request, to, jiesu_domain::time::now())),
                Plan::Flag { anchor, cluster } => {
                    // The joins decided so far go in first: a request about to join a hotspot is
                    // not free to count toward a new one.
                    again.extend(self.join(std::mem::take(&mut joins)).await?);
                    if !self.flag(request, anchor, cluster).await? {
                        again.push(request);
                    }
                }
            }
        }
        again.extend(self.join(joins).await?);
        Ok(again)
    }

    /// What the domain makes of the request and what is near it: the request's own row, then
    /// members of open hotspots nearby, then (only if there are none) free neighbours.
    async fn decide(&self, request: RequestId) -> Result<Plan, StoreError> {
        let store = self.workflow.store();
        let policy = &self.workflow.policy().escalation.hotspot;
        let Some(subject) = store.hotspot_subject(request).await? else {
            return Ok(Plan::Nothing);
        };
        let Some((me, near)) = subject.search(policy, jiesu_domain::time::now()) else {
            return Ok(Plan::Nothing);
        };
        if me.hotspot.is_some() {
            return Ok(Plan::Nothing);
        }
        let open = store.open_hotspots_near(&near.clone().limited(OPEN_MEMBERS_LIMIT)).await?;
        let free: Vec<Neighbour> =
            if open.is_empty() { store.free_requests_near(&near).await? } else { Vec::new() };
        Ok(plan(&me, &open, &free, policy))
    }

    /// Writes the joins in one transaction; answers those whose hotspot closed meanwhile.
    async fn join(&self, joins: Vec<Joining>) -> Result<Vec<RequestId>, Failure> {
        if joins.is_empty() {
            return Ok(Vec::new());
        }
        let results = self.workflow.store().join_hotspots(&joins).await.map_err(store_failure)?;
        let mut again = Vec::new();
        for (j, result) in joins.iter().zip(results) {
            match result {
                Joined::Yes => tracing::debug!(request.id = %j.request, "joined a hotspot"),
                Joined::AlreadyMember => {}
                Joined::HotspotClosed => again.push(j.request),
            }
        }
        Ok(again)
    }

    /// Flags the cluster on its anchor; `false` when it must look again (another hotspot took a
    /// member, or the anchor closed, since the neighbours were read).
    async fn flag(
        &self,
        request: RequestId,
        anchor: RequestId,
        cluster: Vec<Neighbour>,
    ) -> Result<bool, Failure> {
        let members = cluster.len();
        match self.workflow.act(Caller::System, anchor, Command::FlagHotspot { cluster }).await {
            Ok(_) => {
                tracing::debug!(request.id = %request, anchor.id = %anchor, members, "hotspot flagged");
                Ok(true)
            }
            Err(ActError::Store(StoreError::Conflict(e))) => {
                tracing::debug!(request.id = %request, conflict = %e, "another hotspot took a member");
                Ok(false)
            }
            Err(ActError::Refused(WorkflowError::WrongStatus(..))) => Ok(false),
            // Gone, or nothing to open: the event is handled.
            Err(ActError::Refused(_)) => Ok(true),
            Err(ActError::Contended) => Err(Failure::Unavailable("the anchor kept changing".into())),
            Err(ActError::Store(e)) => Err(store_failure(e)),
        }
    }
}

fn store_failure(e: StoreError) -> Failure {
    match e {
        StoreError::Unavailable(e) => Failure::Unavailable(e),
        e => Failure::Failed(e.to_string()),
    }
}
