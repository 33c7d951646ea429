//! The consumer: events in, each one's notices written as rows (`jiesu_domain::notices` decides
//! who hears what; this decides by which channel and when).

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use chrono::NaiveTime;

use jiesu_domain::escalation::Meeting;
use jiesu_domain::event::Event;
use jiesu_domain::ids::RequestId;
use jiesu_domain::messages::decode_event;
use jiesu_domain::notices::{
    Audience, CitizenRoute, NOTIFYING, Notice, Topic, citizen_route, for_webhooks, needs_meetings, notices_of,
};
use jiesu_domain::ports::{
    Cases, Gateway, Message, Notification, Notifications, StaffNotices, StaffPrefs, Store, StoreError, Via,
    Webhooks,
};
use jiesu_domain::request::Request;
use jiesu_domain::webhook::Webhook;

use crate::quiet::next_daily;
use jiesu_worker::{Failure, Handler};

use crate::quiet::QuietHours;

/// The queue the notify role consumes.
pub const NOTIFY_QUEUE: &str = "notify";

/// The events that can tell someone something (`jiesu_domain::notices::NOTIFYING`, each as its
/// routing key): the notify queue is spared the rest (most of the traffic: routing, claims,
/// notes, escalations). A unit test keeps the two lists the same.
pub const TOPICS: &[&str] = &[
    "event.request_received",
    "event.task_dispatched",
    "event.task_assigned",
    "event.meeting_called",
    "event.meeting_rescheduled",
    "event.request_resolved",
    "event.request_reopened",
    "event.request_closed",
    "event.extension_decided",
    "event.deadline_approaching",
    "event.deadline_reminder",
];

/// How a notice reaches its audience: the citizen by the route their request allows (none: no
/// row), a webhook by itself, staff through 企业微信 (per-person preferences, email and digests
/// are still to come).
pub fn via_for(audience: &Audience, request: &Request) -> Option<Via> {
    match audience {
        Audience::Citizen => citizen_route(request).map(|r| match r {
            CitizenRoute::WeChat(_) => Via::WeChat,
            CitizenRoute::Sms(_) => Via::Sms,
        }),
        Audience::Webhook(_) => Some(Via::Webhook),
        Audience::Person(_) => Some(Via::Email),
        _ => Some(Via::WeCom),
    }
}

/// The email share of a staff group's notice: to each of the group who chose email (at once or
/// in the daily digest) and gave an address, as a notice to that person.
fn by_email(n: &Notice, staff: &[StaffPrefs]) -> Vec<(Notice, StaffNotices)> {
    if !n.audience.is_staff_group() {
        return Vec::new();
    }
    staff
        .iter()
        .filter(|p| p.prefs.how.by_email() && p.prefs.email.is_some())
        .filter(|p| n.audience.includes(p.role, p.bureau.as_ref()))
        .map(|p| {
            let notice = Notice {
                audience: Audience::Person(p.username.clone()),
                topic: n.topic.clone(),
                urgent: n.urgent,
            };
            (notice, p.prefs.how)
        })
        .collect()
}

/// The handler: a batch of events, their rows in one commit.
#[derive(Debug)]
pub struct Record<S> {
    store: S,
    quiet: QuietHours,
    /// The channels and topics the gateways carry: a notice by any other is not recorded (a
    /// district without 企业微信 keeps no rows that could never go).
    carried: BTreeSet<(Via, &'static str)>,
    /// When, district time, the daily digests go.
    digest_at: NaiveTime,
}

/// What `gateway` carries, as `Record` takes it.
pub fn carried(gateway: &impl Gateway) -> BTreeSet<(Via, &'static str)> {
    let all = Via::ALL.into_iter().flat_map(|v| Topic::KEYS.into_iter().map(move |t| (v, t)));
    all.filter(|(v, t)| gateway.carries(*v, t)).collect()
}

impl<S> Record<S> {
    pub fn new(store: S, quiet: QuietHours, carried: BTreeSet<(Via, &'static str)>) -> Self {
        Self { store, quiet, carried, digest_at: NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default() }
    }

    /// The digests at `at` (default 08:30).
    pub fn with_digest_at(mut self, at: NaiveTime) -> Self {
        self.digest_at = at;
        self
    }
}

impl<S: Cases + Notifications + Store + Webhooks> Record<S> {
    /// The rows `events` call for, each request read as it stands now, all of the batch's in
    /// one query (an event's notices are about what it says; the request gives the route); the
    /// whole case only where a meeting's invitees are needed; the webhooks once, when the
    /// gateways carry them.
    pub async fn rows(&self, events: &[Event]) -> Result<Vec<Notification>, StoreError> {
        let now = jiesu_domain::time::now();
        // Only the kinds that can notify (a queue still bound by an older `event.*` brings them
        // all): their requests are all that is read.
        let events: Vec<&Event> = events.iter().filter(|e| NOTIFYING.contains(&e.kind.name())).collect();
        let requests = crate::requests_of(&self.store, events.iter().map(|e| e.request_id)).await?;
        let mut meetings: HashMap<RequestId, Vec<Meeting>> = HashMap::new();
        for e in events.iter().filter(|e| needs_meetings(e)) {
            if let Entry::Vacant(slot) = meetings.entry(e.request_id) {
                slot.insert(
                    self.store.load_case(e.request_id).await?.map(|c| c.meetings).unwrap_or_default(),
                );
            }
        }
        let hooks = self.webhooks(&events).await?;
        let staff = self.staff(&events).await?;
        let mut out = Vec::new();
        for e in events {
            let Some(request) = requests.get(&e.request_id) else { continue };
            let held = meetings.get(&e.request_id).map_or(&[][..], Vec::as_slice);
            let mut notices = notices_of(e, request, held);
            notices.extend(for_webhooks(&notices, request, &hooks));
            let by_email: Vec<(Notice, StaffNotices)> =
                notices.iter().flat_map(|n| by_email(n, &staff)).collect();
            for (n, how) in by_email {
                let at = match how {
                    StaffNotices::Digest => next_daily(self.digest_at, now),
                    _ if n.urgent => now,
                    _ => self.quiet.next_allowed(now),
                };
                if self.carried.contains(&(Via::Email, n.topic.key())) {
                    out.push(Notification::new(e.id, e.request_id, n, Via::Email, at));
                }
            }
            for n in notices {
                let carried = |v: &Via| self.carried.contains(&(*v, n.topic.key()));
                let Some(via) = via_for(&n.audience, request).filter(carried) else {
                    continue;
                };
                let at = if n.urgent { now } else { self.quiet.next_allowed(now) };
                out.push(Notification::new(e.id, e.request_id, n, via, at));
            }
        }
        Ok(out)
    }

    /// The staff and their notice settings, read only when the gateways carry email and the
    /// batch has an event that can tell staff something.
    async fn staff(&self, events: &[&Event]) -> Result<Vec<StaffPrefs>, StoreError> {
        let carried = self.carried.iter().any(|(v, _)| *v == Via::Email);
        if !carried || events.is_empty() {
            return Ok(Vec::new());
        }
        self.store.staff_prefs().await
    }

    /// The active webhooks, read only when the gateways carry webhooks and the batch has an
    /// event that can tell the public something.
    async fn webhooks(&self, events: &[&Event]) -> Result<Vec<Webhook>, StoreError> {
        let carried = self.carried.iter().any(|(v, _)| *v == Via::Webhook);
        if !carried || events.is_empty() {
            return Ok(Vec::new());
        }
        let all = self.store.webhooks().await?;
        Ok(all.into_iter().filter(|w| w.active()).map(|w| w.webhook).collect())
    }
}

impl<S: Cases + Notifications + Store + Webhooks> Handler for Record<S> {
    type Work = Event;

    fn decode(&self, messages: &[&Message]) -> Vec<Result<Event, String>> {
        messages.iter().map(|m| decode_event(&m.kind, &m.payload).map_err(|e| e.to_string())).collect()
    }

    #[tracing::instrument(name = "notify.record", skip_all, fields(events = events.len()))]
    async fn handle(&self, events: Vec<Event>) -> Result<(), Failure> {
        let rows = self.rows(&events).await?;
        let new = self.store.record_notifications(&rows).await?;
        tracing::debug!(rows = rows.len(), new, "notices recorded");
        Ok(())
    }

    async fn healthy(&self) -> bool {
        self.store.ping().await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_is_bound_to_exactly_the_kinds_that_notify() {
        let keys: Vec<String> = NOTIFYING.iter().map(|k| format!("event.{k}")).collect();
        assert_eq!(TOPICS, keys.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
