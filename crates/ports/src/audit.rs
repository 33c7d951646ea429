//! The audit log's port: entries are appended and read back newest first, filtered. There is no
//! way to change or delete one through it, and the adapters' tables refuse it too (a trigger), so
//! a bug or a hand with SQL access cannot quietly rewrite what happened.

use std::future::Future;

use chrono::{DateTime, Utc};
use jiesu_model::audit::{AuditAction, AuditEntry};

use super::{Page, StoreError};

/// Which entries to read: every given filter must match; empty ones match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Any of these actions (none: all).
    pub actions: Vec<AuditAction>,
    /// Entries made by, or done to, this username (exact).
    pub who: Option<String>,
    /// From this instant (included).
    pub from: Option<DateTime<Utc>>,
    /// Before this instant (excluded).
    pub until: Option<DateTime<Utc>>,
    /// Newest first (`Listing::Audit`); a keyset page.
    pub page: Page,
}

pub trait Audit: Clone + Send + Sync + 'static {
    /// Adds an entry. Appending the same entry (its id) twice is a `Conflict`.
    fn append_audit(&self, entry: &AuditEntry) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The entries the query asks for, newest first.
    fn audit_log(
        &self,
        query: &AuditQuery,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, StoreError>> + Send;
}
