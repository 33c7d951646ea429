//! Client applications' webhooks (issue 16): registered by an administrator or by the client
//! with its own key, listed, removed. The notify role reads them when it records a batch's
//! notices (which webhooks hear of an event) and when it sends (where, and with which secret).

use std::future::Future;

use jiesu_model::audit::AuditEntry;
use jiesu_model::webhook::Webhook;
use uuid::Uuid;

use crate::store::StoreError;

/// A webhook as the administrators see it: with its client's name, and whether the client's key
/// was revoked (its webhooks are then silent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredWebhook {
    pub webhook: Webhook,
    pub client_name: String,
    pub client_revoked: bool,
}

impl RegisteredWebhook {
    /// Whether it is sent to: its client's key is still good.
    pub fn active(&self) -> bool {
        !self.client_revoked
    }
}

pub trait Webhooks: Clone + Send + Sync + 'static {
    /// Registers `webhook` and writes `audit`, in one transaction; `Conflict` when its client
    /// has registered that URL already, or has no good key (none, or revoked).
    fn add_webhook(
        &self,
        webhook: &Webhook,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every webhook, oldest first.
    fn webhooks(&self) -> impl Future<Output = Result<Vec<RegisteredWebhook>, StoreError>> + Send;

    /// Removes the webhook `id` and writes `audit`; `false` (and no audit) when there was none.
    fn remove_webhook(
        &self,
        id: Uuid,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
