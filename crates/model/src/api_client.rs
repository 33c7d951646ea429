//! Client applications allowed to post requests, and their keys: Open311 client applications,
//! and the 12345 call centre posting work orders. A key opens one channel only, so an Open311
//! app's key cannot post work orders in the call centre's name, nor the other way round.
//! Keys are long random strings, so a SHA-256 digest is enough to store them safely (a slow
//! password hash is for low-entropy secrets people choose).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ValidationError;
use crate::text::bounded;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: Uuid,
    pub name: String,
    pub channel: ClientChannel,
    pub created_at: DateTime<Utc>,
}

impl ApiClient {
    pub fn new(name: &str, channel: ClientChannel, now: DateTime<Utc>) -> Result<Self, ValidationError> {
        Ok(Self { id: Uuid::now_v7(), name: bounded(name, "name", true, 100)?, channel, created_at: now })
    }
}

/// The one channel a client's key opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientChannel {
    /// `POST /open311/v2/requests`.
    Open311,
    /// `POST /hotline/v1/work-orders`: the 12345 call centre.
    Hotline,
}

impl ClientChannel {
    pub const ALL: [Self; 2] = [Self::Open311, Self::Hotline];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open311 => "open311",
            Self::Hotline => "hotline",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == raw)
            .ok_or_else(|| ValidationError::invalid("channel", "expected open311 or hotline"))
    }
}

/// A client's secret key. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

const PREFIX: &str = "jsk_";

impl ApiKey {
    /// Builds a key from 20 random bytes (160 bits) the caller drew from a secure generator.
    pub fn from_random(bytes: [u8; 20]) -> Self {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("{PREFIX}{hex}"))
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let ok =
            s.strip_prefix(PREFIX).is_some_and(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if ok {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(ValidationError::invalid("api_key", "malformed key"))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> ApiKeyHash {
        ApiKeyHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(****)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiKeyHash([u8; 32]);

impl ApiKeyHash {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_read_back_and_nothing_else_parses() {
        for c in ClientChannel::ALL {
            assert_eq!(ClientChannel::parse(c.as_str()), Ok(c));
        }
        assert!(ClientChannel::parse("wechat").is_err());
        assert!(ClientChannel::parse("").is_err());
    }

    #[test]
    fn keys_parse_back_and_hash_stably() {
        let k = ApiKey::from_random([7; 20]);
        let parsed = ApiKey::parse(k.expose()).expect("valid");
        assert_eq!(parsed.hash(), k.hash());
        assert!(!format!("{k:?}").contains(k.expose()));
        assert!(ApiKey::parse("jsk_short").is_err());
        assert!(ApiKey::parse("").is_err());
    }
}
