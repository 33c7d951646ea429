//! The audit log: who did what to whom, for the acts a district must be able to account for
//! (sign-ins and their failures, locks, account and key administration, phone-number reveals,
//! rule decisions, exemptions). Entries are only ever added: the stores refuse to change or delete one.
//!
//! An entry names people by username (accounts are disabled, never deleted, so a name stays
//! meaningful) and never carries a secret: no password, token, key or phone number, and not the
//! name typed at a failed sign-in for an unknown account (people type their password there).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::staff::Username;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    SignedIn,
    SignInFailed,
    /// Too many failures from one address locked the account for that address.
    Locked,
    /// The staff member changed their own password.
    PasswordChanged,
    UserCreated,
    UserDisabled,
    UserEnabled,
    /// Role or bureau changed.
    UserChanged,
    /// An administrator set a new password.
    PasswordReset,
    UserUnlocked,
    KeyCreated,
    KeyRevoked,
    /// A client application's webhook registered or removed.
    WebhookAdded,
    WebhookRemoved,
    PhoneRevealed,
    RuleDecided,
    /// A day of the working-day calendar set on the administration pages.
    CalendarChanged,
    /// An appeal upheld or rejected, a final reply approved or refused (考核剔除).
    ExemptionDecided,
}

impl AuditAction {
    pub const ALL: [Self; 18] = [
        Self::SignedIn,
        Self::SignInFailed,
        Self::Locked,
        Self::PasswordChanged,
        Self::UserCreated,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::UserChanged,
        Self::PasswordReset,
        Self::UserUnlocked,
        Self::KeyCreated,
        Self::KeyRevoked,
        Self::WebhookAdded,
        Self::WebhookRemoved,
        Self::PhoneRevealed,
        Self::RuleDecided,
        Self::CalendarChanged,
        Self::ExemptionDecided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedIn => "signed_in",
            Self::SignInFailed => "sign_in_failed",
            Self::Locked => "locked",
            Self::PasswordChanged => "password_changed",
            Self::UserCreated => "user_created",
            Self::UserDisabled => "user_disabled",
            Self::UserEnabled => "user_enabled",
            Self::UserChanged => "user_changed",
            Self::PasswordReset => "password_reset",
            Self::UserUnlocked => "user_unlocked",
            Self::KeyCreated => "key_created",
            Self::KeyRevoked => "key_revoked",
            Self::WebhookAdded => "webhook_added",
            Self::WebhookRemoved => "webhook_removed",
            Self::PhoneRevealed => "phone_revealed",
            Self::RuleDecided => "rule_decided",
            Self::CalendarChanged => "calendar_changed",
            Self::ExemptionDecided => "exemption_decided",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::SignedIn => "登录",
            Self::SignInFailed => "登录失败",
            Self::Locked => "账号锁定",
            Self::PasswordChanged => "修改本人密码",
            Self::UserCreated => "新建账号",
            Self::UserDisabled => "停用账号",
            Self::UserEnabled => "启用账号",
            Self::UserChanged => "变更角色或单位",
            Self::PasswordReset => "重置密码",
            Self::UserUnlocked => "解除锁定",
            Self::KeyCreated => "新建接入密钥",
            Self::KeyRevoked => "吊销接入密钥",
            Self::WebhookAdded => "登记回调地址",
            Self::WebhookRemoved => "删除回调地址",
            Self::PhoneRevealed => "查看来电号码",
            Self::RuleDecided => "规则审定",
            Self::CalendarChanged => "工作日历变更",
            Self::ExemptionDecided => "申诉与最终答复审核",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::SignedIn => "signed in",
            Self::SignInFailed => "sign-in failed",
            Self::Locked => "account locked",
            Self::PasswordChanged => "own password changed",
            Self::UserCreated => "user created",
            Self::UserDisabled => "user disabled",
            Self::UserEnabled => "user enabled",
            Self::UserChanged => "role or bureau changed",
            Self::PasswordReset => "password reset",
            Self::UserUnlocked => "user unlocked",
            Self::KeyCreated => "API key created",
            Self::KeyRevoked => "API key revoked",
            Self::WebhookAdded => "webhook registered",
            Self::WebhookRemoved => "webhook removed",
            Self::PhoneRevealed => "phone number revealed",
            Self::RuleDecided => "rule decided",
            Self::CalendarChanged => "calendar day set",
            Self::ExemptionDecided => "appeal or final reply decided",
        }
    }
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Who acted; `None` for the command line on the server or an unknown account's sign-in.
    pub actor: Option<Username>,
    pub action: AuditAction,
    /// What it was done to: a username, a key's name, a tracking number, a rule.
    pub subject: String,
    /// The client's address (an IPv6 client by its /64), where a request from a browser did it.
    pub client: Option<String>,
    /// A short account in words (the new role, the reason given); never a secret.
    pub detail: String,
}

impl AuditEntry {
    /// An entry made now. The subject and detail are cut to what the log keeps.
    pub fn new(
        actor: Option<&Username>,
        action: AuditAction,
        subject: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            at,
            actor: actor.cloned(),
            action,
            subject: cut(subject, 200),
            client: None,
            detail: cut(detail, 500),
        }
    }

    /// The same entry, made from this client address.
    pub fn from_client(self, client: Option<String>) -> Self {
        Self { client, ..self }
    }
}

/// At most `max` characters, whole characters only.
fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::parse("deleted"), None);
    }

    #[test]
    fn long_subjects_and_details_are_cut_on_character_boundaries() {
        let long = "坪".repeat(600);
        let e = AuditEntry::new(None, AuditAction::RuleDecided, &long, &long, Utc::now());
        assert_eq!(e.subject.chars().count(), 200);
        assert_eq!(e.detail.chars().count(), 500);
    }
}
