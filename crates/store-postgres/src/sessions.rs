//! The sessions port on PostgreSQL.

use chrono::{DateTime, Utc};
use jiesu_domain::ports::{AttemptKey, ChannelSessions, Saved, Session, StoreError};
use jiesu_domain::request::Channel;
use jiesu_sql::statements::{ATTEMPTS, COUNT_ATTEMPT, PURGE_ATTEMPTS};
use jiesu_sql::store_error;

use crate::PgStore;

impl ChannelSessions for PgStore {
    async fn session(&self, channel: Channel, user: &str) -> Result<Option<Session>, StoreError> {
        let row: Option<(i64, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT version, state, updated_at FROM channel_sessions WHERE channel = $1 AND user_key = $2",
        )
        .bind(channel.as_str())
        .bind(user)
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        Ok(row.map(|(version, state, at)| Session { version, state, updated_at: at }))
    }

    async fn save_session(
        &self,
        channel: Channel,
        user: &str,
        expected: Option<i64>,
        state: &str,
        message: &str,
        reply: &str,
        now: DateTime<Utc>,
    ) -> Result<Saved, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let recorded = sqlx::query(
            "INSERT INTO channel_messages (channel, message_key, reply, received_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(channel.as_str())
        .bind(message)
        .bind(reply)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if recorded.rows_affected() == 0 {
            return Ok(Saved::AlreadyHandled);
        }
        let changed = match expected {
            None => sqlx::query(
                "INSERT INTO channel_sessions (channel, user_key, version, state, updated_at) VALUES ($1, $2, 1, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(channel.as_str())
            .bind(user)
            .bind(state)
            .bind(now),
            Some(version) => sqlx::query(
                "UPDATE channel_sessions SET version = version + 1, state = $3, updated_at = $4
                 WHERE channel = $1 AND user_key = $2 AND version = $5",
            )
            .bind(channel.as_str())
            .bind(user)
            .bind(state)
            .bind(now)
            .bind(version),
        }
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if changed.rows_affected() == 0 {
            return Ok(Saved::Conflict);
        }
        tx.commit().await.map_err(store_error)?;
        Ok(Saved::Saved)
    }

    async fn recorded_reply(&self, channel: Channel, message: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT reply FROM channel_messages WHERE channel = $1 AND message_key = $2")
            .bind(channel.as_str())
            .bind(message)
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)
    }

    async fn claim_nonce(
        &self,
        channel: Channel,
        nonce: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO channel_nonces (channel, nonce, message_key, seen_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(channel.as_str())
        .bind(nonce)
        .bind(message)
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(store_error)?;
        sqlx::query_scalar("SELECT message_key FROM channel_nonces WHERE channel = $1 AND nonce = $2")
            .bind(channel.as_str())
            .bind(nonce)
            .fetch_one(self.pool())
            .await
            .map_err(store_error)
    }

    async fn count_attempt(&self, key: &AttemptKey, window: DateTime<Utc>) -> Result<u32, StoreError> {
        let n: i32 = sqlx::query_scalar(COUNT_ATTEMPT)
            .bind(key.as_bytes().as_slice())
            .bind(window)
            .fetch_one(self.pool())
            .await
            .map_err(store_error)?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    async fn attempts(&self, key: &AttemptKey, window: DateTime<Utc>) -> Result<u32, StoreError> {
        let n: Option<i32> = sqlx::query_scalar(ATTEMPTS)
            .bind(key.as_bytes().as_slice())
            .bind(window)
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        Ok(n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0))
    }

    async fn purge_channel_records(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let a = sqlx::query("DELETE FROM channel_messages WHERE received_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let b = sqlx::query("DELETE FROM channel_nonces WHERE seen_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let c = sqlx::query(PURGE_ATTEMPTS).bind(before).execute(&mut *tx).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(a.rows_affected() + b.rows_affected() + c.rows_affected())
    }
}
