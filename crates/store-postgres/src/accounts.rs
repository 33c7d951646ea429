//! The accounts port on PostgreSQL: staff accounts, failed-login counting and staff sessions.

use chrono::{DateTime, Utc};
use jiesu_domain::ports::{
    Accounts, LockoutPolicy, LoginClient, LoginRecord, LoginState, NewStaffSession, PasswordHash, StoreError,
    TokenHash, UserRecord,
};
use jiesu_domain::staff::{Principal, User, UserId, Username};
use jiesu_sql::statements::{
    CLEAR_LOGIN_FAILURES, LOGIN_FAILURE_STATE, PURGE_STALE_LOGIN_FAILURES, RECORD_LOGIN_FAILURE,
};
use jiesu_sql::{corrupt, store_error};
use uuid::Uuid;

use crate::PgStore;

/// The columns `user` reads, as a literal so queries stay `&'static str`.
macro_rules! user_columns {
    () => {
        "u.id, u.username, u.role, u.bureau, u.created_at, u.disabled"
    };
}

type UserRow = (Uuid, String, String, Option<String>, DateTime<Utc>, bool);

/// A user row, then its password hash, failure count and lock.
type LoginRow =
    (Uuid, String, String, Option<String>, DateTime<Utc>, bool, String, i32, Option<DateTime<Utc>>);

fn user(row: UserRow) -> Result<User, StoreError> {
    let (id, username, role, bureau, created_at, disabled) = row;
    UserRecord { id, username, role, bureau, created_at, disabled }.try_into().map_err(corrupt)
}

fn state(failed_logins: i32, locked_until: Option<DateTime<Utc>>) -> LoginState {
    LoginState { failed_logins: u32::try_from(failed_logins).unwrap_or(0), locked_until }
}

impl Accounts for PgStore {
    async fn insert_user(&self, user: &User, password_hash: &PasswordHash) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, username, role, bureau, password_hash, disabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(user.id.as_uuid())
        .bind(user.username.as_str())
        .bind(user.role.as_str())
        .bind(user.bureau.as_ref().map(|b| b.as_str()))
        .bind(password_hash.as_str())
        .bind(user.disabled)
        .bind(user.created_at)
        .execute(self.pool())
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn login_record(
        &self,
        username: &Username,
        client: LoginClient,
    ) -> Result<Option<LoginRecord>, StoreError> {
        let row: Option<LoginRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            ", u.password_hash, COALESCE(f.failed_logins, 0), f.locked_until FROM users u
             LEFT JOIN login_failures f ON f.user_id = u.id AND f.client = $2
             WHERE u.username = $1"
        ))
        .bind(username.as_str())
        .bind(client.key())
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        row.map(|(id, name, role, bureau, created, disabled, hash, failed, locked)| {
            Ok(LoginRecord {
                user: user((id, name, role, bureau, created, disabled))?,
                password_hash: PasswordHash::from_phc(hash),
                state: state(failed, locked),
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
        let stale_before = now - policy.duration;
        // Other clients' records that no longer count (no running lock, last failure long ago)
        // are forgotten here, so a spread-out attack does not leave rows behind forever.
        sqlx::query(PURGE_STALE_LOGIN_FAILURES)
            .bind(user.as_uuid())
            .bind(stale_before)
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(store_error)?;
        // One statement: concurrent failures each count (the upsert locks the row), and the one
        // that reaches the limit locks. A lock that has run out, or a pause longer than the
        // lockout, starts the count again.
        let row: Option<(i32, Option<DateTime<Utc>>)> = sqlx::query_as(RECORD_LOGIN_FAILURE)
            .bind(user.as_uuid())
            .bind(client.key())
            .bind(now)
            .bind(i64::from(policy.max_failures))
            .bind(now + policy.duration)
            .bind(stale_before)
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        Ok(row.map(|(failed, locked)| state(failed, locked)))
    }

    async fn record_successful_login(
        &self,
        user: UserId,
        client: LoginClient,
        now: DateTime<Utc>,
    ) -> Result<LoginState, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        sqlx::query(CLEAR_LOGIN_FAILURES)
            .bind(user.as_uuid())
            .bind(client.key())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let row: Option<(i32, Option<DateTime<Utc>>)> = sqlx::query_as(LOGIN_FAILURE_STATE)
            .bind(user.as_uuid())
            .bind(client.key())
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(row.map_or(LoginState { failed_logins: 0, locked_until: None }, |(f, l)| state(f, l)))
    }

    async fn create_session(&self, session: &NewStaffSession) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        sqlx::query(
            "DELETE FROM staff_sessions WHERE user_id = $1 AND (expires_at <= $2 OR revoked_at IS NOT NULL)",
        )
        .bind(session.user_id.as_uuid())
        .bind(session.created_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO staff_sessions (token_hash, user_id, kind, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.token_hash.as_bytes().as_slice())
        .bind(session.user_id.as_uuid())
        .bind(session.kind.as_str())
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn session_principal(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<Principal>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM staff_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND NOT u.disabled"
        ))
        .bind(token.as_bytes().as_slice())
        .bind(now)
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        row.map(|r| user(r).map(|u| u.principal())).transpose()
    }

    async fn revoke_session(&self, token: &TokenHash, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE staff_sessions SET revoked_at = $2
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token.as_bytes().as_slice())
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> =
            sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users u ORDER BY u.username"))
                .fetch_all(self.pool())
                .await
                .map_err(store_error)?;
        rows.into_iter().map(user).collect()
    }

    async fn set_password(
        &self,
        username: &Username,
        password_hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let id: Option<Uuid> = sqlx::query_scalar(
            "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL, updated_at = $3
             WHERE username = $1 RETURNING id",
        )
        .bind(username.as_str())
        .bind(password_hash.as_str())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        // A new password lifts every lock on the account, whichever address caused it.
        sqlx::query("DELETE FROM login_failures WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        revoke_all_and_commit(tx, id, now).await
    }

    async fn disable_user(&self, username: &Username, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let id: Option<Uuid> = sqlx::query_scalar(
            "UPDATE users SET disabled = true, updated_at = $2 WHERE username = $1 RETURNING id",
        )
        .bind(username.as_str())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        revoke_all_and_commit(tx, id, now).await
    }
}

/// Ends every session of the user a change touched (`None`: there was no such user), then commits.
async fn revoke_all_and_commit(
    mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
    user: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(user) = user else { return Ok(false) };
    sqlx::query("UPDATE staff_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
    tx.commit().await.map_err(store_error)?;
    Ok(true)
}
