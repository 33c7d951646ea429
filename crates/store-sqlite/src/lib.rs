//! The store port on SQLite: the embedded default, one file, no server to run.
//!
//! All writes go through a pool of exactly one connection, so writers queue inside the process
//! instead of failing with SQLITE_BUSY; reads use a separate pool and, thanks to WAL, never wait
//! for the writer. The local queue shares these pools (see `jiesu-queue`).

mod accounts;
mod case_rows;
mod cases;
mod escalations;
mod hotspot;
mod pools;
mod rows;
mod rulebook;
mod sessions;

use chrono::{DateTime, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::api_client::{ApiClient, ApiKeyHash};
use jiesu_domain::deadline::Deadline;
use jiesu_domain::event::Event;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{IngestOutcome, OutboxEvent, RequestQuery, RequestView, Store, StoreError};
use jiesu_domain::records::{RequestRecord, TaskRecord};
use jiesu_domain::request::{Channel, ChannelRef};
use jiesu_domain::workflow::records::DeadlineRecord;
use jiesu_sql::{store_error, to_micros};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use pools::{SqlitePools, SqliteSettings, Synchronous};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pools: SqlitePools,
}

impl SqliteStore {
    pub fn new(pools: SqlitePools) -> Self {
        Self { pools }
    }

    pub fn pools(&self) -> &SqlitePools {
        &self.pools
    }

    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads first and
        // writes later can fail to upgrade its lock when another process wrote in between.
        self.pools.writer.begin_with("BEGIN IMMEDIATE").await.map_err(store_error)
    }

    fn reader(&self) -> &SqlitePool {
        &self.pools.reader
    }
}

async fn insert_admission(
    tx: &mut Transaction<'static, Sqlite>,
    a: &Admission,
) -> Result<IngestOutcome, sqlx::Error> {
    let r = RequestRecord::from(&a.request);
    let now = to_micros(a.request.updated_at);
    // DO NOTHING on any uniqueness conflict: a known (channel, channel_ref) is a duplicate; a
    // known tracking number under another reference is a collision the dispatcher resolves.
    let inserted = sqlx::query(
        "INSERT INTO requests (id, tracking, channel, channel_ref, kind, category, description, lat, lon, address,
            contact_name, contact_phone, contact_email, contact_openid, attributes, media, area, status,
            received_at, created_at, updated_at, contact_confidential, title, urgency, category_text, area_hint,
            answer, operator, routing)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20,
            $21, $22, $23, $24, $25, $26, $27, $28)
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
    .bind(to_micros(r.received_at))
    .bind(now)
    .bind(r.contact_confidential)
    .bind(&r.title)
    .bind(&r.urgency)
    .bind(&r.category_text)
    .bind(&r.area_hint)
    .bind(&r.answer)
    .bind(&r.operator)
    .bind(routing_json(a)?)
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
            // Same id redelivered under another reference cannot happen: ids come with the message.
            _ => IngestOutcome::TrackingTaken,
        });
    }
    upsert_tasks(tx, &a.tasks).await?;
    insert_deadlines(tx, &a.deadlines).await?;
    for e in &a.events {
        insert_event(tx, e).await?;
    }
    Ok(IngestOutcome::Stored)
}

/// The routing as stored, `None` for a request answered on receipt (never routed).
fn routing_json(a: &Admission) -> Result<Option<String>, sqlx::Error> {
    if a.routing.candidates.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(&a.routing).map(Some).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Inserts new tasks, or updates a known one's state.
pub(crate) async fn upsert_tasks(
    tx: &mut Transaction<'static, Sqlite>,
    tasks: &[jiesu_domain::task::Task],
) -> Result<(), sqlx::Error> {
    for t in tasks.iter().map(TaskRecord::from) {
        sqlx::query(jiesu_sql::statements::UPSERT_TASK)
            .bind(t.id)
            .bind(t.request_id)
            .bind(&t.bureau)
            .bind(&t.role)
            .bind(&t.state)
            .bind(t.binding)
            .bind(to_micros(t.dispatched_at))
            .bind(to_micros(t.updated_at))
            .bind(&t.scope)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Inserts new clocks, or updates a known one (moved by an extension, settled, re-armed).
pub(crate) async fn insert_deadlines(
    tx: &mut Transaction<'static, Sqlite>,
    deadlines: &[Deadline],
) -> Result<(), sqlx::Error> {
    for d in deadlines.iter().map(DeadlineRecord::from) {
        sqlx::query(jiesu_sql::statements::UPSERT_DEADLINE)
            .bind(d.id)
            .bind(d.request_id)
            .bind(d.task_id)
            .bind(&d.kind)
            .bind(&d.class)
            .bind(to_micros(d.due_at))
            .bind(&d.state)
            .bind(d.settled_at.map(to_micros))
            .bind(d.stage)
            .bind(d.next_action_at.map(to_micros))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub(crate) async fn insert_event(
    tx: &mut Transaction<'static, Sqlite>,
    e: &Event,
) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(e).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "INSERT INTO events (id, request_id, task_id, kind, payload, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(e.id.as_uuid())
    .bind(e.request_id.as_uuid())
    .bind(e.task_id.map(|t| t.as_uuid()))
    .bind(e.kind.name())
    .bind(payload)
    .bind(to_micros(e.occurred_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store for SqliteStore {
    async fn ingest(&self, batch: &[Admission]) -> Result<Vec<IngestOutcome>, StoreError> {
        let mut tx = self.begin().await?;
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
        rows::request_view(self.reader(), tracking.as_str()).await
    }

    async fn request_events(&self, id: RequestId) -> Result<Vec<Event>, StoreError> {
        rows::events_of(self.reader(), id).await
    }

    async fn list_requests(&self, query: &RequestQuery) -> Result<Vec<RequestView>, StoreError> {
        rows::list(self.reader(), query).await
    }

    async fn events_of_requests(&self, ids: &[RequestId]) -> Result<Vec<Event>, StoreError> {
        rows::events_of_many(self.reader(), ids).await
    }

    async fn tracking_for(
        &self,
        channel: Channel,
        channel_ref: &ChannelRef,
    ) -> Result<Option<TrackingNumber>, StoreError> {
        let found: Option<String> = sqlx::query_scalar(jiesu_sql::statements::TRACKING_FOR)
            .bind(channel.as_str())
            .bind(channel_ref.as_str())
            .fetch_one(self.reader())
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
        let mut tx = self.begin().await?;
        for (channel_ref, tracking) in refs {
            sqlx::query(
                "INSERT INTO queued_refs (channel, channel_ref, tracking, queued_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(channel.as_str())
            .bind(channel_ref.as_str())
            .bind(tracking.as_str())
            .bind(to_micros(at))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn insert_api_client(&self, client: &ApiClient, key: &ApiKeyHash) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_clients (id, name, channel, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(client.id)
        .bind(&client.name)
        .bind(client.channel.as_str())
        .bind(key.as_bytes().as_slice())
        .bind(to_micros(client.created_at))
        .execute(&self.pools.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn api_client_by_key(&self, key: &ApiKeyHash) -> Result<Option<ApiClient>, StoreError> {
        rows::api_client(self.reader(), key).await
    }

    async fn lease_outbox(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "UPDATE events SET lease_until = $1
             WHERE seq IN (SELECT seq FROM events
                           WHERE published_at IS NULL AND (lease_until IS NULL OR lease_until < $2)
                           ORDER BY seq LIMIT $3)
             RETURNING seq, payload",
        )
        .bind(to_micros(lease_until))
        .bind(to_micros(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pools.writer)
        .await
        .map_err(store_error)?;
        jiesu_sql::outbox_events(rows)
    }

    async fn mark_published(&self, seqs: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
        let seqs = serde_json::to_string(seqs).unwrap_or_else(|_| "[]".to_owned());
        sqlx::query(
            "UPDATE events SET published_at = $1, lease_until = NULL
             WHERE seq IN (SELECT value FROM json_each($2))",
        )
        .bind(to_micros(now))
        .bind(seqs)
        .execute(&self.pools.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn server_secret(&self, name: &str, candidate: &str) -> Result<String, StoreError> {
        sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&self.pools.writer)
            .await
            .map_err(store_error)?;
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pools.writer)
            .await
            .map_err(store_error)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(self.reader()).await.map_err(store_error)?;
        Ok(())
    }
}
