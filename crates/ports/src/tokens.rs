//! Access tokens the messaging platforms issue (WeChat's `access_token`, 企业微信's): kept in
//! the store so that every notify process shares one, whoever fetched it, instead of each fetching
//! its own (WeChat counts the fetches a day, and a new one can end the old one's life early).
//! Refreshed before it expires and dropped when the platform says it is no longer valid.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::store::StoreError;

/// A token and when it stops working.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for AccessToken {
    // A credential: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

pub trait AccessTokens: Clone + Send + Sync + 'static {
    /// The token stored under `name` (`wecom:<corp>:<agent>`, `wechat:<appid>`), if any.
    fn access_token(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<AccessToken>, StoreError>> + Send;

    /// Stores `token` under `name` unless one that lasts longer is stored already (another
    /// process refreshed first); answers the one stored afterwards.
    fn save_access_token(
        &self,
        name: &str,
        token: &AccessToken,
    ) -> impl Future<Output = Result<AccessToken, StoreError>> + Send;

    /// Forgets the token under `name` if it is still `token` (the platform refused it); `false`
    /// when another process has already replaced it.
    fn drop_access_token(
        &self,
        name: &str,
        token: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
