//! The store port on PostgreSQL: the deployment at scale, where several dispatchers, relays and
//! API processes share one database. Row locks with `SKIP LOCKED` let concurrent workers take
//! different rows instead of waiting for each other.

mod rows;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::api_client::{ApiClient, ApiKeyHash};
use jiesu_domain::event::Event;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{IngestOutcome, OutboxEvent, RequestView, Store, StoreError};
use jiesu_domain::records::{RequestRecord, TaskRecord};
use jiesu_sql::store_error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

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

async fn insert_admission(
    tx: &mut Transaction<'static, Postgres>,
    a: &Admission,
) -> Result<IngestOutcome, sqlx::Error> {
    let r = RequestRecord::from(&a.request);
    // DO NOTHING on any uniqueness conflict: a known (channel, channel_ref) is a duplicate; a
    // known tracking number under another reference is a collision the dispatcher resolves.
    let inserted = sqlx::query(
        "INSERT INTO requests (id, tracking, channel, channel_ref, kind, category, description, lat, lon, address,
            contact_name, contact_phone, contact_email, contact_openid, attributes, media, area, status,
            received_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16::jsonb, $17, $18,
            $19, $20, $20)
         ON CONFLICT DO NOTHING",
    )
    .bind(r.id)
    .bind(&r.tracking)
    .bind(&r.channel)
    .bind(&r.channel_ref)
    .bind(&r.kind)
    .bind(&r.category)
    .bind(&r.description)
    .bind(r.lat)
    .bind(r.lon)
    .bind(&r.address)
    .bind(&r.contact_name)
    .bind(&r.contact_phone)
    .bind(&r.contact_email)
    .bind(&r.contact_openid)
    .bind(&r.attributes)
    .bind(&r.media)
    .bind(&r.area)
    .bind(&r.status)
    .bind(r.received_at)
    .bind(r.updated_at)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        let existing: Option<String> =
            sqlx::query_scalar("SELECT tracking FROM requests WHERE channel = $1 AND channel_ref = $2")
                .bind(&r.channel)
                .bind(&r.channel_ref)
                .fetch_optional(&mut **tx)
                .await?;
        return Ok(match existing.map(|t| TrackingNumber::parse(&t)) {
            Some(Ok(tracking)) => IngestOutcome::Duplicate { tracking },
            _ => IngestOutcome::TrackingTaken,
        });
    }
    for t in a.tasks.iter().map(TaskRecord::from) {
        sqlx::query(
            "INSERT INTO tasks (id, request_id, bureau, role, state, binding, dispatched_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(t.id)
        .bind(t.request_id)
        .bind(&t.bureau)
        .bind(&t.role)
        .bind(&t.state)
        .bind(t.binding)
        .bind(t.dispatched_at)
        .bind(t.updated_at)
        .execute(&mut **tx)
        .await?;
    }
    for e in &a.events {
        insert_event(tx, e).await?;
    }
    Ok(IngestOutcome::Stored)
}

async fn insert_event(tx: &mut Transaction<'static, Postgres>, e: &Event) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(e).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "INSERT INTO events (id, request_id, task_id, kind, payload, occurred_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6)",
    )
    .bind(e.id.as_uuid())
    .bind(e.request_id.as_uuid())
    .bind(e.task_id.map(|t| t.as_uuid()))
    .bind(e.kind.name())
    .bind(payload)
    .bind(e.occurred_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store for PgStore {
    async fn ingest(&self, batch: &[Admission]) -> Result<Vec<IngestOutcome>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for a in batch {
            outcomes.push(insert_admission(&mut tx, a).await.map_err(store_error)?);
        }
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

    async fn insert_api_client(&self, client: &ApiClient, key: &ApiKeyHash) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_clients (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(client.id)
            .bind(&client.name)
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

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(store_error)?;
        Ok(())
    }
}
