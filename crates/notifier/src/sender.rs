//! The notify role's second half: due notification rows taken (leased) from the store, each made
//! into a message and handed to its gateway, then settled with the answer and written into the
//! request's history, in one transaction. A row is sent after the commit that recorded it and
//! is settled at most once; a sender that dies between the gateway's answer and the settle
//! leaves the row to be sent again when its lease ends (at-least-once: see the README).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jiesu_domain::event::{Actor, Event, EventKind};
use jiesu_domain::ids::{EventId, RequestId};
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::notices::{Audience, Notice};
use jiesu_domain::ports::{
    Address, Cases, Gateway, NO_RECIPIENT, Notification, Notifications, OPTED_OUT, OptOut, Outgoing, Sent,
    Settle, StoreError, Try, Via, Webhooks,
};
use jiesu_domain::request::Request;
use jiesu_worker::{Backoff, pause};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::compose::{Directory, Links, compose};
use crate::pace::Pace;
use crate::quiet::QuietHours;

/// A row to send: its request, whether its recipient opted out, the row.
type Unit = (Option<Arc<Request>>, bool, Notification);

fn opted_out() -> Sent {
    Sent::GiveUp { code: OPTED_OUT.to_owned() }
}

/// A staff group's 企业微信 notice that found nobody because everyone in the group chose another
/// way (email, the digest, nothing) is not a failure: settled as they asked.
fn quiet_group(sent: Sent, to: &Address, dir: &Directory) -> Sent {
    match (&sent, to) {
        (Sent::GiveUp { code }, Address::People { audience, ids })
            if code == NO_RECIPIENT && ids.is_empty() =>
        {
            let group = Audience::parse(audience);
            let members =
                group.is_some_and(|g| dir.staff.iter().any(|p| g.includes(p.role, p.bureau.as_ref())));
            if members { opted_out() } else { sent }
        }
        _ => sent,
    }
}

/// How the sender works.
#[derive(Debug, Clone)]
pub struct SenderSettings {
    /// Rows taken at a time.
    pub batch: u32,
    /// Messages in flight at once, per batch.
    pub concurrency: usize,
    /// Batches in flight at once: each loop takes its own rows (a lease keeps them from the
    /// others, as from another notify process), so the store's and the gateway's round trips of
    /// one overlap another's.
    pub batches: usize,
    /// How long a taken row is kept from other senders: longer than a batch takes to send.
    pub lease: Duration,
    /// The wait when nothing is due.
    pub idle: Duration,
    /// The wait after a first failed try; it doubles after each, up to `retry_max`.
    pub retry_first: Duration,
    pub retry_max: Duration,
    /// Tries before giving up.
    pub max_attempts: u32,
    pub quiet: QuietHours,
}

impl Default for SenderSettings {
    fn default() -> Self {
        Self {
            batch: 64,
            concurrency: 16,
            batches: 4,
            lease: Duration::from_secs(60),
            idle: Duration::from_millis(500),
            retry_first: Duration::from_secs(30),
            retry_max: Duration::from_secs(30 * 60),
            // 30 s, 1, 2, 4, 8, 16, 30, 30… minutes: about eight hours of tries.
            max_attempts: 20,
            quiet: QuietHours::default(),
        }
    }
}

impl SenderSettings {
    /// The wait after the `attempts`-th failed try.
    pub fn retry_wait(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(20);
        self.retry_first.saturating_mul(1 << doublings).min(self.retry_max)
    }
}

/// The sender: one per notify process; several may run against one store.
#[derive(Debug, Clone)]
pub struct Sender<S, G> {
    inner: Arc<Inner<S, G>>,
}

#[derive(Debug)]
struct Inner<S, G> {
    store: S,
    gateway: G,
    district: LiveDistrict,
    links: Links,
    settings: SenderSettings,
    paces: HashMap<Via, Pace>,
}

impl<S: Cases + Notifications + Webhooks, G: Gateway> Sender<S, G> {
    pub fn new(store: S, gateway: G, district: LiveDistrict, links: Links, settings: SenderSettings) -> Self {
        let paces = Via::ALL.into_iter().filter_map(|v| Some((v, Pace::new(gateway.rate(v)?)))).collect();
        Self { inner: Arc::new(Inner { store, gateway, district, links, settings, paces }) }
    }

    /// Sends until `shutdown`, finishing the messages in flight: `batches` loops at once.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!("notification sender started");
        let mut loops = JoinSet::new();
        for _ in 0..self.inner.settings.batches.max(1) {
            loops.spawn(self.clone().send_until(shutdown.clone()));
        }
        while loops.join_next().await.is_some() {}
        tracing::info!("notification sender stopped");
    }

    async fn send_until(self, shutdown: CancellationToken) {
        let mut outage = Backoff::outage();
        while !shutdown.is_cancelled() {
            let wait = match self.send_due().await {
                Ok(0) => self.inner.settings.idle,
                Ok(_) => {
                    outage.reset();
                    Duration::ZERO
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot take due notifications; retrying");
                    outage.next_wait()
                }
            };
            if !wait.is_zero() && !pause(&shutdown, wait).await {
                break;
            }
        }
    }

    /// Takes one batch of due rows and sends them; answers how many it took. The batch's
    /// requests are read in one query, the messages sent `concurrency` at a time.
    #[tracing::instrument(name = "notify.send", skip_all)]
    pub async fn send_due(&self) -> Result<usize, StoreError> {
        let s = &self.inner.settings;
        let now = jiesu_domain::time::now();
        let lease = chrono::Duration::from_std(s.lease).unwrap_or(chrono::Duration::minutes(1));
        let rows = self.inner.store.claim_notifications(now, now + lease, s.batch).await?;
        let taken = rows.len();
        if taken == 0 {
            return Ok(0);
        }
        // The batch's requests in one read: the address, the number, the language.
        let requests: HashMap<RequestId, Arc<Request>> =
            crate::requests_of(&self.inner.store, rows.iter().map(|n| n.request_id))
                .await?
                .into_iter()
                .map(|(id, r)| (id, Arc::new(r)))
                .collect();
        let silenced = self.silenced(&rows, &requests).await?;
        let dir = Arc::new(self.directory(&rows).await?);
        // `concurrency` messages at once, then their tries recorded in one transaction: one
        // commit per chunk rather than per message, and a crash still repeats at most one
        // chunk's messages. Email to one person due together is one message (the digest).
        let mut units = crate::bundle::units(rows.into_iter().enumerate().collect()).into_iter().peekable();
        while units.peek().is_some() {
            let mut flying = JoinSet::new();
            for unit in units.by_ref().take(s.concurrency.max(1)) {
                let unit: Vec<Unit> = unit
                    .into_iter()
                    .map(|(i, n)| (requests.get(&n.request_id).cloned(), silenced.contains(&i), n))
                    .collect();
                let (me, dir) = (self.clone(), dir.clone());
                flying.spawn(async move { me.deliver(unit, &dir).await });
            }
            let mut tries = Vec::with_capacity(flying.len());
            while let Some(done) = flying.join_next().await {
                if let Ok(t) = done {
                    tries.extend(t);
                }
            }
            self.settle(&tries).await;
        }
        Ok(taken)
    }

    /// The opt-outs a citizen's notice answers to: its request's (any channel) and, for a text
    /// message, the phone's.
    fn opt_outs(&self, n: &Notification, request: Option<&Request>) -> Vec<OptOut> {
        if n.audience != Audience::Citizen {
            return Vec::new();
        }
        let mut who = vec![OptOut::request(n.request_id)];
        let phone = request.and_then(|r| r.submitted.contact.phone.as_ref());
        if let (Via::Sms, Some(phone)) = (n.via, phone) {
            who.push(OptOut::phone(phone, &self.inner.links.key));
        }
        who
    }

    /// The rows of the batch (by position) not to send because their recipient opted out, in one
    /// read.
    async fn silenced(
        &self,
        rows: &[Notification],
        requests: &HashMap<RequestId, Arc<Request>>,
    ) -> Result<HashSet<usize>, StoreError> {
        // Each row's keys once (a phone's is an HMAC), then one read for the batch.
        let keys: Vec<Vec<OptOut>> =
            rows.iter().map(|n| self.opt_outs(n, requests.get(&n.request_id).map(|r| &**r))).collect();
        let asked: BTreeSet<&OptOut> = keys.iter().flatten().collect();
        if asked.is_empty() {
            return Ok(HashSet::new());
        }
        let asked: Vec<OptOut> = asked.into_iter().cloned().collect();
        let out: HashSet<OptOut> = self.inner.store.opted_out(&asked).await?.into_iter().collect();
        Ok(keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.iter().any(|w| out.contains(w)))
            .map(|(i, _)| i)
            .collect())
    }

    /// The active webhooks when the batch has a row for one, the staff's settings when it has
    /// a staff notice.
    async fn directory(&self, rows: &[Notification]) -> Result<Directory, StoreError> {
        let store = &self.inner.store;
        let mut dir = Directory::default();
        if rows.iter().any(|n| n.via == Via::Webhook) {
            let all = store.webhooks().await?;
            dir.hooks = all.into_iter().filter(|w| w.active()).map(|w| (w.webhook.id, w.webhook)).collect();
        }
        if rows.iter().any(|n| n.audience.is_staff_group() || matches!(n.audience, Audience::Person(_))) {
            dir.staff = store.staff_prefs().await?;
        }
        Ok(dir)
    }

    /// A unit of rows (one, or several emails to one person): each composed, sent together as
    /// one message (unless its recipient opted out), and what to record of each.
    async fn deliver(&self, unit: Vec<Unit>, dir: &Directory) -> Vec<Try> {
        let i = &self.inner;
        let district = i.district.current();
        let now = jiesu_domain::time::now();
        let mut tries = Vec::with_capacity(unit.len());
        let mut going = Vec::with_capacity(unit.len());
        for (request, quiet, n) in unit {
            let message = match &request {
                Some(r) => compose(&n, r, &district, &i.links, dir, now),
                None => Err(crate::compose::NO_ADDRESS),
            };
            match message {
                Ok(m) if quiet => tries.push(self.tried(&n, request.as_deref(), opted_out(), Some(&m.to))),
                Ok(m) => going.push((n, request, m)),
                Err(code) => {
                    let sent = Sent::GiveUp { code: code.to_owned() };
                    tries.push(self.tried(&n, request.as_deref(), sent, None));
                }
            }
        }
        let messages: Vec<Outgoing> = going.iter().map(|(_, _, m)| m.clone()).collect();
        if let Some(m) = crate::bundle::combine(messages) {
            if let Some(pace) = i.paces.get(&m.via) {
                pace.wait().await;
            }
            let sent = quiet_group(i.gateway.send(&m).await, &m.to, dir);
            for (n, request, m) in &going {
                tries.push(self.tried(n, request.as_deref(), sent.clone(), Some(&m.to)));
            }
        }
        tries
    }

    /// What to record of a try of `n` that came to `sent`.
    fn tried(&self, n: &Notification, request: Option<&Request>, sent: Sent, to: Option<&Address>) -> Try {
        let now = jiesu_domain::time::now();
        let instead = match &sent {
            Sent::Unreachable { .. } => self.by_sms(n, request, now),
            _ => None,
        };
        let (outcome, history) = self.outcome(n, sent, to, now);
        Try { id: n.id, outcome, history, instead }
    }

    /// The same notice by SMS, for a citizen WeChat cannot reach now (outside its 48-hour window,
    /// or who unfollowed) who gave a phone, when the district sends that notice by SMS.
    fn by_sms(
        &self,
        n: &Notification,
        request: Option<&Request>,
        now: DateTime<Utc>,
    ) -> Option<Notification> {
        let phone = request.is_some_and(|r| r.submitted.contact.phone.is_some());
        let carried = self.inner.gateway.carries(Via::Sms, n.topic.key());
        if !(phone && carried && n.audience == Audience::Citizen && n.via == Via::WeChat) {
            return None;
        }
        let notice = Notice { audience: n.audience.clone(), topic: n.topic.clone(), urgent: n.urgent };
        let at = if n.urgent { now } else { self.inner.settings.quiet.next_allowed(now) };
        Some(Notification::new(n.event_id, n.request_id, notice, Via::Sms, at))
    }

    /// What to record of a try: the row's new state, and the history line if it is settled.
    fn outcome(
        &self,
        n: &Notification,
        sent: Sent,
        to: Option<&Address>,
        now: DateTime<Utc>,
    ) -> (Settle, Option<Event>) {
        let s = &self.inner.settings;
        let kind = |error: Option<String>| {
            let (via, audience, topic) = (n.via, n.audience.key(), n.topic.key().to_owned());
            let to = to.map(Address::masked);
            match error {
                None => EventKind::NoticeSent { via, audience, to, topic },
                Some(error) => EventKind::NoticeGivenUp { via, audience, to, topic, error },
            }
        };
        // A webhook's delivery is a call between machines, not a notice to a person: the
        // request's history (which the citizen reads) does not list it; the row keeps its state.
        let event = |kind| {
            (n.via != Via::Webhook).then(|| Event {
                id: EventId::generate(),
                request_id: n.request_id,
                task_id: None,
                occurred_at: now,
                actor: Actor::System,
                kind,
                http_request_id: None,
            })
        };
        match sent {
            Sent::Yes { id } => (Settle::Sent { gateway_id: id }, event(kind(None))),
            Sent::Retry { code } if n.attempts < s.max_attempts => {
                let wait = chrono::Duration::from_std(s.retry_wait(n.attempts)).unwrap_or_default();
                let at = if n.urgent { now + wait } else { s.quiet.next_allowed(now + wait) };
                (Settle::Retry { next_at: at, error: code }, None)
            }
            Sent::Retry { code } | Sent::GiveUp { code } | Sent::Unreachable { code } => {
                (Settle::GiveUp { error: code.clone() }, event(kind(Some(code))))
            }
        }
    }

    /// Records the tries, retrying while the store is unwell, for as long as the lease lasts
    /// (after that another sender may have the rows: they will be sent again, which the README
    /// owns up to).
    async fn settle(&self, tries: &[Try]) {
        if tries.is_empty() {
            return;
        }
        let mut backoff = Backoff::outage();
        let until = tokio::time::Instant::now() + self.inner.settings.lease;
        loop {
            match self.inner.store.settle_notifications(tries, jiesu_domain::time::now()).await {
                Ok(done) => {
                    let recorded = done.iter().filter(|d| **d).count();
                    tracing::debug!(tries = tries.len(), recorded, "notices settled");
                    return;
                }
                Err(e) if tokio::time::Instant::now() < until => {
                    tracing::warn!(tries = tries.len(), error = %e, "cannot record notices' tries; retrying");
                    tokio::time::sleep(backoff.next_wait()).await;
                }
                Err(e) => {
                    tracing::error!(tries = tries.len(), error = %e, "gave up recording notices' tries");
                    return;
                }
            }
        }
    }
}
