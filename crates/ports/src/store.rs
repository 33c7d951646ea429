//! The store port: use-case-shaped operations, each one transaction, each state change written
//! together with its events (the outbox).

use std::future::Future;

use chrono::{DateTime, Utc};

use jiesu_decisions::admission::Admission;
use jiesu_events::event::Event;
use jiesu_model::api_client::{ApiClient, ApiKeyHash};
use jiesu_model::audit::AuditEntry;
use jiesu_model::category::CategoryCode;
use jiesu_model::contact::OpenId;
use jiesu_model::ids::{RequestId, TrackingNumber};
use jiesu_model::request::{Channel, ChannelRef, Request};
use jiesu_model::task::Task;

use super::page::Page;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write (e.g. an API client name already taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database's state stands in the way: unreachable, starting or stopping, refusing
    /// connections, out of disk or memory, read-only, timed out, contended. The same work may
    /// succeed later: hold it and retry, never dead-letter it for this.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The work itself failed (bad data, a statement that cannot run): the same work fails again
    /// on a healthy database.
    #[error("unexpected database error: {0}")]
    Unexpected(String),
}

/// What happened to one admission of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    Stored,
    /// The same channel reference was stored before (a redelivery or a resent request): nothing
    /// was written.
    Duplicate {
        tracking: TrackingNumber,
    },
    /// Another request already holds this tracking number (a 60-bit hash collision): nothing was
    /// written; the dispatcher gives the request a new number.
    TrackingTaken,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestView {
    pub request: Request,
    /// Every task of the request, oldest first.
    pub tasks: Vec<Task>,
    /// When the request is due to be resolved: the latest resolution deadline still running
    /// among its tasks (Open311's `expected_datetime`). `None` while no clock runs: not yet
    /// dispatched, answered on receipt, or resolved.
    pub expected_at: Option<DateTime<Utc>>,
}

/// Which requests to list (Open311 `GET requests`), newest first: by the time they were received,
/// then by id (`Listing::Requests`). Only public requests (`NewRequest::is_public`) are listed
/// unless `staff` says the list is for staff (an export), who see confidential ones masked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestQuery {
    /// When not empty, exactly these requests, and every other filter is ignored.
    pub tracking: Vec<TrackingNumber>,
    /// Any of these categories (empty: all).
    pub categories: Vec<CategoryCode>,
    /// `Some(true)`: open only; `Some(false)`: closed only.
    pub open: Option<bool>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    pub page: Page,
    /// For staff (exports): confidential requests too.
    pub staff: bool,
}

/// A client application as the administrators' list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClientState {
    pub client: ApiClient,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When a process last looked the key up (to the key cache's period).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// An event waiting in the outbox, with its position in the append order.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    pub seq: i64,
    pub event: Event,
}

pub trait Store: Clone + Send + Sync + 'static {
    /// Stores new requests with their tasks and events, all in one transaction, skipping any whose
    /// `(channel, channel_ref)` is already stored. Outcomes come back in input order.
    fn ingest(
        &self,
        batch: &[Admission],
    ) -> impl Future<Output = Result<Vec<IngestOutcome>, StoreError>> + Send;

    fn request_by_tracking(
        &self,
        tracking: &TrackingNumber,
    ) -> impl Future<Output = Result<Option<RequestView>, StoreError>> + Send;

    /// The request's history, in the order it happened.
    /// The requests a WeChat citizen sent (by their OpenID), newest first, at most `limit`, each
    /// with its tasks: their own, confidential ones included (我的诉求).
    fn requests_of_openid(
        &self,
        openid: &OpenId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<RequestView>, StoreError>> + Send;

    fn request_events(&self, id: RequestId) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send;

    fn list_requests(
        &self,
        query: &RequestQuery,
    ) -> impl Future<Output = Result<Vec<RequestView>, StoreError>> + Send;

    /// The histories of several requests at once, each in order (for listings with history).
    fn events_of_requests(
        &self,
        ids: &[RequestId],
    ) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send;

    /// The tracking number a channel's reference was received under, if any: stored as a request,
    /// or recorded by `record_queued` while still on the queue. Lets a channel tell "already
    /// received" from "new" (a re-imported hotline export, a resent work order).
    fn tracking_for(
        &self,
        channel: Channel,
        channel_ref: &ChannelRef,
    ) -> impl Future<Output = Result<Option<TrackingNumber>, StoreError>> + Send;

    /// Records references the queue has confirmed (an import does, after each batch), so that
    /// `tracking_for` knows them before the dispatcher has stored them. Recording one twice is
    /// harmless.
    fn record_queued(
        &self,
        channel: Channel,
        refs: &[(ChannelRef, TrackingNumber)],
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds a client with its key's hash, and its audit entry, in one transaction. A name
    /// already taken is `Conflict`.
    fn insert_api_client(
        &self,
        client: &ApiClient,
        key: &ApiKeyHash,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every client, revoked ones too, by name.
    fn api_clients(&self) -> impl Future<Output = Result<Vec<ApiClientState>, StoreError>> + Send;

    /// Revokes a client's key, with its audit entry, in one transaction. Returns `false` (and
    /// writes nothing) when there is no such live client.
    fn revoke_api_client(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Notes that the client's key was just used (the key cache calls it once per lookup, so at
    /// most once a cache period per process).
    fn touch_api_client(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn api_client_by_key(
        &self,
        key: &ApiKeyHash,
    ) -> impl Future<Output = Result<Option<ApiClient>, StoreError>> + Send;

    /// Takes up to `limit` unpublished events, oldest first, and leases them until `lease_until`
    /// so that concurrent relays take different ones. An event whose lease ran out (its relay
    /// died) is offered again. Events themselves are never written to: the outbox keeps its own
    /// rows.
    fn lease_outbox(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<OutboxEvent>, StoreError>> + Send;

    /// Takes published events out of the outbox, in one statement.
    fn mark_published(&self, seqs: &[i64]) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The server secret kept under `name`: the one stored, or else `candidate`, stored now. The
    /// first process of a deployment to ask decides; every later one (and every restart) gets
    /// the same value.
    fn server_secret(
        &self,
        name: &str,
        candidate: &str,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;

    /// Cheap check for readiness probes: the database answers and would accept a write.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}
