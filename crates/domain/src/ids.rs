//! Identifiers: UUIDv7 ids (time-ordered, so B-tree indexes stay compact) and the tracking number
//! a citizen is told.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ValidationError;
use crate::text::string_newtype;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(::uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUIDv7).
            pub fn generate() -> Self {
                Self(::uuid::Uuid::now_v7())
            }

            pub const fn from_uuid(id: ::uuid::Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(&self) -> ::uuid::Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

pub(crate) use uuid_id;

uuid_id!(
    /// Identifies one request for its whole life.
    RequestId
);
uuid_id!(
    /// Identifies one task: one bureau's share of a request.
    TaskId
);
uuid_id!(
    /// Identifies one event in the audit trail and on the events queue.
    EventId
);

/// The number a citizen is told and types into the tracking page (工单编号): 12 characters of
/// Crockford base32, 60 bits.
///
/// It is made at intake, before any database is involved (intake must keep accepting during a
/// database outage), so it cannot come from a sequence. It is either hashed from the request id,
/// or, when the client sent an idempotency key, hashed from that key, so that a resent request
/// gets the same number back even if the first copy is still on the queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrackingNumber(String);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl TrackingNumber {
    pub const LEN: usize = 12;

    /// The tracking number of a request that came without an idempotency key.
    pub fn for_request(id: RequestId) -> Self {
        Self::from_digest(&[b"request\0", id.as_uuid().as_bytes().as_slice()])
    }

    /// The tracking number of a request identified by a client-chosen key, scoped to the channel
    /// and to the client (one API client cannot collide with another's keys).
    pub fn for_key(channel: &str, scope: &str, key: &str) -> Self {
        Self::from_digest(&[b"key\0", channel.as_bytes(), b"\0", scope.as_bytes(), b"\0", key.as_bytes()])
    }

    fn from_digest(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        for p in parts {
            hasher.update(p);
        }
        let digest = hasher.finalize();
        let mut bits = u64::from_be_bytes(digest[..8].try_into().unwrap_or([0; 8])) >> 4;
        let mut out = [0u8; Self::LEN];
        for slot in out.iter_mut().rev() {
            *slot = CROCKFORD[(bits & 31) as usize];
            bits >>= 5;
        }
        Self(out.iter().map(|&b| b as char).collect())
    }

    /// Parses what a person typed: case-insensitive, dashes and spaces ignored, and the letters
    /// Crockford base32 leaves out read as the digits they resemble (O → 0, I and L → 1).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let mut s = String::with_capacity(Self::LEN);
        for c in raw.chars().filter(|c| !matches!(c, '-' | ' ')) {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
                return Err(ValidationError::invalid("tracking_number", "unexpected character"));
            }
            s.push(c);
        }
        if s.len() != Self::LEN {
            return Err(ValidationError::invalid("tracking_number", "must have 12 characters"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `7KQ3-F9M2-XD4A`: easier to read out over the phone.
    pub fn grouped(&self) -> String {
        format!("{}-{}-{}", &self.0[0..4], &self.0[4..8], &self.0[8..12])
    }
}

string_newtype!(TrackingNumber);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    #[test]
    fn request_ids_are_version_7_and_time_ordered() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!(a < b);
    }

    #[test]
    fn the_same_key_gives_the_same_tracking_number() {
        let a = TrackingNumber::for_key("open311", "client-1", "abc");
        let b = TrackingNumber::for_key("open311", "client-1", "abc");
        assert_eq!(a, b);
        assert_ne!(a, TrackingNumber::for_key("open311", "client-2", "abc"));
        assert_ne!(a, TrackingNumber::for_key("hotline", "client-1", "abc"));
    }

    #[test]
    fn typed_tracking_numbers_are_forgiving() {
        let t = TrackingNumber::for_request(RequestId::generate());
        let typed = t.grouped().to_lowercase();
        assert_eq!(TrackingNumber::parse(&typed), Ok(t));
        assert_eq!(
            TrackingNumber::parse("O1IL-0000-0000").map(String::from),
            Ok("0111".to_owned() + "00000000")
        );
        assert!(TrackingNumber::parse("UUUU00000000").is_err(), "U is not in Crockford base32");
        assert!(TrackingNumber::parse("123").is_err());
        assert!(TrackingNumber::parse("路路路路路路路路路路路路").is_err());
    }

    proptest! {
        #[test]
        fn every_generated_number_parses_back(bytes in any::<[u8; 16]>()) {
            let t = TrackingNumber::for_request(RequestId::from_uuid(Uuid::from_bytes(bytes)));
            prop_assert_eq!(t.as_str().len(), TrackingNumber::LEN);
            prop_assert_eq!(TrackingNumber::parse(t.as_str()), Ok(t.clone()));
        }
    }
}
