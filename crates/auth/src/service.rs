//! The login service: checks a username and password, counts failures and locks accounts, hands
//! out session tokens and resolves them back to the staff member; plus the account changes an
//! administrator makes (add, new password, disable).
//!
//! What a caller learns is kept to a minimum: an unknown username, a wrong password and a disabled
//! account all get the same `InvalidCredentials`, and take the same time (one argon2 verify each).
//! A lock is the exception: the person at the keyboard needs to know to wait, and a lock only
//! happens to accounts that exist.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::ports::{Accounts, LockoutPolicy, LoginRecord, NewStaffSession, SessionKind, StoreError};
use jiesu_domain::staff::{Principal, User, Username};

use crate::password::{self, Password};
use crate::token::SessionToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthSettings {
    /// How long a session lasts after login.
    pub token_ttl: Duration,
    pub lockout: LockoutPolicy,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self { token_ttl: Duration::hours(12), lockout: LockoutPolicy::default() }
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
    /// Too many failed attempts; every login, even with the right password, is refused until then.
    #[error("the account is locked until {until}")]
    Locked { until: DateTime<Utc> },
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
    #[error("unexpected: {0}")]
    Unexpected(String),
}

/// The login service over any accounts store.
#[derive(Debug, Clone)]
pub struct Auth<A> {
    accounts: A,
    settings: AuthSettings,
}

impl<A: Accounts> Auth<A> {
    pub fn new(accounts: A, settings: AuthSettings) -> Self {
        Self { accounts, settings }
    }

    pub fn accounts(&self) -> &A {
        &self.accounts
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// Checks the credentials and opens a session of the given kind.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
    ) -> Result<Session, LoginError> {
        // Usernames are lowercase; people type them with capitals anyway.
        let record = match Username::parse(&username.to_ascii_lowercase()) {
            Ok(name) => {
                self.accounts.login_record(&name).await.map_err(|e| LoginError::Unexpected(e.to_string()))?
            }
            Err(_) => None,
        };
        let Some(LoginRecord { user, password_hash, state }) = record else {
            // Spend the time a real verify takes. The attempted name is not logged: people type
            // their password into the username field often enough.
            let _ = password::verify(password, &password::dummy_hash()).await;
            tracing::info!("failed login: unknown username");
            return Err(LoginError::InvalidCredentials);
        };
        let now = jiesu_domain::time::now();
        if let Some(until) = state.locked_at(now) {
            tracing::info!(user = %user.username, %until, "login refused: the account is locked");
            return Err(LoginError::Locked { until });
        }
        let matches = password::verify(password, &password_hash).await.map_err(|e| {
            tracing::error!(user = %user.username, error = %e, "cannot verify a stored password hash");
            LoginError::Unexpected(e.to_string())
        })?;
        if user.disabled {
            tracing::info!(user = %user.username, "failed login: the account is disabled");
            return Err(LoginError::InvalidCredentials);
        }
        if !matches {
            return Err(self.failed(&user, now).await);
        }
        let state = self.accounts.record_successful_login(user.id, now).await.map_err(store)?;
        if let Some(until) = state.locked_at(now) {
            // Locked by concurrent failures while this password was being checked.
            return Err(LoginError::Locked { until });
        }
        let session = self.open_session(&user, kind, now).await?;
        tracing::info!(user = %user.username, role = user.role.as_str(), kind = kind.as_str(), "staff member signed in");
        Ok(session)
    }

    async fn failed(&self, user: &User, now: DateTime<Utc>) -> LoginError {
        match self.accounts.record_failed_login(user.id, now, self.settings.lockout).await {
            Ok(Some(state)) => match state.locked_at(now) {
                Some(until) => {
                    tracing::warn!(user = %user.username, failures = state.failed_logins, %until, "account locked after repeated failed logins");
                    LoginError::Locked { until }
                }
                None => {
                    tracing::info!(user = %user.username, failures = state.failed_logins, "failed login: wrong password");
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

    /// Adds an account with its first password (the caller checked the role, bureau and policy).
    pub async fn add_user(&self, user: &User, password: &Password) -> Result<(), AccountError> {
        let hash = password::hash(password).await.map_err(|e| AccountError::Unexpected(e.to_string()))?;
        match self.accounts.insert_user(user, &hash).await {
            Ok(()) => {
                tracing::info!(user = %user.username, role = user.role.as_str(), "staff account created");
                Ok(())
            }
            Err(StoreError::Conflict(_)) => Err(AccountError::UsernameTaken(user.username.clone())),
            Err(e) => Err(AccountError::Unexpected(e.to_string())),
        }
    }

    /// Sets a new password; the user's sessions end and any lock is lifted.
    pub async fn set_password(&self, username: &Username, password: &Password) -> Result<(), AccountError> {
        let hash = password::hash(password).await.map_err(|e| AccountError::Unexpected(e.to_string()))?;
        match self.accounts.set_password(username, &hash, jiesu_domain::time::now()).await {
            Ok(true) => {
                tracing::info!(user = %username, "password changed; sessions revoked");
                Ok(())
            }
            Ok(false) => Err(AccountError::NoSuchUser(username.clone())),
            Err(e) => Err(AccountError::Unexpected(e.to_string())),
        }
    }

    /// Disables an account; its sessions end and it can no longer sign in.
    pub async fn disable(&self, username: &Username) -> Result<(), AccountError> {
        match self.accounts.disable_user(username, jiesu_domain::time::now()).await {
            Ok(true) => {
                tracing::info!(user = %username, "staff account disabled");
                Ok(())
            }
            Ok(false) => Err(AccountError::NoSuchUser(username.clone())),
            Err(e) => Err(AccountError::Unexpected(e.to_string())),
        }
    }

    pub async fn list_users(&self) -> Result<Vec<User>, AccountError> {
        self.accounts.list_users().await.map_err(|e| AccountError::Unexpected(e.to_string()))
    }
}

fn store(e: StoreError) -> LoginError {
    LoginError::Unexpected(e.to_string())
}
