//! Passwords: the policy a new one must meet, and argon2id hashing and verification.
//!
//! Hashes use the argon2 crate's defaults (argon2id, 19 MiB of memory, 2 passes, 1 lane: OWASP's
//! recommended minimum) with a random 16-byte salt from the operating system, written as a PHC
//! string so the parameters travel with the hash and can be raised later without a migration.
//! Hashing is deliberately slow, so both hashing and verifying run on tokio's blocking pool and
//! never stall the threads that serve requests.
//!
//! Every hash and verify goes through one `HashGate`: a semaphore with as many permits as the
//! machine has cores. Without it each login took its own 19 MiB on an unbounded blocking pool, and
//! 400 concurrent bogus logins took the process to 11.2 GB. A caller that cannot get a permit
//! within the gate's wait is told `HashError::Busy` (the login answers "busy, try again") instead
//! of queueing without bound.

use std::sync::Arc;
use std::time::Duration;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use jiesu_domain::ports::PasswordHash;
use tokio::sync::Semaphore;

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

/// Hashing or verifying could not be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// Every permit stayed taken for the gate's whole wait: too many logins at once.
    #[error("too many password checks at once; try again")]
    Busy,
    /// A malformed stored hash, or a failed blocking task.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// Bounds the argon2 work running at once (each hash holds 19 MiB and a core for its whole run)
/// and how long a caller waits for a turn. Clones share the permits.
#[derive(Debug, Clone)]
pub struct HashGate {
    permits: Arc<Semaphore>,
    wait: Duration,
    /// The threads that hash, one per permit. Not the blocking pool: glibc gives each thread
    /// its own arena and keeps a freed 19 MiB argon2 buffer in it, so hashes spread over the
    /// blocking pool's many threads kept ~440 MB resident after a flood; a fixed set keeps at
    /// most one buffer per permit.
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Starts `n` hashing threads; they end when every sender is gone.
fn hashing_threads(n: usize) -> std::sync::mpsc::Sender<Job> {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let rx = Arc::new(std::sync::Mutex::new(rx));
    for i in 0..n {
        let rx = rx.clone();
        let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
            loop {
                let job = match rx.lock() {
                    Ok(r) => r.recv(),
                    Err(_) => return,
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a password hashing thread");
        }
    }
    tx
}

impl HashGate {
    /// At most `concurrency` hashes at once (0: one per core, `available_parallelism`); a caller
    /// waits at most `wait` for its turn.
    pub fn new(concurrency: usize, wait: Duration) -> Self {
        let concurrency = match concurrency {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            n => n,
        };
        Self { permits: Arc::new(Semaphore::new(concurrency)), wait, jobs: hashing_threads(concurrency) }
    }

    /// Hashes a new password with a fresh random salt.
    pub async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let password = password.clone();
        self.run(move || hash_now(password.expose())).await?
    }

    /// Whether `password` matches `hash`. The parameters are read from the hash itself, so hashes
    /// made with older parameters keep verifying.
    pub async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool, HashError> {
        let (password, hash) = (password.to_owned(), hash.clone());
        self.run(move || verify_now(&password, hash.as_str())).await?
    }

    /// Runs `work` on a hashing thread once a permit is free. The permit moves into the job, so a caller that gives up (a client that hangs up, a request timeout) does not free
    /// it before the hash it started has actually finished: the bound holds on the work, not on
    /// the callers.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|e| HashError::Failed(e.to_string()))?;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _permit = permit;
            let _ = done.send(work());
        });
        self.jobs.send(job).map_err(|e| HashError::Failed(e.to_string()))?;
        result.await.map_err(|e| HashError::Failed(e.to_string()))
    }
}

fn hash_now(password: &str) -> Result<PasswordHash, HashError> {
    let phc =
        Argon2::default().hash_password(password.as_bytes()).map_err(|e| HashError::Failed(e.to_string()))?;
    Ok(PasswordHash::from_phc(phc.to_string()))
}

fn verify_now(password: &str, phc: &str) -> Result<bool, HashError> {
    match Argon2::default().verify_password(password.as_bytes(), phc) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(HashError::Failed(e.to_string())),
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

    fn gate() -> HashGate {
        HashGate::new(0, Duration::from_secs(30))
    }

    async fn hash(password: &Password) -> Result<PasswordHash, HashError> {
        gate().hash(password).await
    }

    async fn verify(password: &str, hash: &PasswordHash) -> Result<bool, HashError> {
        gate().verify(password, hash).await
    }

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

#[cfg(test)]
mod gate_tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_the_gate_has_permits() {
        let gate = HashGate::new(2, Duration::from_secs(60));
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    gate.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("joined").expect("ran");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2, "never more than the permits, and both used");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_waits_past_the_bound_is_told_busy() {
        let gate = HashGate::new(1, Duration::from_millis(50));
        let slow = gate.clone();
        let holder =
            tokio::spawn(async move { slow.run(|| std::thread::sleep(Duration::from_millis(500))).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(gate.verify("whatever-password", &dummy_hash()).await, Err(HashError::Busy));
        holder.await.expect("joined").expect("ran");
        assert_eq!(gate.verify("whatever-password", &dummy_hash()).await, Ok(false), "free again");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_gives_up_keeps_the_permit_until_its_hash_ends() {
        let gate = HashGate::new(1, Duration::from_millis(50));
        let started = gate.run(|| std::thread::sleep(Duration::from_millis(400)));
        // The caller's future is dropped as soon as the work has started.
        let _ = tokio::time::timeout(Duration::from_millis(30), started).await;
        assert_eq!(gate.run(|| ()).await, Err(HashError::Busy), "the abandoned hash still runs");
    }
}
