//! Session tokens: 32 bytes (256 bits) straight from the operating system's random source,
//! written as base64url without padding (43 characters), safe in headers and cookies.
//!
//! Only the token's SHA-256 is stored. A token is random and long, so a fast hash is enough: no
//! one can guess a token from its hash, and a stolen database copy holds no usable session.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiesu_domain::ports::TokenHash;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

const LEN: usize = 43;

/// A session token as handed to a client. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

/// The operating system would not give random bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no randomness from the operating system: {0}")]
pub struct RandomnessError(String);

impl SessionToken {
    pub fn generate() -> Result<Self, RandomnessError> {
        let mut bytes = [0u8; 32];
        OsRng.try_fill_bytes(&mut bytes).map_err(|e| RandomnessError(e.to_string()))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A token as a client sent it; `None` when it cannot be one of ours (then there is no need
    /// to ask the database).
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == LEN && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::from_bytes(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_never_repeat() {
        let a = SessionToken::generate().expect("random");
        let b = SessionToken::generate().expect("random");
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a, b);
        assert_eq!(SessionToken::parse(a.expose()), Some(a.clone()));
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn the_stored_hash_is_the_sha256_of_the_token() {
        let t = SessionToken::parse(&"A".repeat(43)).expect("well-formed");
        // sha256("A" × 43), computed independently with coreutils' sha256sum.
        let expected = "0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a";
        let hex: String = t.hash().as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
        assert_eq!(t.hash(), SessionToken::parse(&"A".repeat(43)).expect("well-formed").hash(), "stable");
        assert_ne!(t.hash(), SessionToken::parse(&"B".repeat(43)).expect("well-formed").hash());
    }

    #[test]
    fn anything_else_is_not_a_token() {
        for bad in ["", "short", &"A".repeat(44), &format!("{}=", "A".repeat(42)), &"é".repeat(22)] {
            assert_eq!(SessionToken::parse(bad), None, "{bad}");
        }
    }
}
