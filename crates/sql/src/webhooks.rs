//! Client applications' webhooks, once for both backends (see `jiesu_ports::webhooks`).

use jiesu_domain::audit::AuditEntry;
use jiesu_domain::ports::{RegisteredWebhook, StoreError, Webhooks};
use jiesu_domain::webhook::{Webhook, WebhookSecret, WebhookUrl};
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, DbTime, Stmt, all, optional, run};
use crate::records::CorruptRow;
use crate::{corrupt, store_error};

#[derive(Debug, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: Uuid,
    pub client_id: Uuid,
    pub url: String,
    pub secret: String,
    pub topics: String,
    pub created_at: DbTime,
    pub client_name: String,
    pub revoked_at: Option<DbTime>,
}

impl TryFrom<WebhookRow> for RegisteredWebhook {
    type Error = StoreError;
    fn try_from(r: WebhookRow) -> Result<Self, StoreError> {
        let url = WebhookUrl::parse(&r.url)
            .map_err(|e| corrupt(CorruptRow { table: "webhooks", message: format!("url: {e}") }))?;
        let topics = r.topics.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect();
        Ok(Self {
            webhook: Webhook {
                id: r.id,
                client: r.client_id,
                url,
                secret: WebhookSecret::from_stored(r.secret),
                topics,
                created_at: r.created_at.0,
            },
            client_name: r.client_name,
            client_revoked: r.revoked_at.is_some(),
        })
    }
}

impl<B: Backend> Webhooks for SqlStore<B> {
    async fn add_webhook(&self, webhook: &Webhook, audit: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // Only a client whose key still opens something may have its calls made.
        let client = Stmt::<B::Db>::new("SELECT id FROM api_clients WHERE id = $1 AND revoked_at IS NULL")
            .bind(webhook.client);
        let found: Option<Col<Uuid>> = optional(&mut *tx, client).await.map_err(store_error)?;
        if found.is_none() {
            return Err(StoreError::Conflict("no client with a good key".to_owned()));
        }
        let s = Stmt::<B::Db>::new(
            "INSERT INTO webhooks (id, client_id, url, secret, topics, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(webhook.id)
        .bind(webhook.client)
        .bind(webhook.url.as_str().to_owned())
        .bind(webhook.secret.expose().to_owned())
        .bind(webhook.topics.join(","))
        .bind(DbTime(webhook.created_at));
        run(&mut *tx, s).await.map_err(store_error)?;
        crate::audit::append::<B::Db>(&mut *tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn webhooks(&self) -> Result<Vec<RegisteredWebhook>, StoreError> {
        let s = Stmt::<B::Db>::new(
            "SELECT w.id, w.client_id, w.url, w.secret, w.topics, w.created_at,
                    c.name AS client_name, c.revoked_at
             FROM webhooks w JOIN api_clients c ON c.id = w.client_id
             ORDER BY w.created_at, w.id",
        );
        let rows: Vec<WebhookRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter().map(RegisteredWebhook::try_from).collect()
    }

    async fn remove_webhook(&self, id: Uuid, audit: &AuditEntry) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let s = Stmt::<B::Db>::new("DELETE FROM webhooks WHERE id = $1").bind(id);
        if run(&mut *tx, s).await.map_err(store_error)? == 0 {
            return Ok(false);
        }
        crate::audit::append::<B::Db>(&mut *tx, audit).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }
}
