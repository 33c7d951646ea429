//! Checking client keys (Open311 applications, the 12345 call centre). Known keys are cached for a minute, so intake keeps accepting
//! requests from known clients while the database is briefly unreachable, and a revoked key
//! stops working within that minute. Each lookup that reaches the database notes the key's last
//! use, so the administrators see it to the minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiesu_domain::api_client::{ApiClient, ApiKey, ApiKeyHash, ClientChannel};
use jiesu_domain::ports::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    Missing,
    /// Malformed, unknown, revoked, or a key of another channel: the client learns no more than
    /// "invalid".
    Invalid,
    /// The key is not cached and the database cannot be asked.
    Unavailable,
}

#[derive(Debug)]
pub struct ApiKeys<S> {
    store: S,
    ttl: Duration,
    cache: Mutex<HashMap<ApiKeyHash, (ApiClient, Instant)>>,
}

impl<S: Store> ApiKeys<S> {
    pub fn new(store: S, ttl: Duration) -> Self {
        Self { store, ttl, cache: Mutex::new(HashMap::new()) }
    }

    /// The client whose key `raw` is, if that key opens `channel`.
    pub async fn authenticate(
        &self,
        raw: Option<&str>,
        channel: ClientChannel,
    ) -> Result<ApiClient, KeyError> {
        let client = self.client(raw).await?;
        if client.channel == channel { Ok(client) } else { Err(KeyError::Invalid) }
    }

    async fn client(&self, raw: Option<&str>) -> Result<ApiClient, KeyError> {
        let raw = raw.filter(|k| !k.trim().is_empty()).ok_or(KeyError::Missing)?;
        let hash = ApiKey::parse(raw).map_err(|_| KeyError::Invalid)?.hash();
        if let Some(client) = self.cached(&hash) {
            return Ok(client);
        }
        match self.store.api_client_by_key(&hash).await {
            Ok(Some(client)) => {
                if let Ok(mut cache) = self.cache.lock() {
                    cache.insert(hash, (client.clone(), Instant::now()));
                }
                // The administrators' "last used", kept to the cache's period: one write per key
                // per period per process. Intake does not depend on it.
                if let Err(e) = self.store.touch_api_client(client.id, jiesu_domain::time::now()).await {
                    tracing::warn!(error = %e, "cannot note a key's last use");
                }
                Ok(client)
            }
            Ok(None) => Err(KeyError::Invalid),
            Err(StoreError::Conflict(_) | StoreError::Unavailable(_) | StoreError::Unexpected(_)) => {
                Err(KeyError::Unavailable)
            }
        }
    }

    fn cached(&self, hash: &ApiKeyHash) -> Option<ApiClient> {
        let mut cache = self.cache.lock().ok()?;
        match cache.get(hash) {
            Some((client, at)) if at.elapsed() < self.ttl => Some(client.clone()),
            Some(_) => {
                cache.remove(hash);
                None
            }
            None => None,
        }
    }
}
