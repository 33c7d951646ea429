//! The store port on PostgreSQL: the deployment at scale, where several dispatchers, relays and
//! API processes share one database. Row locks with `SKIP LOCKED` let concurrent workers take
//! different rows instead of waiting for each other.

mod accounts;
mod case_rows;
mod cases;
mod escalations;
mod hotspot;
mod ingest;
mod rows;
mod rulebook;
mod sessions;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::api_client::{ApiClient, ApiKeyHash};
use jiesu_domain::event::Event;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{IngestOutcome, OutboxEvent, RequestQuery, RequestView, Store, StoreError};
use jiesu_domain::request::{Channel, ChannelRef};
use jiesu_sql::store_error;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

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

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str, settings: &PgSettings) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unexpected(format!("bad PostgreSQL URL: {e}")))?
            .application_name("jiesu");
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await
            .map_err(store_error)?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Brings the schema up to date. Safe to run from several processes at once: sqlx holds an
    /// advisory lock while it migrates.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        jiesu_sql::POSTGRES
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Unexpected(format!("migration failed: {e}")))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl Store for PgStore {
    async fn ingest(&self, batch: &[Admission]) -> Result<Vec<IngestOutcome>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let outcomes = ingest::ingest(&mut tx, batch).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(outcomes)
    }

    async fn request_by_tracking(
        &self,
        tracking: &TrackingNumber,
    ) -> Result<Option<RequestView>, StoreError> {
        rows::request_view(&self.pool, tracking.as_str()).await
    }

    async fn request_events(&self, id: RequestId) -> Result<Vec<Event>, StoreError> {
        rows::events_of(&self.pool, id).await
    }

    async fn list_requests(&self, query: &RequestQuery) -> Result<Vec<RequestView>, StoreError> {
        rows::list(&self.pool, query).await
    }

    async fn events_of_requests(&self, ids: &[RequestId]) -> Result<Vec<Event>, StoreError> {
        rows::events_of_many(&self.pool, ids).await
    }

    async fn tracking_for(
        &self,
        channel: Channel,
        channel_ref: &ChannelRef,
    ) -> Result<Option<TrackingNumber>, StoreError> {
        let found: Option<String> = sqlx::query_scalar(jiesu_sql::statements::TRACKING_FOR)
            .bind(channel.as_str())
            .bind(channel_ref.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        jiesu_sql::tracking_number(found)
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

    async fn insert_api_client(&self, client: &ApiClient, key: &ApiKeyHash) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_clients (id, name, channel, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(client.id)
        .bind(&client.name)
        .bind(client.channel.as_str())
        .bind(key.as_bytes().as_slice())
        .bind(client.created_at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn api_client_by_key(&self, key: &ApiKeyHash) -> Result<Option<ApiClient>, StoreError> {
        rows::api_client(&self.pool, key).await
    }

    async fn lease_outbox(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        // SKIP LOCKED: two relays leasing at once take disjoint sets instead of queueing.
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "UPDATE events SET lease_until = $1
             WHERE seq IN (SELECT seq FROM events
                           WHERE published_at IS NULL AND (lease_until IS NULL OR lease_until < $2)
                           ORDER BY seq LIMIT $3
                           FOR UPDATE SKIP LOCKED)
             RETURNING seq, payload::text",
        )
        .bind(lease_until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        jiesu_sql::outbox_events(rows)
    }

    async fn mark_published(&self, seqs: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE events SET published_at = $1, lease_until = NULL WHERE seq = ANY($2)")
            .bind(now)
            .bind(seqs)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn server_secret(&self, name: &str, candidate: &str) -> Result<String, StoreError> {
        sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)
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
}
