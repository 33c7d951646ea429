//! Passwords: the policy a new one must meet, and argon2id hashing and verification.
//!
//! Hashes use the argon2 crate's defaults (argon2id, 19 MiB of memory, 2 passes, 1 lane: OWASP's
//! recommended minimum) with a random 16-byte salt from the operating system, written as a PHC
//! string so the parameters travel with the hash and can be raised later without a migration.
//! Hashing is deliberately slow, so both hashing and verifying run on tokio's blocking pool and
//! never stall the threads that serve requests.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use jiesu_domain::ports::PasswordHash;

/// The policy: at least 8 characters (letters of any script count one each). No composition
/// rules: length is what makes a password hard to guess, and rules push people to patterns.
pub const MIN_CHARS: usize = 8;
/// Bounds the work one login can ask for.
pub const MAX_CHARS: usize = 256;

/// A password someone chose. `Debug` hides it; nothing here prints it.
#[derive(Clone)]
pub struct Password(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("a password needs at least {MIN_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_CHARS} characters")]
    TooLong,
}

impl Password {
    /// Checks a new password against the policy. Leading and trailing spaces are kept: they are
    /// part of what the person typed.
    pub fn new(raw: impl Into<String>) -> Result<Self, WeakPassword> {
        let raw = raw.into();
        match raw.chars().count() {
            n if n < MIN_CHARS => Err(WeakPassword::TooShort),
            n if n > MAX_CHARS => Err(WeakPassword::TooLong),
            _ => Ok(Self(raw)),
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(****)")
    }
}

/// Hashing or verifying could not be done (a malformed stored hash, a failed blocking task).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a new password with a fresh random salt.
pub async fn hash(password: &Password) -> Result<PasswordHash, HashError> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || hash_now(password.expose()))
        .await
        .map_err(|e| HashError(e.to_string()))?
}

fn hash_now(password: &str) -> Result<PasswordHash, HashError> {
    let phc = Argon2::default().hash_password(password.as_bytes()).map_err(|e| HashError(e.to_string()))?;
    Ok(PasswordHash::from_phc(phc.to_string()))
}

/// Whether `password` matches `hash`. The parameters are read from the hash itself, so hashes
/// made with older parameters keep verifying.
pub async fn verify(password: &str, hash: &PasswordHash) -> Result<bool, HashError> {
    let (password, hash) = (password.to_owned(), hash.clone());
    tokio::task::spawn_blocking(move || verify_now(&password, hash.as_str()))
        .await
        .map_err(|e| HashError(e.to_string()))?
}

fn verify_now(password: &str, phc: &str) -> Result<bool, HashError> {
    match Argon2::default().verify_password(password.as_bytes(), phc) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(HashError(e.to_string())),
    }
}

/// What a login for an unknown username is verified against, so that it takes as long as one for
/// a known username and the answer time does not tell which usernames exist. Made with the same
/// parameters as new hashes (a test checks this); its password is unknown and irrelevant.
pub(crate) fn dummy_hash() -> PasswordHash {
    PasswordHash::from_phc(DUMMY_PHC.to_owned())
}

const DUMMY_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZHVtbXktc2FsdC1qaWVzdQ$pLYbP0gOQkq7FyGLnN3R6jZ8aV1cW2xE4tU5yI9oH0s";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_own_password_only() {
        let pw = Password::new("correct horse battery").expect("long enough");
        let h = hash(&pw).await.expect("hash");
        assert!(h.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", h.as_str());
        assert!(!h.as_str().contains("correct horse"));
        assert!(verify("correct horse battery", &h).await.expect("verify"));
        assert!(!verify("correct horse batterY", &h).await.expect("verify"));
        assert!(!verify("", &h).await.expect("verify"));
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let pw = Password::new("correct horse battery").expect("long enough");
        let (a, b) = (hash(&pw).await.expect("hash"), hash(&pw).await.expect("hash"));
        assert_ne!(a, b, "a fresh salt each time");
        assert!(
            verify(pw.expose(), &a).await.expect("verify") && verify(pw.expose(), &b).await.expect("verify")
        );
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_mismatch() {
        let broken = PasswordHash::from_phc("not a phc string".into());
        assert!(verify("whatever-password", &broken).await.is_err());
    }

    #[tokio::test]
    async fn the_dummy_hash_costs_what_a_real_one_does() {
        let real = hash(&Password::new("some password").expect("valid")).await.expect("hash");
        let params = |phc: &str| phc.split('$').take(4).collect::<Vec<_>>().join("$");
        assert_eq!(params(dummy_hash().as_str()), params(real.as_str()));
        assert!(!verify("some password", &dummy_hash()).await.expect("a well-formed hash"));
    }

    #[test]
    fn the_policy_counts_characters_not_bytes() {
        assert_eq!(Password::new("short").map(|_| ()), Err(WeakPassword::TooShort));
        assert!(Password::new("接诉即办接诉即办").is_ok(), "8 characters, 24 bytes");
        assert!(Password::new("接诉即办").is_err());
        assert_eq!(Password::new("x".repeat(257)).map(|_| ()), Err(WeakPassword::TooLong));
        assert!(!format!("{:?}", Password::new("secret-pass").expect("valid")).contains("secret"));
    }
}
