//! Access tokens for WeChat and 企业微信, kept in the store (the `AccessTokens` port) so every
//! notify process uses the one token whoever fetched it: fetched when none is stored or the
//! stored one ends within `AHEAD`, one fetch at a time in a process, and dropped when the
//! platform refuses it, after which the message is tried once more with a fresh one.

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use jiesu_ports::{AccessToken, AccessTokens};

use crate::call::{Call, Outcome};
use crate::platform::{Reply, read_token};
use crate::send::exchange;

/// How long before its end a stored token is replaced: a message sent with a token about to end
/// would come back refused, and WeChat may end one a little early.
pub const AHEAD: TimeDelta = TimeDelta::minutes(5);

#[derive(Debug, Clone)]
pub(crate) struct Tokens<T> {
    store: T,
    /// One fetch at a time in this process: messages sent together wait for the one fetch.
    fetching: Arc<tokio::sync::Mutex<()>>,
}

fn store_failed(_: jiesu_ports::StoreError) -> Outcome {
    Outcome::Retry { code: "token_store".to_owned() }
}

impl<T: AccessTokens> Tokens<T> {
    pub(crate) fn new(store: T) -> Self {
        Self { store, fetching: Arc::new(tokio::sync::Mutex::new(())) }
    }

    async fn stored(&self, name: &str) -> Result<Option<String>, Outcome> {
        let token = self.store.access_token(name).await.map_err(store_failed)?;
        Ok(token.filter(|t| t.expires_at - AHEAD > Utc::now()).map(|t| t.token))
    }

    /// The token under `name`, fetched with `fetch` when none usable is stored.
    async fn token(&self, http: &reqwest::Client, name: &str, fetch: &Call) -> Result<String, Outcome> {
        if let Some(t) = self.stored(name).await? {
            return Ok(t);
        }
        let _one = self.fetching.lock().await;
        // Another message of this process may have fetched it while this one waited.
        if let Some(t) = self.stored(name).await? {
            return Ok(t);
        }
        let (status, body) = exchange(http, fetch).await?;
        let issued = read_token(status, &body)?;
        let token = AccessToken {
            token: issued.token,
            expires_at: Utc::now() + TimeDelta::seconds(issued.expires_in.max(0)),
        };
        tracing::info!(name, expires_at = %token.expires_at, "access token fetched");
        Ok(self.store.save_access_token(name, &token).await.map_err(store_failed)?.token)
    }

    /// Sends the call `make` builds with the token under `name` and reads its answer with `read`;
    /// a refused token is dropped and the call made once more with a fresh one.
    pub(crate) async fn send(
        &self,
        http: &reqwest::Client,
        name: &str,
        fetch: &Call,
        make: impl Fn(&str) -> Call,
        read: fn(u16, &[u8]) -> Reply,
    ) -> Outcome {
        let read = |status: u16, body: Vec<u8>| match read(status, &body) {
            Reply::Done(o) => Ok(o),
            Reply::TokenRefused { code } => Err(code),
        };
        self.call(http, name, fetch, make, read).await.unwrap_or_else(|o| o)
    }

    /// Makes the call `make` builds with the token under `name` and reads its answer (status,
    /// body) with `read`, which answers what the caller wanted or, as `Err`, the code of a refused
    /// token: that token is dropped and the call made once more with a fresh one. `Err` here is
    /// why there is no answer (no token, no connection, the token refused twice).
    pub(crate) async fn call<R>(
        &self,
        http: &reqwest::Client,
        name: &str,
        fetch: &Call,
        make: impl Fn(&str) -> Call,
        read: impl Fn(u16, Vec<u8>) -> Result<R, String>,
    ) -> Result<R, Outcome> {
        let mut refused = String::new();
        for _ in 0..2 {
            let token = self.token(http, name, fetch).await?;
            let (status, body) = exchange(http, &make(&token)).await?;
            match read(status, body) {
                Ok(answer) => return Ok(answer),
                Err(code) => {
                    tracing::info!(name, code, "access token refused: fetching a new one");
                    if let Err(e) = self.store.drop_access_token(name, &token).await {
                        tracing::warn!(name, error = %e, "could not drop a refused access token");
                    }
                    refused = code;
                }
            }
        }
        Err(Outcome::Retry { code: format!("token_refused_{refused}") })
    }
}
