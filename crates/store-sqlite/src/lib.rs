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
use jiesu_sql::records::RequestRecord;
use jiesu_sql::{Backend, store_error, writes};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};

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

    /// Row by row: SQLite runs in-process, so a statement costs no round trip.
    #[tracing::instrument(name = "store.ingest", level = "debug", skip_all, fields(batch.size = batch.len()))]
    async fn ingest(&self, batch: &[Admission]) -> Result<Vec<IngestOutcome>, StoreError> {
        let mut tx = Backend::begin(self).await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for a in batch {
            outcomes.push(insert_admission(&mut tx, a).await.map_err(store_error)?);
        }
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

async fn insert_admission(tx: &mut SqliteConnection, a: &Admission) -> Result<IngestOutcome, sqlx::Error> {
    let r = RequestRecord::from(&a.request);
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
    .bind(r.received_at)
    .bind(r.updated_at)
    .bind(r.contact_confidential)
    .bind(&r.title)
    .bind(&r.urgency)
    .bind(&r.category_text)
    .bind(&r.area_hint)
    .bind(&r.answer)
    .bind(&r.operator)
    .bind(routing_json(a)?)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        let existing: Option<String> =
            sqlx::query_scalar("SELECT tracking FROM requests WHERE channel = $1 AND channel_ref = $2")
                .bind(&r.channel)
                .bind(&r.channel_ref)
                .fetch_optional(&mut *tx)
                .await?;
        return Ok(match existing.map(|t| TrackingNumber::parse(&t)) {
            Some(Ok(tracking)) => IngestOutcome::Duplicate { tracking },
            // Same id redelivered under another reference cannot happen: ids come with the message.
            _ => IngestOutcome::TrackingTaken,
        });
    }
    writes::upsert_tasks::<Sqlite>(tx, &a.tasks).await?;
    writes::upsert_deadlines::<Sqlite>(tx, &a.deadlines).await?;
    writes::insert_events::<Sqlite>(tx, &a.events).await?;
    Ok(IngestOutcome::Stored)
}

/// The routing as stored, `None` for a request answered on receipt (never routed).
fn routing_json(a: &Admission) -> Result<Option<String>, sqlx::Error> {
    if a.routing.candidates.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(&a.routing).map(Some).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}
