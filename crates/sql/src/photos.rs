//! Photos still to fetch, once for both backends (see `jiesu_ports::photos`).

use chrono::{DateTime, Utc};
use jiesu_domain::ports::{PendingPhoto, PendingPhotos, PhotoOutcome, StoreError};

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, DbTime, Stmt, all, optional, run};
use crate::statements::Lease;
use crate::store_error;

#[derive(Debug, sqlx::FromRow)]
pub struct PhotoRow {
    pub name: String,
    pub media_id: String,
    pub pic_url: String,
    pub attempts: i64,
}

impl From<PhotoRow> for PendingPhoto {
    fn from(r: PhotoRow) -> Self {
        let attempts = u32::try_from(r.attempts.max(0)).unwrap_or(u32::MAX);
        Self { name: r.name, media_id: r.media_id, pic_url: r.pic_url, attempts }
    }
}

impl<B: Backend> PendingPhotos for SqlStore<B> {
    async fn queue_photo(&self, photo: &PendingPhoto, now: DateTime<Utc>) -> Result<(), StoreError> {
        let s = Stmt::<B::Db>::new(
            "INSERT INTO channel_photos (name, media_id, pic_url, attempts, due_at, created_at)
             VALUES ($1, $2, $3, 0, $4, $4) ON CONFLICT (name) DO NOTHING",
        )
        .bind(photo.name.clone())
        .bind(photo.media_id.clone())
        .bind(photo.pic_url.clone())
        .bind(DbTime(now));
        run(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(())
    }

    async fn lease_photos(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PendingPhoto>, StoreError> {
        const LEASE: Lease = Lease {
            table: "channel_photos",
            key: "name",
            due: "due_at",
            pending: "failed IS NULL",
            then_by: "",
            returning: "name, media_id, pic_url, CAST(attempts AS BIGINT) AS attempts",
        };
        let s = LEASE.stmt::<B::Db>(now, lease_until, limit);
        let rows: Vec<PhotoRow> = all(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(rows.into_iter().map(PendingPhoto::from).collect())
    }

    async fn settle_photo(&self, name: &str, outcome: &PhotoOutcome) -> Result<(), StoreError> {
        let s = match outcome {
            PhotoOutcome::Stored => {
                Stmt::<B::Db>::new("DELETE FROM channel_photos WHERE name = $1").bind(name.to_owned())
            }
            PhotoOutcome::Retry { at, why } => {
                Stmt::<B::Db>::new("UPDATE channel_photos SET due_at = $2, last_error = $3 WHERE name = $1")
                    .bind(name.to_owned())
                    .bind(DbTime(*at))
                    .bind(why.clone())
            }
            PhotoOutcome::Failed { why } => {
                Stmt::<B::Db>::new("UPDATE channel_photos SET failed = $2, last_error = $2 WHERE name = $1")
                    .bind(name.to_owned())
                    .bind(why.clone())
            }
        };
        run(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(())
    }

    async fn photo_failure(&self, name: &str) -> Result<Option<String>, StoreError> {
        let s = Stmt::<B::Db>::new("SELECT failed FROM channel_photos WHERE name = $1").bind(name.to_owned());
        let row: Option<Col<Option<String>>> =
            optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        Ok(row.and_then(|(why,)| why))
    }
}
