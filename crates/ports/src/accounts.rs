//! The accounts port: staff accounts, their password hashes, failed-login counting and lockout,
//! and staff sessions.
//!
//! The store never sees a password or a session token: it keeps the password's PHC string
//! (argon2, made by `jiesu-auth`) and the SHA-256 of each token. Counting failures and locking
//! happen in one statement each, so concurrent attempts cannot slip past the limit. Failures are
//! counted per account AND client address (`LoginClient`): a stranger failing someone's password
//! locks out only the stranger's own address, never the account's owner elsewhere.

use std::future::Future;
use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use super::{Audit, StoreError};
use jiesu_model::audit::AuditEntry;
use jiesu_model::bureau::BureauCode;
use jiesu_model::records::CorruptRow;
use jiesu_model::staff::{Principal, StaffRole, User, UserId, Username};

/// A password hash in PHC string format (`$argon2id$v=19$...`). Not a secret in itself, but
/// there is no reason to print it: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string (checked by whoever verifies against it).
    pub fn from_phc(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// The SHA-256 of a session token: what the store keeps and looks sessions up by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A prefix is enough to tell sessions apart in a test failure.
        write!(f, "TokenHash({:02x}{:02x}..)", self.0[0], self.0[1])
    }
}

/// How a session's token travels: in an `Authorization: Bearer` header (API clients) or in an
/// HttpOnly cookie (the staff pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionKind {
    Bearer,
    Cookie,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "bearer",
            Self::Cookie => "cookie",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Bearer, Self::Cookie].into_iter().find(|k| k.as_str() == raw)
    }
}

/// Where a login comes from, as failures are counted: an IPv4 address, or the /64 network of an
/// IPv6 address (a subscriber is usually given a whole /64, so counting single IPv6 addresses
/// would give one attacker 2^64 fresh starts). An IPv4-mapped IPv6 address counts as the IPv4 one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LoginClient(IpAddr);

impl LoginClient {
    pub fn from_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => {
                    let network = u128::from(v6) & !((1u128 << 64) - 1);
                    Self(IpAddr::V6(network.into()))
                }
            },
        }
    }

    /// The address (or IPv6 network) counted.
    pub fn ip(self) -> IpAddr {
        self.0
    }

    /// How the store keys it: `203.0.113.7`, or `2001:db8:1:2::/64`.
    pub fn key(self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("{v6}/64"),
        }
    }
}

impl std::fmt::Display for LoginClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

/// When failed logins lock an account for one client address, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures from one client address, each less than `duration` after the one before, that
    /// lock the account for that address.
    pub max_failures: u32,
    pub duration: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self { max_failures: 5, duration: Duration::minutes(15) }
    }
}

/// An account's failed-login state for one client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginState {
    /// Failures from this address since its last successful login (or the last lock that ran
    /// out, or a pause longer than the lockout duration).
    pub failed_logins: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl LoginState {
    /// Until when the account is locked, if it is at `now`.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| *until > now)
    }
}

/// What a login needs to know about an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRecord {
    pub user: User,
    pub password_hash: PasswordHash,
    /// The failures of the client the record was read for.
    pub state: LoginState,
}

/// A session to store. The token itself was handed to the client and is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaffSession {
    pub token_hash: TokenHash,
    pub user_id: UserId,
    pub kind: SessionKind,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A `users` row as both SQL adapters read it; parsed back through the domain's constructors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: uuid::Uuid,
    pub username: String,
    pub role: String,
    pub bureau: Option<String>,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
}

impl TryFrom<UserRecord> for User {
    type Error = CorruptRow;
    fn try_from(r: UserRecord) -> Result<Self, CorruptRow> {
        let bad = |message: String| CorruptRow { table: "users", message };
        Ok(User {
            id: UserId::from_uuid(r.id),
            username: Username::parse(&r.username).map_err(|e| bad(e.to_string()))?,
            role: StaffRole::parse(&r.role).ok_or_else(|| bad(format!("role `{}`", r.role)))?,
            bureau: r.bureau.as_deref().map(BureauCode::parse).transpose().map_err(|e| bad(e.to_string()))?,
            created_at: r.created_at,
            disabled: r.disabled,
        })
    }
}

/// An administrator's change to an existing account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserChange {
    /// The account can no longer sign in; its sessions end.
    Disable,
    Enable,
    /// A new role and bureau (checked by the caller: `staff::check_role`). Sessions go on: a
    /// session reads the account's role afresh on every request.
    Role {
        role: StaffRole,
        bureau: Option<BureauCode>,
    },
    /// Every client's failures and locks on the account are forgotten.
    Unlock,
    /// A new password: every lock is lifted and every session ends.
    Password(PasswordHash),
}

/// An account as the administrators' list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountState {
    pub user: User,
    /// The latest running lock of any client address on the account.
    pub locked_until: Option<DateTime<Utc>>,
    /// When its newest session began.
    pub last_sign_in: Option<DateTime<Utc>>,
}

/// Staff accounts and sessions. The audit log comes with them: the account changes are written
/// to it in their own transaction.
pub trait Accounts: Audit + Clone + Send + Sync + 'static {
    /// Adds an account and its audit entry in one transaction. A username already taken is
    /// `StoreError::Conflict`, and nothing is written.
    fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The account named `username` with its password hash, disabled or not, and the failed-login
    /// state of `client` on it.
    fn login_record(
        &self,
        username: &Username,
        client: LoginClient,
    ) -> impl Future<Output = Result<Option<LoginRecord>, StoreError>> + Send;

    /// Counts one more failed login of `client` on the account, atomically. When the count
    /// reaches `policy.max_failures` the account is locked for that client (only) until
    /// `now + policy.duration`. After a lock has run out, or when the previous failure is
    /// `policy.duration` or more ago, counting starts again from one (and the account's records of
    /// other clients that are that old are forgotten, so they do not pile up). Returns the new
    /// state (`None`: no such user).
    fn record_failed_login(
        &self,
        user: UserId,
        client: LoginClient,
        now: DateTime<Utc>,
        policy: LockoutPolicy,
    ) -> impl Future<Output = Result<Option<LoginState>, StoreError>> + Send;

    /// Clears the failure count of `client` on the account, unless that client is locked at
    /// `now` (a concurrent attempt may have locked it since it was read): then nothing changes.
    /// Returns the state after.
    fn record_successful_login(
        &self,
        user: UserId,
        client: LoginClient,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<LoginState, StoreError>> + Send;

    /// Stores a new session, and forgets the user's sessions that have expired or were revoked
    /// (so sessions do not pile up without a background sweep).
    fn create_session(
        &self,
        session: &NewStaffSession,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Who holds the session, if it exists, has not expired at `now`, was not revoked, and its
    /// user is not disabled.
    fn session_principal(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Principal>, StoreError>> + Send;

    /// Ends a session (logout). Returns whether a live session was revoked.
    fn revoke_session(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every account, by username.
    fn list_users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    /// Every account with its running lock and last sign-in, by username.
    fn account_states(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<AccountState>, StoreError>> + Send;

    /// Makes the change and writes its audit entry in one transaction. Returns `false` when
    /// there is no such user (and writes nothing).
    fn change_user(
        &self,
        username: &Username,
        change: &UserChange,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_counts_as_its_64_network_and_a_mapped_ipv4_as_the_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(LoginClient::from_ip(a), LoginClient::from_ip(b));
        assert_ne!(LoginClient::from_ip(a), LoginClient::from_ip(other));
        assert_eq!(LoginClient::from_ip(a).key(), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().expect("ip");
        assert_eq!(LoginClient::from_ip(mapped).key(), "203.0.113.7");
    }
}
