//! The account changes an administrator makes (from the administration pages or the command
//! line on the server), each written to the audit log in the same transaction as the change.

use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ports::{AccountState, Accounts, LoginClient, StoreError, UserChange};
use jiesu_domain::staff::{StaffRole, User, Username};

use crate::password::Password;
use crate::service::{AccountError, Auth};

/// Who makes a change, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct By {
    /// `None`: the command line on the server.
    pub user: Option<Username>,
    /// The browser's address, when a page did it.
    pub client: Option<LoginClient>,
}

impl By {
    /// A shell on the server (`jiesu user ...`).
    pub fn command_line() -> Self {
        Self { user: None, client: None }
    }

    pub fn staff(user: &Username, client: LoginClient) -> Self {
        Self { user: Some(user.clone()), client: Some(client) }
    }

    pub(crate) fn entry(&self, action: AuditAction, subject: &str, detail: &str) -> AuditEntry {
        AuditEntry::new(self.user.as_ref(), action, subject, detail, jiesu_domain::time::now())
            .from_client(self.client.map(|c| c.key()))
    }
}

/// An administrator's change to an existing account (the password is still in clear: it is
/// hashed here, through the service's bounded hash gate).
#[derive(Debug)]
pub enum AccountChange {
    Disable,
    Enable,
    Role { role: StaffRole, bureau: Option<BureauCode> },
    Unlock,
    Password(Password),
}

impl<A: Accounts> Auth<A> {
    /// Adds an account with its first password (the caller checked the role, bureau and policy).
    pub async fn add_user(&self, user: &User, password: &Password, by: &By) -> Result<(), AccountError> {
        let hash = self.hash(password).await?;
        let entry =
            by.entry(AuditAction::UserCreated, user.username.as_str(), &describe(user.role, &user.bureau));
        match self.accounts().insert_user(user, &hash, &entry).await {
            Ok(()) => {
                tracing::info!(user = %user.username, role = user.role.as_str(), "staff account created");
                Ok(())
            }
            Err(StoreError::Conflict(_)) => Err(AccountError::UsernameTaken(user.username.clone())),
            Err(e) => Err(AccountError::Unexpected(e.to_string())),
        }
    }

    /// Changes an account. A new password, like disabling, ends the account's sessions; a new
    /// password or an unlock lifts every lock. A new role must fit its bureau (`User::new`'s rule).
    pub async fn change(
        &self,
        username: &Username,
        change: AccountChange,
        by: &By,
    ) -> Result<(), AccountError> {
        let (stored, action, detail) = match change {
            AccountChange::Disable => (UserChange::Disable, AuditAction::UserDisabled, String::new()),
            AccountChange::Enable => (UserChange::Enable, AuditAction::UserEnabled, String::new()),
            AccountChange::Unlock => (UserChange::Unlock, AuditAction::UserUnlocked, String::new()),
            AccountChange::Role { role, bureau } => {
                jiesu_domain::staff::check_role(role, bureau.as_ref())
                    .map_err(|e| AccountError::Invalid(e.to_string()))?;
                let detail = describe(role, &bureau);
                (UserChange::Role { role, bureau }, AuditAction::UserChanged, detail)
            }
            AccountChange::Password(p) => {
                let own = by.user.as_ref() == Some(username);
                let action = if own { AuditAction::PasswordChanged } else { AuditAction::PasswordReset };
                (UserChange::Password(self.hash(&p).await?), action, String::new())
            }
        };
        let entry = by.entry(action, username.as_str(), &detail);
        match self.accounts().change_user(username, &stored, entry.at, &entry).await {
            Ok(true) => {
                tracing::info!(user = %username, action = action.as_str(), "staff account changed");
                Ok(())
            }
            Ok(false) => Err(AccountError::NoSuchUser(username.clone())),
            Err(e) => Err(AccountError::Unexpected(e.to_string())),
        }
    }

    /// Every account with its lock and last sign-in, by username.
    pub async fn account_states(&self) -> Result<Vec<AccountState>, AccountError> {
        self.accounts()
            .account_states(jiesu_domain::time::now())
            .await
            .map_err(|e| AccountError::Unexpected(e.to_string()))
    }
}

/// `bureau_staff of water`, `supervisor`: a role in the words the log and the command line use.
pub fn describe(role: StaffRole, bureau: &Option<BureauCode>) -> String {
    match bureau {
        Some(b) => format!("{} of {b}", role.as_str()),
        None => role.as_str().to_owned(),
    }
}
