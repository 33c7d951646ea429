//! Identifiers: UUIDv7 ids (time-ordered, so B-tree indexes stay compact) and the tracking number
//! a citizen is told.

use crate::ValidationError;
use crate::secret::{CROCKFORD, ServerKey, VisitSecret, crockford};
use crate::text::string_newtype;
use serde::{Deserialize, Serialize};

#[doc(hidden)]
#[macro_export]
macro_rules! __uuid_id {
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

// Exported so that the other domain crates declare their ids the same way.
pub use __uuid_id as uuid_id;

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
uuid_id!(
    /// Identifies one escalation.
    EscalationId
);
uuid_id!(
    /// Identifies one coordination meeting.
    MeetingId
);
uuid_id!(
    /// Identifies one proposed rule.
    ProposalId
);
uuid_id!(
    /// Identifies one disclaim (退单).
    DisclaimId
);
uuid_id!(
    /// Identifies one extension request (延期申请).
    ExtensionId
);
uuid_id!(
    /// Identifies one return visit (回访).
    VisitId
);
uuid_id!(
    /// Identifies one exemption asked for: an appeal (申诉) or a final reply (最终答复).
    ExemptionId
);

/// The number a citizen is told and types into the tracking page (工单编号): 12 characters of
/// Crockford base32, 60 bits.
///
/// It is made at intake, before any database is involved (intake must keep accepting during a
/// database outage), so it cannot come from a sequence. It is an HMAC under the server's key
/// (`secret::ServerKey`) either of the request id, or, when the client sent an idempotency key, of
/// that key, so that a resent request gets the same number back even if the first copy is still on
/// the queue. Keyed, so nobody who knows the key's input (a hotline's sequential order number)
/// can compute a request's number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrackingNumber(String);

impl TrackingNumber {
    pub const LEN: usize = 12;

    /// The tracking number of a request that came without an idempotency key.
    pub fn for_request(key: &ServerKey, id: RequestId) -> Self {
        Self(crockford(&key.mac("tracking-request", &[id.as_uuid().as_bytes()]), Self::LEN))
    }

    /// A fresh number from 122 random bits, for a request whose number turned out to be taken
    /// (astronomically rare): nothing to derive it from, and nothing anyone could predict.
    pub fn random() -> Self {
        use sha2::{Digest, Sha256};
        Self(crockford(&Sha256::digest(uuid::Uuid::new_v4().as_bytes()).into(), Self::LEN))
    }

    /// The tracking number of a request identified by a client-chosen key, scoped to the channel
    /// and to the client (one API client cannot collide with another's keys).
    pub fn for_key(key: &ServerKey, channel: &str, scope: &str, client_key: &str) -> Self {
        let parts: [&[u8]; 3] = [channel.as_bytes(), scope.as_bytes(), client_key.as_bytes()];
        Self(crockford(&key.mac("tracking-key", &parts), Self::LEN))
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

/// The derivation that needs a request's id lives here, beside the id, so that the key module
/// needs no id.
impl ServerKey {
    /// The secret the return-visit link of a request carries (26 Crockford base32 characters,
    /// 130 bits): whoever has the link may give the return visit, and nobody can make it from the
    /// tracking number, the masked phone or anything else staff see.
    pub fn visit_secret(&self, request: RequestId) -> VisitSecret {
        let digest = self.mac("return-visit", &[request.as_uuid().as_bytes()]);
        VisitSecret::from_digest(&digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::test_key;
    use proptest::prelude::*;

    #[test]
    fn the_visit_secret_depends_on_the_key_and_the_request() {
        let id = RequestId::generate();
        let a = test_key().visit_secret(id);
        assert_eq!(a.as_str().len(), VisitSecret::LEN);
        assert_eq!(a, test_key().visit_secret(id), "the same key gives the same link");
        let other = ServerKey::new(b"another deployment's key").expect("key");
        assert_ne!(a, other.visit_secret(id));
        assert_ne!(a, test_key().visit_secret(RequestId::generate()));
        assert!(a.matches(a.as_str()));
        assert!(!a.matches(""));
        assert!(!a.matches(&a.as_str()[..VisitSecret::LEN - 1]));
    }

    #[test]
    fn debug_output_never_shows_a_visit_secret() {
        let key = ServerKey::new(b"do not print this key").expect("key");
        let s = key.visit_secret(RequestId::generate());
        assert!(!format!("{s:?}").contains(s.as_str()));
    }

    #[test]
    fn request_ids_are_version_7_and_time_ordered() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!(a < b);
    }

    #[test]
    fn the_same_key_gives_the_same_tracking_number() {
        let k = test_key();
        let a = TrackingNumber::for_key(&k, "open311", "client-1", "abc");
        let b = TrackingNumber::for_key(&k, "open311", "client-1", "abc");
        assert_eq!(a, b);
        assert_ne!(a, TrackingNumber::for_key(&k, "open311", "client-2", "abc"));
        assert_ne!(a, TrackingNumber::for_key(&k, "hotline", "client-1", "abc"));
    }

    /// What the number was before it was keyed: SHA-256 of the same input, anyone could compute it.
    fn unkeyed(parts: &[&[u8]]) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        crockford(&h.finalize().into(), TrackingNumber::LEN)
    }

    #[test]
    fn nobody_without_the_server_key_can_compute_a_hotline_orders_number() {
        let order_no = "GD20261122000123";
        let ours = TrackingNumber::for_key(&test_key(), "hotline", "12345", order_no);
        let theirs = ServerKey::new(b"a key somebody guessed").expect("key");
        assert_ne!(ours, TrackingNumber::for_key(&theirs, "hotline", "12345", order_no));
        let unkeyed = unkeyed(&[b"key\0", b"hotline", b"\0", b"12345", b"\0", order_no.as_bytes()]);
        assert_ne!(ours.as_str(), unkeyed, "the number before it was keyed");
        let id = RequestId::generate();
        assert_ne!(TrackingNumber::for_request(&test_key(), id), TrackingNumber::for_request(&theirs, id));
    }

    #[test]
    fn the_crockford_digits_are_the_digests_leading_bits() {
        let mut digest = [0u8; 32];
        digest[0] = 0b0000_1000; // bits 0..5 = 00001, bits 5..10 = 000 + 00
        digest[1] = 0b0100_0000; //                       → 0b00001 = 1, then 0b00001 = 1 (bit 9)
        assert_eq!(&crockford(&digest, 3), "110");
        assert_eq!(crockford(&[0xFF; 32], 51), "Z".repeat(51));
    }

    #[test]
    fn typed_tracking_numbers_are_forgiving() {
        let t = TrackingNumber::for_request(&test_key(), RequestId::generate());
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
            let id = RequestId::from_uuid(uuid::Uuid::from_bytes(bytes));
            let t = TrackingNumber::for_request(&test_key(), id);
            prop_assert_eq!(t.as_str().len(), TrackingNumber::LEN);
            prop_assert_eq!(TrackingNumber::parse(t.as_str()), Ok(t.clone()));
        }
    }
}
