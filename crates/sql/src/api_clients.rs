//! Client applications' keys, once for both backends: stored as hashes, listed for the
//! administrators, revoked, and stamped with their last use.

use chrono::{DateTime, Utc};
use jiesu_domain::api_client::{ApiClient, ApiKeyHash};
use jiesu_domain::audit::AuditEntry;
use jiesu_domain::ports::{ApiClientState, StoreError};
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{DbTime, Stmt, all, optional, run};
use crate::records::{ApiClientRow, ApiClientStateRow};
use crate::store_error;

impl<B: Backend> SqlStore<B> {
    pub(crate) async fn add_api_client(
        &self,
        client: &ApiClient,
        key: &ApiKeyHash,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let s = Stmt::<B::Db>::new(
            "INSERT INTO api_clients (id, name, channel, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(client.id)
        .bind(client.name.clone())
        .bind(client.channel.as_str().to_owned())
        .bind(key.as_bytes().to_vec())
        .bind(DbTime(client.created_at));
        let mut tx = self.begin().await?;
        run(&mut *tx, s).await.map_err(store_error)?;
        crate::audit::append::<B::Db>(&mut *tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    pub(crate) async fn client_by_key(&self, key: &ApiKeyHash) -> Result<Option<ApiClient>, StoreError> {
        let s = Stmt::<B::Db>::new(
            "SELECT id, name, channel, created_at FROM api_clients WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(key.as_bytes().to_vec());
        let row: Option<ApiClientRow> = optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        row.map(ApiClient::try_from).transpose()
    }

    pub(crate) async fn all_api_clients(&self) -> Result<Vec<ApiClientState>, StoreError> {
        let s = Stmt::<B::Db>::new(
            "SELECT id, name, channel, created_at, revoked_at, last_used_at FROM api_clients ORDER BY name",
        );
        let rows: Vec<ApiClientStateRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(ApiClientState {
                    client: ApiClient::try_from(r.client)?,
                    revoked_at: r.revoked_at.map(|t| t.0),
                    last_used_at: r.last_used_at.map(|t| t.0),
                })
            })
            .collect()
    }

    pub(crate) async fn revoke_client(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let s =
            Stmt::<B::Db>::new("UPDATE api_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(DbTime(now));
        let mut tx = self.begin().await?;
        if run(&mut *tx, s).await.map_err(store_error)? == 0 {
            return Ok(false);
        }
        crate::audit::append::<B::Db>(&mut *tx, audit).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    pub(crate) async fn touch_client(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        let s = Stmt::<B::Db>::new("UPDATE api_clients SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(DbTime(now));
        run(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(())
    }
}
