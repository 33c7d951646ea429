//! The audit log, once for both backends. The table refuses updates and deletes by trigger (see
//! the migrations), so `append_audit` is the only way in.

use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::{Audit, AuditQuery, StoreError};
use jiesu_domain::staff::Username;
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Conn, DbList, DbTime, Dialect, Stmt, all, run};
use crate::paging::Keyset;
use crate::records::CorruptRow;
use crate::{corrupt, store_error};

/// Newest first (`Listing::Audit`), through `audit_log_at`.
const AUDIT: Keyset = Keyset { key: "at", id: "id", newest_first: true };

#[derive(Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub at: DbTime,
    pub actor: Option<String>,
    pub action: String,
    pub subject: String,
    pub client: Option<String>,
    pub detail: String,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        let bad = |message: String| corrupt(CorruptRow { table: "audit_log", message });
        let action = AuditAction::parse(&r.action).ok_or_else(|| bad(format!("action `{}`", r.action)))?;
        let actor =
            r.actor.map(|a| Username::parse(&a).map_err(|e| bad(format!("actor: {e}")))).transpose()?;
        Ok(AuditEntry {
            id: r.id,
            at: r.at.0,
            actor,
            action,
            subject: r.subject,
            client: r.client,
            detail: r.detail,
        })
    }
}

/// Appends `entry` on `c`: inside a caller's transaction, the entry commits with the change.
pub(crate) async fn append<DB: Dialect>(c: &mut Conn<DB>, entry: &AuditEntry) -> Result<(), StoreError> {
    let s = Stmt::<DB>::new(
        "INSERT INTO audit_log (id, at, actor, action, subject, client, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.id)
    .bind(DbTime(entry.at))
    .bind(entry.actor.as_ref().map(|a| a.as_str().to_owned()))
    .bind(entry.action.as_str().to_owned())
    .bind(entry.subject.clone())
    .bind(entry.client.clone())
    .bind(entry.detail.clone());
    run(c, s).await.map_err(store_error)?;
    Ok(())
}

impl<B: Backend> Audit for SqlStore<B> {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        append::<B::Db>(&mut *self.write().await?, entry).await
    }

    async fn audit_log(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let sql = format!(
            "SELECT id, at, actor, action, subject, client, detail FROM audit_log
             WHERE ({} OR {})
               AND ($2 IS NULL OR actor = $2 OR subject = $2)
               AND ($3 IS NULL OR at >= $3)
               AND ($4 IS NULL OR at < $4){}",
            B::Db::none(1),
            B::Db::any("action", 1),
            AUDIT.tail(&q.page, 5),
        );
        let s = Stmt::<B::Db>::assembled(sql)
            .bind(q.actions.iter().map(|a| a.as_str().to_owned()).collect::<DbList<String>>())
            .bind(q.who.clone())
            .bind(q.from.map(DbTime))
            .bind(q.until.map(DbTime));
        let s = Keyset::bind(&q.page, s);
        let rows: Vec<AuditRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter().map(AuditEntry::try_from).collect()
    }
}
