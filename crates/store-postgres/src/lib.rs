//! The store port on PostgreSQL: the deployment at scale, where several dispatchers, relays and
//! API processes share one database. Row locks with `SKIP LOCKED` let concurrent workers take
//! different rows instead of waiting for each other. The ports themselves are
//! `jiesu_sql::SqlStore`, written once for both backends; this crate supplies the pool and the
//! multi-row inserts (`ingest`).

mod ingest;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::deadline::Deadline;
use jiesu_domain::escalation::EscalationId;
use jiesu_domain::event::Event;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{IngestOutcome, StoreError};
use jiesu_domain::request::{Channel, ChannelRef};
use jiesu_sql::{Backend, store_error};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

#[derive(Debug, Clone)]
pub struct PgSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PgSettings {
    fn default() -> Self {
        Self { max_connections: 10, acquire_timeout: Duration::from_secs(10) }
    }
}

/// The store ports on PostgreSQL.
pub type PgStore = jiesu_sql::SqlStore<PgPools>;

/// The connection pool every port shares.
#[derive(Debug, Clone)]
pub struct PgPools {
    pool: PgPool,
}

impl Backend for PgPools {
    type Db = Postgres;
    type Settings = PgSettings;

    async fn connect(url: &str, settings: &PgSettings) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unexpected(format!("bad PostgreSQL URL: {e}")))?
            .application_name("jiesu")
            // Every statement here reads or writes a few rows through an index. A parallel plan
            // only adds the cost of starting workers: the generic plan of the Open311 list's
            // open-only filter gathered two workers per call, 120 ms against 17 ms for the other
            // pages, with 1,000,000 requests (scripts/reads). The URL's own options still apply.
            .options([("max_parallel_workers_per_gather", "0")]);
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await
            .map_err(store_error)?;
        Ok(Self { pool })
    }

    /// Safe to run from several processes at once: sqlx holds an advisory lock while it migrates.
    async fn migrate(&self) -> Result<(), StoreError> {
        jiesu_sql::POSTGRES
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Unexpected(format!("migration failed: {e}")))
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(store_error)
    }

    #[tracing::instrument(name = "store.ingest", level = "debug", skip_all, fields(batch.size = batch.len()))]
    async fn ingest(&self, batch: &[Admission]) -> Result<Vec<IngestOutcome>, StoreError> {
        let mut tx = self.begin().await?;
        let outcomes = ingest::ingest(&mut tx, batch).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(outcomes)
    }

    async fn record_queued(
        &self,
        channel: Channel,
        refs: &[(ChannelRef, TrackingNumber)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let channel_refs: Vec<&str> = refs.iter().map(|(r, _)| r.as_str()).collect();
        let trackings: Vec<&str> = refs.iter().map(|(_, t)| t.as_str()).collect();
        sqlx::query(
            "INSERT INTO queued_refs (channel, channel_ref, tracking, queued_at)
             SELECT $1, r, t, $4 FROM UNNEST($2::text[], $3::text[]) AS u(r, t)
             ON CONFLICT DO NOTHING",
        )
        .bind(channel.as_str())
        .bind(&channel_refs)
        .bind(&trackings)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        // A standby, or a primary forced read-only, answers but cannot store: not ready.
        let read_only: String = sqlx::query_scalar("SHOW transaction_read_only")
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        if read_only == "on" {
            return Err(StoreError::Unavailable(
                "the database is read-only (a standby, or in recovery)".into(),
            ));
        }
        Ok(())
    }

    async fn upsert_deadlines(c: &mut PgConnection, deadlines: &[Deadline]) -> Result<(), sqlx::Error> {
        ingest::upsert_deadlines(c, deadlines).await
    }

    async fn insert_events(c: &mut PgConnection, events: &[Event]) -> Result<(), sqlx::Error> {
        ingest::insert_events(c, events).await
    }

    async fn insert_members(
        c: &mut PgConnection,
        members: &[(RequestId, EscalationId)],
    ) -> Result<(), sqlx::Error> {
        ingest::insert_members(c, members).await
    }
}
