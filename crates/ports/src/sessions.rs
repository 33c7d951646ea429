//! The sessions port: the little state a conversational channel (WeChat) keeps per user and per
//! message, shared by every intake process so that any of them can take the next message.
//!
//! - A session holds a user's draft between messages, versioned for optimistic updates.
//! - Each message's reply is recorded with the session change, in one transaction, so a
//!   message delivered again (WeChat retries three times) gets the same reply and changes nothing.
//! - A nonce is claimed by one message only: a signed query reused with another body is a replay.
//! - Failed attempts on the citizens' tracking page are counted per key (a tracking number, a
//!   client address; only their hash is stored) and fixed window, so every intake process sees
//!   the same counts. One statement counts and returns the count: concurrent failures on several
//!   processes cannot pass the limit together.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::StoreError;
use jiesu_model::request::Channel;

/// A session as stored: its version and its state (the channel's own JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub version: i64,
    pub state: String,
    pub updated_at: DateTime<Utc>,
}

/// Saving a message's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Saved,
    /// The message was already handled (its recorded reply stands).
    AlreadyHandled,
    /// The session changed since it was read: read it again and redo the step.
    Conflict,
}

/// What attempts are counted against: a SHA-256 made by the channel, never the number or address
/// itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttemptKey([u8; 32]);

impl AttemptKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for AttemptKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AttemptKey({:02x}{:02x}..)", self.0[0], self.0[1])
    }
}

pub trait ChannelSessions: Clone + Send + Sync + 'static {
    /// `user` is an opaque key (a hash of the OpenID, not the OpenID itself).
    fn session(
        &self,
        channel: Channel,
        user: &str,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;

    /// In one transaction: records `reply` as the answer to `message`, and sets the session to
    /// `state` provided it is still at `expected` (`None`: no session yet).
    #[allow(clippy::too_many_arguments)]
    fn save_session(
        &self,
        channel: Channel,
        user: &str,
        expected: Option<i64>,
        state: &str,
        message: &str,
        reply: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Saved, StoreError>> + Send;

    /// The reply recorded for a message, if it was handled.
    fn recorded_reply(
        &self,
        channel: Channel,
        message: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Claims `nonce` for `message`; returns the message that claimed it first (this one, or
    /// another: then the request is a replay).
    fn claim_nonce(
        &self,
        channel: Channel,
        nonce: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;

    /// Counts one failed attempt against `key` in the window that began at `window`, and returns
    /// that window's count, this attempt included. A key keeps only its latest window: counting in
    /// a newer one starts again from one; counting in an older one (a process whose clock lags)
    /// adds to the newer.
    fn count_attempt(
        &self,
        key: &AttemptKey,
        window: DateTime<Utc>,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// The attempts counted against `key` in the window that began at `window` (or a later one).
    fn attempts(
        &self,
        key: &AttemptKey,
        window: DateTime<Utc>,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// Forgets recorded replies and nonces older than `before` (they only need to outlive the
    /// channel's retries and its accepted clock skew), and attempt windows that began before it.
    /// Returns how many rows went.
    fn purge_channel_records(
        &self,
        before: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
