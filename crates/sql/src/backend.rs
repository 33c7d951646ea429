//! One store for both backends: `SqlStore<B>` implements every port once, over the `Backend` a
//! store crate supplies: its pools, how it opens a write transaction, and the few operations that
//! really differ (a dispatcher batch, the readiness ping, PostgreSQL's multi-row inserts).

use std::future::Future;

use chrono::{DateTime, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::deadline::Deadline;
use jiesu_domain::escalation::EscalationId;
use jiesu_domain::event::Event;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{IngestOutcome, StoreError};
use jiesu_domain::request::{Channel, ChannelRef};
use sqlx::pool::PoolConnection;
use sqlx::{Pool, Transaction};

use crate::dialect::Dialect;
use crate::{store_error, writes};

/// What a store crate supplies; everything else is written once, in this crate.
pub trait Backend: Clone + Send + Sync + std::fmt::Debug + 'static {
    type Db: Dialect;
    type Settings: Sync;

    fn connect(url: &str, settings: &Self::Settings)
    -> impl Future<Output = Result<Self, StoreError>> + Send;
    fn migrate(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn close(&self) -> impl Future<Output = ()> + Send;

    /// Where reads go (on SQLite, never waiting for the writer).
    fn reader(&self) -> &Pool<Self::Db>;
    /// Where writes outside a transaction go.
    fn writer(&self) -> &Pool<Self::Db>;
    /// A transaction that will write.
    fn begin(&self) -> impl Future<Output = Result<Transaction<'static, Self::Db>, StoreError>> + Send;

    /// Stores a dispatcher batch in one transaction.
    fn ingest(
        &self,
        batch: &[Admission],
    ) -> impl Future<Output = Result<Vec<IngestOutcome>, StoreError>> + Send;
    /// Remembers channel references queued under their tracking numbers.
    fn record_queued(
        &self,
        channel: Channel,
        refs: &[(ChannelRef, TrackingNumber)],
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Whether the database can store now.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// New clocks, or known ones moved, settled or re-armed. Row by row unless the backend batches.
    fn upsert_deadlines(
        c: &mut <Self::Db as sqlx::Database>::Connection,
        deadlines: &[Deadline],
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
        writes::upsert_deadlines::<Self::Db>(c, deadlines)
    }
    /// Appends events in the order given. Row by row unless the backend batches.
    fn insert_events(
        c: &mut <Self::Db as sqlx::Database>::Connection,
        events: &[Event],
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
        writes::insert_events::<Self::Db>(c, events)
    }
    /// A hotspot's members. Row by row unless the backend batches.
    fn insert_members(
        c: &mut <Self::Db as sqlx::Database>::Connection,
        members: &[(RequestId, EscalationId)],
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
        writes::insert_members::<Self::Db>(c, members)
    }
}

/// The store ports on a SQL backend.
#[derive(Debug, Clone)]
pub struct SqlStore<B> {
    backend: B,
}

impl<B: Backend> SqlStore<B> {
    pub fn new(backend: B) -> Self {
        Self { backend }
    }

    /// Opens the database at `url`.
    pub async fn connect(url: &str, settings: &B::Settings) -> Result<Self, StoreError> {
        B::connect(url, settings).await.map(Self::new)
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.backend.migrate().await
    }

    pub async fn close(&self) {
        self.backend.close().await
    }

    /// The backend's pools (on SQLite, the writer the local queue shares).
    pub fn pools(&self) -> &B {
        &self.backend
    }

    /// The pool writes go to.
    pub fn pool(&self) -> &Pool<B::Db> {
        self.backend.writer()
    }

    pub(crate) fn backend(&self) -> &B {
        &self.backend
    }

    pub(crate) async fn read(&self) -> Result<PoolConnection<B::Db>, StoreError> {
        self.backend.reader().acquire().await.map_err(store_error)
    }

    pub(crate) async fn write(&self) -> Result<PoolConnection<B::Db>, StoreError> {
        self.backend.writer().acquire().await.map_err(store_error)
    }

    pub(crate) async fn begin(&self) -> Result<Transaction<'static, B::Db>, StoreError> {
        self.backend.begin().await
    }
}
