//! The channel sessions port, once for both backends: a citizen's draft between messages, replies
//! to a channel's retries, claimed nonces, and the tracking page's attempt counters.

use chrono::{DateTime, Utc};
use jiesu_domain::ports::{AttemptKey, ChannelSessions, Saved, Session, StoreError};
use jiesu_domain::request::Channel;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, DbTime, Stmt, one, optional, run};
use crate::records::SessionRow;
use crate::statements::{ATTEMPTS, COUNT_ATTEMPT, PURGE_ATTEMPTS};
use crate::store_error;

impl<B: Backend> ChannelSessions for SqlStore<B> {
    async fn session(&self, channel: Channel, user: &str) -> Result<Option<Session>, StoreError> {
        let s = Stmt::<B::Db>::new(
            "SELECT version, state, updated_at FROM channel_sessions WHERE channel = $1 AND user_key = $2",
        )
        .bind(channel.as_str().to_owned())
        .bind(user.to_owned());
        let row: Option<SessionRow> = optional(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(row.map(Session::from))
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
        let mut tx = self.begin().await?;
        let s = Stmt::<B::Db>::new(
            "INSERT INTO channel_messages (channel, message_key, reply, received_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(channel.as_str().to_owned())
        .bind(message.to_owned())
        .bind(reply.to_owned())
        .bind(DbTime(now));
        if run(&mut *tx, s).await.map_err(store_error)? == 0 {
            return Ok(Saved::AlreadyHandled);
        }
        let s = match expected {
            None => Stmt::<B::Db>::new(
                "INSERT INTO channel_sessions (channel, user_key, version, state, updated_at) VALUES ($1, $2, 1, $3, $4)
                 ON CONFLICT DO NOTHING",
            ),
            Some(_) => Stmt::<B::Db>::new(
                "UPDATE channel_sessions SET version = version + 1, state = $3, updated_at = $4
                 WHERE channel = $1 AND user_key = $2 AND version = $5",
            ),
        };
        let s = s
            .bind(channel.as_str().to_owned())
            .bind(user.to_owned())
            .bind(state.to_owned())
            .bind(DbTime(now));
        let s = match expected {
            Some(version) => s.bind(version),
            None => s,
        };
        if run(&mut *tx, s).await.map_err(store_error)? == 0 {
            return Ok(Saved::Conflict);
        }
        tx.commit().await.map_err(store_error)?;
        Ok(Saved::Saved)
    }

    async fn recorded_reply(&self, channel: Channel, message: &str) -> Result<Option<String>, StoreError> {
        let s =
            Stmt::<B::Db>::new("SELECT reply FROM channel_messages WHERE channel = $1 AND message_key = $2")
                .bind(channel.as_str().to_owned())
                .bind(message.to_owned());
        let row: Option<Col<String>> = optional(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(row.map(|(reply,)| reply))
    }

    async fn claim_nonce(
        &self,
        channel: Channel,
        nonce: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let mut conn = self.write().await?;
        let s = Stmt::<B::Db>::new(
            "INSERT INTO channel_nonces (channel, nonce, message_key, seen_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(channel.as_str().to_owned())
        .bind(nonce.to_owned())
        .bind(message.to_owned())
        .bind(DbTime(now));
        run(&mut *conn, s).await.map_err(store_error)?;
        let s =
            Stmt::<B::Db>::new("SELECT message_key FROM channel_nonces WHERE channel = $1 AND nonce = $2")
                .bind(channel.as_str().to_owned())
                .bind(nonce.to_owned());
        let (key,): Col<String> = one(&mut *conn, s).await.map_err(store_error)?;
        Ok(key)
    }

    async fn count_attempt(&self, key: &AttemptKey, window: DateTime<Utc>) -> Result<u32, StoreError> {
        let s = Stmt::<B::Db>::new(COUNT_ATTEMPT).bind(key.as_bytes().to_vec()).bind(DbTime(window));
        let (n,): Col<i32> = one(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    async fn attempts(&self, key: &AttemptKey, window: DateTime<Utc>) -> Result<u32, StoreError> {
        let s = Stmt::<B::Db>::new(ATTEMPTS).bind(key.as_bytes().to_vec()).bind(DbTime(window));
        let n: Option<Col<i32>> = optional(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(n.and_then(|(n,)| u32::try_from(n).ok()).unwrap_or(0))
    }

    async fn purge_channel_records(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let mut purged = 0;
        for sql in [
            "DELETE FROM channel_messages WHERE received_at < $1",
            "DELETE FROM channel_nonces WHERE seen_at < $1",
            PURGE_ATTEMPTS,
        ] {
            purged +=
                run(&mut *tx, Stmt::<B::Db>::new(sql).bind(DbTime(before))).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(purged)
    }
}
