//! The login service on a real (SQLite) accounts store.

use jiesu_domain::ports::{Accounts, LockoutPolicy, LoginClient, SessionKind};
use jiesu_domain::staff::Username;
use jiesu_store_sqlite::SqliteStore;
use jiesu_testkit::Guard;

use jiesu_domain::audit::AuditAction;
use jiesu_domain::ports::{Audit, AuditQuery, Page};
use jiesu_domain::staff::StaffRole;

use crate::{
    AccountChange, AccountError, Auth, AuthSettings, By, LoginError, Password, ThrottleSettings, Throttled,
};

const PASSWORD: &str = "correct horse battery";

async fn service(max_failures: u32) -> (Auth<SqliteStore>, Guard) {
    service_with(AuthSettings {
        lockout: LockoutPolicy { max_failures, ..LockoutPolicy::default() },
        ..AuthSettings::default()
    })
    .await
}

async fn service_with(settings: AuthSettings) -> (Auth<SqliteStore>, Guard) {
    let (store, guard) = jiesu_testkit::sqlite_store().await;
    let auth = Auth::new(store, settings);
    let user = jiesu_testkit::accounts_contract::water_staff("li.lei");
    auth.add_user(&user, &Password::new(PASSWORD).expect("valid"), &By::command_line()).await.expect("add");
    (auth, guard)
}

/// The address the owner signs in from.
fn here() -> LoginClient {
    LoginClient::from_ip([192, 0, 2, 10].into())
}

/// An administrator at a browser.
fn admin() -> By {
    By::staff(&Username::parse("admin.wang").expect("valid"), LoginClient::from_ip([198, 51, 100, 4].into()))
}

fn name() -> Username {
    Username::parse("li.lei").expect("valid")
}

#[tokio::test]
async fn the_right_password_opens_a_session_that_logout_ends() {
    let (auth, _g) = service(5).await;
    let session = auth.login("Li.Lei", PASSWORD, here(), SessionKind::Bearer).await.expect("signed in");
    assert_eq!(session.principal.username, name(), "usernames are case-insensitive at login");
    assert!(session.expires_at > jiesu_domain::time::now() + chrono::Duration::hours(11));
    let who = auth.authenticate(session.token.expose()).await.expect("read");
    assert_eq!(who, Some(session.principal.clone()));
    assert!(auth.logout(session.token.expose()).await.expect("logout"));
    assert_eq!(auth.authenticate(session.token.expose()).await.expect("read"), None);
    assert_eq!(auth.authenticate("not-a-token").await.expect("read"), None);
}

#[tokio::test]
async fn unknown_users_wrong_passwords_and_disabled_accounts_get_the_same_answer() {
    let (auth, _g) = service(5).await;
    let wrong = auth.login("li.lei", "wrong password", here(), SessionKind::Bearer).await;
    assert_eq!(wrong, Err(LoginError::InvalidCredentials));
    let unknown = auth.login("nobody", PASSWORD, here(), SessionKind::Bearer).await;
    assert_eq!(unknown, Err(LoginError::InvalidCredentials));
    let not_a_name = auth.login("李雷", PASSWORD, here(), SessionKind::Bearer).await;
    assert_eq!(not_a_name, Err(LoginError::InvalidCredentials));
    auth.change(&name(), AccountChange::Disable, &By::command_line()).await.expect("disable");
    let disabled = auth.login("li.lei", PASSWORD, here(), SessionKind::Bearer).await;
    assert_eq!(disabled, Err(LoginError::InvalidCredentials));
}

#[tokio::test]
async fn a_stranger_s_failures_lock_the_stranger_s_address_not_the_owner() {
    let (auth, _g) = service(3).await;
    let stranger = LoginClient::from_ip([203, 0, 113, 66].into());
    for _ in 0..5 {
        let _ = auth.login("li.lei", "a guess", stranger, SessionKind::Bearer).await;
    }
    let r = auth.login("li.lei", PASSWORD, stranger, SessionKind::Bearer).await;
    assert!(matches!(r, Err(LoginError::Locked { .. })), "the stranger's address is locked: {r:?}");
    let owner = auth.login("li.lei", PASSWORD, here(), SessionKind::Bearer).await;
    assert!(owner.is_ok(), "the owner signs in from their own address: {owner:?}");
}

#[tokio::test]
async fn an_address_over_its_quota_is_throttled_before_any_password_is_checked() {
    let settings = AuthSettings {
        throttle: ThrottleSettings { per_address_per_minute: 3, per_username_per_minute: 100 },
        ..AuthSettings::default()
    };
    let (auth, _g) = service_with(settings).await;
    for n in 0..3 {
        let r = auth.login(&format!("nobody.{n}"), PASSWORD, here(), SessionKind::Bearer).await;
        assert_eq!(r, Err(LoginError::InvalidCredentials));
    }
    // Even the right password: the throttle does not know it and must not hash to find out.
    let started = std::time::Instant::now();
    let r = auth.login("li.lei", PASSWORD, here(), SessionKind::Bearer).await;
    assert!(matches!(r, Err(LoginError::Throttled(Throttled::Address { .. }))), "{r:?}");
    assert!(started.elapsed() < std::time::Duration::from_millis(5), "no hash: {:?}", started.elapsed());
    let elsewhere = LoginClient::from_ip([192, 0, 2, 11].into());
    assert!(auth.login("li.lei", PASSWORD, elsewhere, SessionKind::Bearer).await.is_ok());
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_against_the_right_password() {
    let (auth, _g) = service(3).await;
    for _ in 0..2 {
        let r = auth.login("li.lei", "wrong password", here(), SessionKind::Bearer).await;
        assert_eq!(r, Err(LoginError::InvalidCredentials));
    }
    let third = auth.login("li.lei", "wrong password", here(), SessionKind::Bearer).await;
    let Err(LoginError::Locked { until }) = third else { panic!("locked on the third failure: {third:?}") };
    assert!(until > jiesu_domain::time::now() + chrono::Duration::minutes(14));
    let right = auth.login("li.lei", PASSWORD, here(), SessionKind::Bearer).await;
    assert_eq!(right, Err(LoginError::Locked { until }));
    // An administrator's new password lifts the lock.
    let new = Password::new("a brand new password").expect("valid");
    auth.change(&name(), AccountChange::Password(new.clone()), &admin()).await.expect("set");
    assert!(auth.login("li.lei", new.expose(), here(), SessionKind::Cookie).await.is_ok());
}

#[tokio::test]
async fn a_success_resets_the_count_of_failures() {
    let (auth, _g) = service(3).await;
    for _ in 0..2 {
        let _ = auth.login("li.lei", "wrong password", here(), SessionKind::Bearer).await;
    }
    auth.login("li.lei", PASSWORD, here(), SessionKind::Bearer).await.expect("signed in");
    let state = auth.accounts().login_record(&name(), here()).await.expect("read").expect("stored").state;
    assert_eq!(state.failed_logins, 0);
}

#[tokio::test]
async fn a_new_password_ends_every_session_and_usernames_stay_unique() {
    let (auth, _g) = service(5).await;
    let s = auth.login("li.lei", PASSWORD, here(), SessionKind::Bearer).await.expect("signed in");
    let another = Password::new("another password").expect("valid");
    auth.change(&name(), AccountChange::Password(another), &admin()).await.expect("set");
    assert_eq!(auth.authenticate(s.token.expose()).await.expect("read"), None);
    let again = jiesu_testkit::accounts_contract::water_staff("li.lei");
    let taken = auth.add_user(&again, &Password::new(PASSWORD).expect("valid"), &admin()).await;
    assert_eq!(taken, Err(AccountError::UsernameTaken(name())));
    let nobody = Username::parse("nobody").expect("valid");
    assert_eq!(
        auth.change(&nobody, AccountChange::Password(Password::new(PASSWORD).expect("valid")), &admin())
            .await,
        Err(AccountError::NoSuchUser(nobody))
    );
}

#[tokio::test]
async fn sign_ins_failures_locks_and_account_changes_are_in_the_audit_log() {
    let (auth, _g) = service(2).await;
    auth.login("li.lei", PASSWORD, here(), SessionKind::Cookie).await.expect("signed in");
    let _ = auth.login("nobody", "typed-in-the-wrong-box", here(), SessionKind::Cookie).await;
    for _ in 0..2 {
        let _ = auth.login("li.lei", "wrong password", here(), SessionKind::Cookie).await;
    }
    let bad_role = AccountChange::Role { role: StaffRole::Supervisor, bureau: name_bureau() };
    assert!(matches!(auth.change(&name(), bad_role, &admin()).await, Err(AccountError::Invalid(_))));
    auth.change(&name(), AccountChange::Unlock, &admin()).await.expect("unlock");
    let own = By::staff(&name(), here());
    let new = Password::new("my own new password").expect("valid");
    auth.change(&name(), AccountChange::Password(new), &own).await.expect("own password");

    let log = auth.accounts().audit_log(&AuditQuery { page: Page::first(50), ..AuditQuery::default() }).await;
    let log: Vec<_> = log.expect("read").into_iter().rev().collect();
    let seen: Vec<(AuditAction, &str)> = log.iter().map(|e| (e.action, e.subject.as_str())).collect();
    assert_eq!(
        seen,
        [
            (AuditAction::UserCreated, "li.lei"),
            (AuditAction::SignedIn, "li.lei"),
            (AuditAction::SignInFailed, ""),
            (AuditAction::SignInFailed, "li.lei"),
            (AuditAction::Locked, "li.lei"),
            (AuditAction::UserUnlocked, "li.lei"),
            (AuditAction::PasswordChanged, "li.lei"),
        ],
        "the refused role change wrote nothing"
    );
    assert_eq!(log[1].actor, Some(name()), "a sign-in is the account's own act");
    assert_eq!(log[3].actor, None, "a failure is no one's until it succeeds");
    assert_eq!(log[5].actor.as_ref().map(Username::as_str), Some("admin.wang"));
    assert_eq!(log[5].client.as_deref(), Some("198.51.100.4"));
    assert!(log.iter().all(|e| !e.detail.contains(PASSWORD) && !e.detail.contains("typed-in")));
}

fn name_bureau() -> Option<jiesu_domain::bureau::BureauCode> {
    Some(jiesu_domain::bureau::BureauCode::parse("water").expect("code"))
}
