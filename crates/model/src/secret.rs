//! The server's secret key, and what is derived from it: numbers a citizen holds that nobody else
//! may compute. A tracking number hashed without a key could be computed by anyone who knows (or
//! guesses) what it was hashed from (a hotline order number is sequential); a return-visit link
//! must not be derivable from what staff see. Both are HMAC-SHA256 of the input under this key,
//! with a purpose string so one derivation never equals another.
//!
//! The key comes from outside (a setting, or a value generated once and kept in the store, so
//! every process of a deployment agrees): the domain does no IO and is handed it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ValidationError;

/// The server's secret key. Its `Debug` output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerKey(Vec<u8>);

impl ServerKey {
    /// Fewest bytes a key may have: 128 bits, below which guessing it is conceivable.
    pub const MIN_LEN: usize = 16;

    pub fn new(secret: &[u8]) -> Result<Self, ValidationError> {
        if secret.len() < Self::MIN_LEN {
            return Err(ValidationError::invalid("tracking_secret", "must have at least 16 bytes"));
        }
        Ok(Self(secret.to_vec()))
    }

    /// HMAC-SHA256 of the parts, each ended by a NUL so that ("ab", "c") and ("a", "bc") differ.
    pub(crate) fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        // `new_from_slice` accepts any length for HMAC: the error cannot happen.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        for p in parts {
            mac.update(p);
            mac.update(b"\0");
        }
        mac.finalize().into_bytes().into()
    }

    /// A phone number as the opt-out list keeps it (26 Crockford base32 characters): the same
    /// number always gives the same digest, and nobody without the key can tell the number
    /// from it, or test a guessed number against it.
    pub fn phone_digest(&self, phone: &crate::contact::PhoneNumber) -> String {
        crockford(&self.mac("sms-opt-out", &[phone.expose().as_bytes()]), 26)
    }

    /// HMAC-SHA256 of `data` under this key for `purpose`, for an adapter's own derivation (a key
    /// for its cipher, a signature over a token it hands out), apart from every other one.
    pub fn keyed(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        self.mac(purpose, &[data])
    }

    /// The photo store's name (32 lowercase hex digits, as `jiesu_media` names photos) for the
    /// photo a channel message carries (`message`: the channel's key of that message). The same
    /// message always gives the same name, so a step redone after a lost race, or WeChat's retry,
    /// names the photo it already named; nobody without the key can guess it from the message.
    pub fn photo_name(&self, message: &str) -> String {
        self.mac("channel photo", &[message.as_bytes()])[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(..)")
    }
}

pub(crate) const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The first `len` × 5 bits of a digest in Crockford base32 (`len` ≤ 51).
pub(crate) fn crockford(digest: &[u8; 32], len: usize) -> String {
    (0..len)
        .map(|i| {
            let bit = i * 5;
            let pair = u16::from_be_bytes([digest[bit / 8], digest.get(bit / 8 + 1).copied().unwrap_or(0)]);
            let value = (pair >> (11 - bit % 8)) & 31;
            CROCKFORD[value as usize] as char
        })
        .collect()
}

/// The secret of one request's return-visit link (`/track/visit?n=...&k=...`).
#[derive(Clone, PartialEq, Eq)]
pub struct VisitSecret(String);

impl VisitSecret {
    pub const LEN: usize = 26;

    /// The first `LEN` Crockford digits of a digest (see `ServerKey::visit_secret`).
    pub(crate) fn from_digest(digest: &[u8; 32]) -> Self {
        Self(crockford(digest, Self::LEN))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is this secret, compared in time independent of where they differ.
    pub fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.trim().as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for VisitSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VisitSecret(..)")
    }
}

/// The anti-forgery token of a staff page session: what every state-changing form of that
/// session must carry. Derived from the session's token (which only that browser holds, in an
/// HttpOnly cookie), so nothing is stored, it ends with the session, and another site can
/// neither read nor compute it. `context` names the session (the token, or the pre-login
/// cookie's value for the sign-in form).
#[derive(Clone, PartialEq, Eq)]
pub struct FormToken(String);

impl FormToken {
    pub fn derive(key: &ServerKey, context: &str) -> Self {
        Self(crockford(&key.mac("staff form", &[context.as_bytes()]), 32))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is this token, compared in time independent of where they differ.
    pub fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for FormToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormToken(..)")
    }
}

/// A fixed key for tests and examples, never for a deployment.
pub fn test_key() -> ServerKey {
    ServerKey(b"jiesu test key, never deployed!!".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_s_photo_name_is_stable_keyed_and_a_store_name() {
        let name = test_key().photo_name("msg:1001");
        assert_eq!(name, test_key().photo_name("msg:1001"), "a redone step names the same photo");
        assert_ne!(name, test_key().photo_name("msg:1002"));
        let other = ServerKey::new(b"another key of 16+ bytes").expect("key");
        assert_ne!(name, other.photo_name("msg:1001"));
        assert!(name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }

    #[test]
    fn form_tokens_differ_per_session_and_key_and_match_only_themselves() {
        let t = FormToken::derive(&test_key(), "session one");
        assert_eq!(t, FormToken::derive(&test_key(), "session one"));
        assert_ne!(t, FormToken::derive(&test_key(), "session two"));
        let other = ServerKey::new(b"another key of 16+ bytes").expect("key");
        assert_ne!(t, FormToken::derive(&other, "session one"));
        assert!(t.matches(t.as_str()));
        assert!(!t.matches(""));
        assert!(!t.matches(&t.as_str()[1..]));
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(ServerKey::new(b"short").is_err());
        assert!(ServerKey::new(&[7; 16]).is_ok());
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let key = ServerKey::new(b"do not print this key").expect("key");
        assert!(!format!("{key:?}").contains("print"));
    }
}
