//! The store port on SQLite: the embedded default, one file, no server to run.
//!
//! All writes go through a pool of exactly one connection, so writers queue inside the process
//! instead of failing with SQLITE_BUSY; reads use a separate pool and, thanks to WAL, never wait
//! for the writer. The local queue shares these pools (see `jiesu-queue`). The ports themselves
//! are `jiesu_sql::SqlStore`, written once for both backends; this crate supplies the pools, the
//! write transaction (`BEGIN IMMEDIATE`) and the dispatcher batch.

mod pools;

use chrono::{DateTime, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{IngestOutcome, StoreError};
use jiesu_domain::request::{Channel, ChannelRef};
use jiesu_sql::dialect::DbTime;
use jiesu_sql::{Backend, store_error};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use pools::{SqlitePools, SqliteSettings, Synchronous};

/// The store ports on SQLite.
pub type SqliteStore = jiesu_sql::SqlStore<SqlitePools>;

impl Backend for SqlitePools {
    type Db = Sqlite;
    type Settings = SqliteSettings;

    async fn connect(url: &str, settings: &SqliteSettings) -> Result<Self, StoreError> {
        SqlitePools::open(url, settings).await
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        SqlitePools::migrate(self).await
    }

    async fn close(&self) {
        SqlitePools::close(self).await
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    async fn begin(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads first and
        // writes later can fail to upgrade its lock when another process wrote in between.
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)
    }

    /// In multi-row statements: each statement is a hop to the connection's thread, and row by
    /// row those hops bounded the dispatcher (it used under half a core).
    #[tracing::instrument(name = "store.ingest", level = "debug", skip_all, fields(batch.size = batch.len()))]
    async fn ingest(&self, batch: &[Admission]) -> Result<Vec<IngestOutcome>, StoreError> {
        let mut tx = Backend::begin(self).await?;
        let outcomes =
            jiesu_sql::ingest::ingest_batch::<Sqlite>(&mut tx, batch).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(outcomes)
    }

    async fn record_queued(
        &self,
        channel: Channel,
        refs: &[(ChannelRef, TrackingNumber)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = Backend::begin(self).await?;
        for (channel_ref, tracking) in refs {
            sqlx::query(
                "INSERT INTO queued_refs (channel, channel_ref, tracking, queued_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(channel.as_str())
            .bind(channel_ref.as_str())
            .bind(tracking.as_str())
            .bind(DbTime(at))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await.map_err(store_error)?;
        Ok(())
    }
}
