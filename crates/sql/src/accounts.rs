//! The accounts port, once for both backends: staff accounts, failed-login counting and staff
//! sessions.

use chrono::{DateTime, Utc};
use jiesu_domain::audit::AuditEntry;
use jiesu_domain::ports::{
    AccountState, Accounts, LockoutPolicy, LoginClient, LoginRecord, LoginState, NewStaffSession,
    PasswordHash, StoreError, TokenHash, UserChange,
};
use jiesu_domain::staff::{Principal, User, UserId, Username};
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, DbTime, Stmt, all, optional, run};
use crate::records::{AccountRow, LoginRow, UserRow, login_state};
use crate::statements::{
    CLEAR_LOGIN_FAILURES, LOGIN_FAILURE_STATE, PURGE_STALE_LOGIN_FAILURES, RECORD_LOGIN_FAILURE,
};
use crate::store::parse;
use crate::{corrupt, store_error};

/// The columns `UserRow` reads, as a literal so queries stay `&'static str`.
macro_rules! user_columns {
    () => {
        "u.id, u.username, u.role, u.bureau, u.created_at, u.disabled"
    };
}

impl<B: Backend> Accounts for SqlStore<B> {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let s = Stmt::<B::Db>::new(
            "INSERT INTO users (id, username, role, bureau, password_hash, disabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(user.id.as_uuid())
        .bind(user.username.as_str().to_owned())
        .bind(user.role.as_str().to_owned())
        .bind(user.bureau.as_ref().map(|b| b.as_str().to_owned()))
        .bind(password_hash.as_str().to_owned())
        .bind(user.disabled)
        .bind(DbTime(user.created_at));
        let mut tx = self.begin().await?;
        run(&mut *tx, s).await.map_err(store_error)?;
        crate::audit::append::<B::Db>(&mut *tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn login_record(
        &self,
        username: &Username,
        client: LoginClient,
    ) -> Result<Option<LoginRecord>, StoreError> {
        let s = Stmt::<B::Db>::new(concat!(
            "SELECT ",
            user_columns!(),
            ", u.password_hash, COALESCE(f.failed_logins, 0) AS failed_logins, f.locked_until FROM users u
             LEFT JOIN login_failures f ON f.user_id = u.id AND f.client = $2
             WHERE u.username = $1"
        ))
        .bind(username.as_str().to_owned())
        .bind(client.key());
        let row: Option<LoginRow> = optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        row.map(|r| {
            Ok(LoginRecord {
                user: User::try_from(r.user).map_err(corrupt)?,
                password_hash: PasswordHash::from_phc(r.password_hash),
                state: login_state(r.failed_logins, r.locked_until),
            })
        })
        .transpose()
    }

    async fn record_failed_login(
        &self,
        user: UserId,
        client: LoginClient,
        now: DateTime<Utc>,
        policy: LockoutPolicy,
    ) -> Result<Option<LoginState>, StoreError> {
        let stale_before = DbTime(now - policy.duration);
        let mut conn = self.write().await?;
        // Other clients' records that no longer count (no running lock, last failure long ago)
        // are forgotten here, so a spread-out attack does not leave rows behind forever.
        let s = Stmt::<B::Db>::new(PURGE_STALE_LOGIN_FAILURES)
            .bind(user.as_uuid())
            .bind(stale_before)
            .bind(DbTime(now));
        run(&mut *conn, s).await.map_err(store_error)?;
        // One statement: concurrent failures each count (on PostgreSQL the upsert locks the row),
        // and the one that reaches the limit locks. A lock that has run out, or a pause longer
        // than the lockout, starts the count again.
        let s = Stmt::<B::Db>::new(RECORD_LOGIN_FAILURE)
            .bind(user.as_uuid())
            .bind(client.key())
            .bind(DbTime(now))
            .bind(i64::from(policy.max_failures))
            .bind(DbTime(now + policy.duration))
            .bind(stale_before);
        let row: Option<(i32, Option<DbTime>)> = optional(&mut *conn, s).await.map_err(store_error)?;
        Ok(row.map(|(failed, locked)| login_state(failed, locked)))
    }

    async fn record_successful_login(
        &self,
        user: UserId,
        client: LoginClient,
        now: DateTime<Utc>,
    ) -> Result<LoginState, StoreError> {
        let mut tx = self.begin().await?;
        let s = Stmt::<B::Db>::new(CLEAR_LOGIN_FAILURES)
            .bind(user.as_uuid())
            .bind(client.key())
            .bind(DbTime(now));
        run(&mut *tx, s).await.map_err(store_error)?;
        let s = Stmt::<B::Db>::new(LOGIN_FAILURE_STATE).bind(user.as_uuid()).bind(client.key());
        let row: Option<(i32, Option<DbTime>)> = optional(&mut *tx, s).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(row.map_or(LoginState { failed_logins: 0, locked_until: None }, |(f, l)| login_state(f, l)))
    }

    async fn create_session(&self, session: &NewStaffSession) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let s = Stmt::<B::Db>::new(
            "DELETE FROM staff_sessions WHERE user_id = $1 AND (expires_at <= $2 OR revoked_at IS NOT NULL)",
        )
        .bind(session.user_id.as_uuid())
        .bind(DbTime(session.created_at));
        run(&mut *tx, s).await.map_err(store_error)?;
        let s = Stmt::<B::Db>::new(
            "INSERT INTO staff_sessions (token_hash, user_id, kind, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.token_hash.as_bytes().to_vec())
        .bind(session.user_id.as_uuid())
        .bind(session.kind.as_str().to_owned())
        .bind(DbTime(session.created_at))
        .bind(DbTime(session.expires_at));
        run(&mut *tx, s).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn session_principal(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<Principal>, StoreError> {
        let s = Stmt::<B::Db>::new(concat!(
            "SELECT ",
            user_columns!(),
            " FROM staff_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND NOT u.disabled"
        ))
        .bind(token.as_bytes().to_vec())
        .bind(DbTime(now));
        let row: Option<UserRow> = optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        row.map(|r| User::try_from(r).map(|u| u.principal()).map_err(corrupt)).transpose()
    }

    async fn revoke_session(&self, token: &TokenHash, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let s = Stmt::<B::Db>::new(
            "UPDATE staff_sessions SET revoked_at = $2
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token.as_bytes().to_vec())
        .bind(DbTime(now));
        Ok(run(&mut *self.write().await?, s).await.map_err(store_error)? > 0)
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let s = Stmt::<B::Db>::new(concat!("SELECT ", user_columns!(), " FROM users u ORDER BY u.username"));
        let rows: Vec<UserRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        parse(rows)
    }

    async fn account_states(&self, now: DateTime<Utc>) -> Result<Vec<AccountState>, StoreError> {
        let s = Stmt::<B::Db>::new(concat!(
            "SELECT ",
            user_columns!(),
            ",
               (SELECT max(f.locked_until) FROM login_failures f
                 WHERE f.user_id = u.id AND f.locked_until > $1) AS locked_until,
               (SELECT max(s.created_at) FROM staff_sessions s WHERE s.user_id = u.id) AS last_sign_in
             FROM users u ORDER BY u.username"
        ))
        .bind(DbTime(now));
        let rows: Vec<AccountRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(AccountState {
                    user: User::try_from(r.user).map_err(corrupt)?,
                    locked_until: r.locked_until.map(|t| t.0),
                    last_sign_in: r.last_sign_in.map(|t| t.0),
                })
            })
            .collect()
    }

    async fn change_user(
        &self,
        username: &Username,
        change: &UserChange,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let (sql, ends_sessions) = match change {
            UserChange::Disable => {
                ("UPDATE users SET disabled = true, updated_at = $2 WHERE username = $1 RETURNING id", true)
            }
            UserChange::Enable => {
                ("UPDATE users SET disabled = false, updated_at = $2 WHERE username = $1 RETURNING id", false)
            }
            UserChange::Role { .. } => (
                "UPDATE users SET role = $3, bureau = $4, updated_at = $2 WHERE username = $1 RETURNING id",
                false,
            ),
            UserChange::Unlock => {
                ("UPDATE users SET updated_at = $2 WHERE username = $1 RETURNING id", false)
            }
            UserChange::Password(_) => (
                "UPDATE users SET password_hash = $3, failed_logins = 0, locked_until = NULL, updated_at = $2
                 WHERE username = $1 RETURNING id",
                true,
            ),
        };
        let s = Stmt::<B::Db>::new(sql).bind(username.as_str().to_owned()).bind(DbTime(now));
        let s = match change {
            UserChange::Role { role, bureau } => {
                s.bind(role.as_str().to_owned()).bind(bureau.as_ref().map(|b| b.as_str().to_owned()))
            }
            UserChange::Password(hash) => s.bind(hash.as_str().to_owned()),
            _ => s,
        };
        let id: Option<Col<Uuid>> = optional(&mut *tx, s).await.map_err(store_error)?;
        let Some((id,)) = id else { return Ok(false) };
        if matches!(change, UserChange::Unlock | UserChange::Password(_)) {
            // Every lock on the account goes, whichever address caused it.
            let s = Stmt::<B::Db>::new("DELETE FROM login_failures WHERE user_id = $1").bind(id);
            run(&mut *tx, s).await.map_err(store_error)?;
        }
        if ends_sessions {
            let s = Stmt::<B::Db>::new(
                "UPDATE staff_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(DbTime(now));
            run(&mut *tx, s).await.map_err(store_error)?;
        }
        crate::audit::append::<B::Db>(&mut *tx, audit).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }
}
