//! The login service: checks a username and password, counts failures and locks accounts, hands
//! out session tokens and resolves them back to the staff member; plus the account changes an
//! administrator makes (add, new password, disable).
//!
//! What a caller learns is kept to a minimum: an unknown username, a wrong password and a disabled
//! account all get the same `InvalidCredentials`, and take the same time (one argon2 verify each,
//! through the same `HashGate`). A lock is the exception: the person at the keyboard needs to know
//! to wait, and a lock only happens to accounts that exist. Locks are per account and client
//! address: a stranger's failures lock out the stranger's address, not the account's owner.
//!
//! Before any of that, the throttles (per address, per username) are asked: an attempt they refuse
//! costs no hash and no database query.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::{
    Accounts, LockoutPolicy, LoginClient, LoginRecord, NewStaffSession, PasswordHash, SessionKind, StoreError,
};
use jiesu_domain::staff::{Principal, User, Username};

use crate::password::{self, HashError, HashGate, Password};
use crate::throttle::{LoginThrottle, ThrottleSettings, Throttled};
use crate::token::SessionToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthSettings {
    /// How long a session lasts after login.
    pub token_ttl: Duration,
    pub lockout: LockoutPolicy,
    pub throttle: ThrottleSettings,
    /// Argon2 hashes running at once (0: one per core).
    pub hash_concurrency: usize,
    /// How long a login waits for its turn to hash before it is told the server is busy.
    pub hash_wait: std::time::Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            token_ttl: Duration::hours(12),
            lockout: LockoutPolicy::default(),
            throttle: ThrottleSettings::default(),
            hash_concurrency: 0,
            hash_wait: std::time::Duration::from_secs(5),
        }
    }
}

/// A signed-in session: the token goes to the client once and is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: SessionToken,
    pub expires_at: DateTime<Utc>,
    pub principal: Principal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// Unknown username, wrong password, or a disabled account: deliberately one answer.
    #[error("unknown username or wrong password")]
    InvalidCredentials,
    /// Too many failed attempts from this client address; every login from it, even with the
    /// right password, is refused until then.
    #[error("the account is locked until {until}")]
    Locked { until: DateTime<Utc> },
    /// Too many attempts from this address, or on this username, in the last minute.
    #[error("too many login attempts; try again in {:?}", .0.retry_after())]
    Throttled(Throttled),
    /// Every password check was taken for the whole wait: try again shortly.
    #[error("too many logins at once; try again")]
    Busy,
    #[error("unexpected: {0}")]
    Unexpected(String),
}

/// Reading or ending a session failed (the database).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("unexpected: {0}")]
    Unexpected(String),
}

/// An administrator's change to an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("the username `{0}` is taken")]
    UsernameTaken(Username),
    #[error("there is no user `{0}`")]
    NoSuchUser(Username),
    /// The change does not fit (a role without its bureau, or the other way round).
    #[error("{0}")]
    Invalid(String),
    #[error("unexpected: {0}")]
    Unexpected(String),
}

/// The login service over any accounts store. Clones share the hash gate and the throttles.
#[derive(Debug, Clone)]
pub struct Auth<A> {
    accounts: A,
    settings: AuthSettings,
    gate: HashGate,
    throttle: Arc<LoginThrottle>,
}

impl<A: Accounts> Auth<A> {
    pub fn new(accounts: A, settings: AuthSettings) -> Self {
        let gate = HashGate::new(settings.hash_concurrency, settings.hash_wait);
        let throttle = Arc::new(LoginThrottle::new(settings.throttle));
        Self { accounts, settings, gate, throttle }
    }

    pub fn accounts(&self) -> &A {
        &self.accounts
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// Checks the credentials of a login from `client` and opens a session of the given kind.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: LoginClient,
        kind: SessionKind,
    ) -> Result<Session, LoginError> {
        if let Err(throttled) = self.throttle.check(client, username) {
            // The name is not logged (it may be a password typed in the wrong field).
            tracing::info!(%client, ?throttled, "login refused: throttled");
            return Err(LoginError::Throttled(throttled));
        }
        // Usernames are lowercase; people type them with capitals anyway.
        let record = match Username::parse(&username.to_ascii_lowercase()) {
            Ok(name) => self
                .accounts
                .login_record(&name, client)
                .await
                .map_err(|e| LoginError::Unexpected(e.to_string()))?,
            Err(_) => None,
        };
        let Some(LoginRecord { user, password_hash, state }) = record else {
            // Spend the time a real verify takes, through the same gate (so a flood of made-up
            // names is bounded like any other). The attempted name is not logged: people type
            // their password into the username field often enough.
            if self.gate.verify(password, &password::dummy_hash()).await == Err(HashError::Busy) {
                return Err(LoginError::Busy);
            }
            tracing::info!(%client, "failed login: unknown username");
            self.record(AuditAction::SignInFailed, "", "unknown username", None, client).await;
            return Err(LoginError::InvalidCredentials);
        };
        let now = jiesu_domain::time::now();
        if let Some(until) = state.locked_at(now) {
            tracing::info!(user = %user.username, %client, %until, "login refused: locked for this address");
            self.record(
                AuditAction::SignInFailed,
                user.username.as_str(),
                "locked for this address",
                None,
                client,
            )
            .await;
            return Err(LoginError::Locked { until });
        }
        let matches = match self.gate.verify(password, &password_hash).await {
            Ok(matches) => matches,
            Err(HashError::Busy) => return Err(LoginError::Busy),
            Err(e) => {
                tracing::error!(user = %user.username, error = %e, "cannot verify a stored password hash");
                return Err(LoginError::Unexpected(e.to_string()));
            }
        };
        if user.disabled {
            tracing::info!(user = %user.username, "failed login: the account is disabled");
            self.record(AuditAction::SignInFailed, user.username.as_str(), "account disabled", None, client)
                .await;
            return Err(LoginError::InvalidCredentials);
        }
        if !matches {
            return Err(self.failed(&user, client, now).await);
        }
        let state = self.accounts.record_successful_login(user.id, client, now).await.map_err(store)?;
        if let Some(until) = state.locked_at(now) {
            // Locked by concurrent failures while this password was being checked.
            return Err(LoginError::Locked { until });
        }
        let session = self.open_session(&user, kind, now).await?;
        tracing::info!(user = %user.username, role = user.role.as_str(), kind = kind.as_str(), "staff member signed in");
        let how = match kind {
            SessionKind::Cookie => "the staff pages",
            SessionKind::Bearer => "an API token",
        };
        self.record(AuditAction::SignedIn, user.username.as_str(), how, Some(&user.username), client).await;
        Ok(session)
    }

    async fn failed(&self, user: &User, client: LoginClient, now: DateTime<Utc>) -> LoginError {
        match self.accounts.record_failed_login(user.id, client, now, self.settings.lockout).await {
            Ok(Some(state)) => match state.locked_at(now) {
                Some(until) => {
                    tracing::warn!(user = %user.username, %client, failures = state.failed_logins, %until, "account locked for one address after repeated failed logins");
                    let detail =
                        format!("{} failures; locked until {}", state.failed_logins, until.to_rfc3339());
                    self.record(AuditAction::Locked, user.username.as_str(), &detail, None, client).await;
                    LoginError::Locked { until }
                }
                None => {
                    tracing::info!(user = %user.username, failures = state.failed_logins, "failed login: wrong password");
                    let detail = format!("wrong password ({} in a row)", state.failed_logins);
                    self.record(AuditAction::SignInFailed, user.username.as_str(), &detail, None, client)
                        .await;
                    LoginError::InvalidCredentials
                }
            },
            Ok(None) => LoginError::InvalidCredentials,
            Err(e) => store(e),
        }
    }

    async fn open_session(
        &self,
        user: &User,
        kind: SessionKind,
        now: DateTime<Utc>,
    ) -> Result<Session, LoginError> {
        let token = SessionToken::generate().map_err(|e| LoginError::Unexpected(e.to_string()))?;
        let expires_at = now + self.settings.token_ttl;
        let new =
            NewStaffSession { token_hash: token.hash(), user_id: user.id, kind, created_at: now, expires_at };
        self.accounts.create_session(&new).await.map_err(store)?;
        Ok(Session { token, expires_at, principal: user.principal() })
    }

    /// Who holds this token, if it names a live session. A malformed token is simply no session.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, SessionError> {
        let Some(token) = SessionToken::parse(token) else { return Ok(None) };
        self.accounts
            .session_principal(&token.hash(), jiesu_domain::time::now())
            .await
            .map_err(|e| SessionError::Unexpected(e.to_string()))
    }

    /// Ends the session. Returns whether there was a live one.
    pub async fn logout(&self, token: &str) -> Result<bool, SessionError> {
        let Some(token) = SessionToken::parse(token) else { return Ok(false) };
        self.accounts
            .revoke_session(&token.hash(), jiesu_domain::time::now())
            .await
            .map_err(|e| SessionError::Unexpected(e.to_string()))
    }

    /// Hashes a new password through the bounded gate.
    pub(crate) async fn hash(&self, password: &Password) -> Result<PasswordHash, AccountError> {
        self.gate.hash(password).await.map_err(|e| AccountError::Unexpected(e.to_string()))
    }

    pub async fn list_users(&self) -> Result<Vec<User>, AccountError> {
        self.accounts.list_users().await.map_err(|e| AccountError::Unexpected(e.to_string()))
    }

    /// Writes a sign-in's entry. A sign-in's answer does not wait on the log's health: a failure
    /// to write is logged as an error and the answer goes out (the database that refused the
    /// entry will refuse the session too, so an unrecorded success is unlikely).
    async fn record(
        &self,
        action: AuditAction,
        subject: &str,
        detail: &str,
        who: Option<&Username>,
        client: LoginClient,
    ) {
        let entry = AuditEntry::new(who, action, subject, detail, jiesu_domain::time::now())
            .from_client(Some(client.key()));
        if let Err(e) = self.accounts.append_audit(&entry).await {
            tracing::error!(error = %e, action = action.as_str(), "cannot write a sign-in to the audit log");
        }
    }
}

fn store(e: StoreError) -> LoginError {
    LoginError::Unexpected(e.to_string())
}
