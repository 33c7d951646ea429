//! The login service on a real (SQLite) accounts store.

use jiesu_domain::ports::{Accounts, LockoutPolicy, SessionKind};
use jiesu_domain::staff::Username;
use jiesu_store_sqlite::SqliteStore;
use jiesu_testkit::Guard;

use crate::{AccountError, Auth, AuthSettings, LoginError, Password};

const PASSWORD: &str = "correct horse battery";

async fn service(max_failures: u32) -> (Auth<SqliteStore>, Guard) {
    let (store, guard) = jiesu_testkit::sqlite_store().await;
    let settings = AuthSettings {
        lockout: LockoutPolicy { max_failures, ..LockoutPolicy::default() },
        ..AuthSettings::default()
    };
    let auth = Auth::new(store, settings);
    let user = jiesu_testkit::accounts_contract::water_staff("li.lei");
    auth.add_user(&user, &Password::new(PASSWORD).expect("valid")).await.expect("add");
    (auth, guard)
}

fn name() -> Username {
    Username::parse("li.lei").expect("valid")
}

#[tokio::test]
async fn the_right_password_opens_a_session_that_logout_ends() {
    let (auth, _g) = service(5).await;
    let session = auth.login("Li.Lei", PASSWORD, SessionKind::Bearer).await.expect("signed in");
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
    let wrong = auth.login("li.lei", "wrong password", SessionKind::Bearer).await;
    assert_eq!(wrong, Err(LoginError::InvalidCredentials));
    let unknown = auth.login("nobody", PASSWORD, SessionKind::Bearer).await;
    assert_eq!(unknown, Err(LoginError::InvalidCredentials));
    let not_a_name = auth.login("李雷", PASSWORD, SessionKind::Bearer).await;
    assert_eq!(not_a_name, Err(LoginError::InvalidCredentials));
    auth.disable(&name()).await.expect("disable");
    let disabled = auth.login("li.lei", PASSWORD, SessionKind::Bearer).await;
    assert_eq!(disabled, Err(LoginError::InvalidCredentials));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_against_the_right_password() {
    let (auth, _g) = service(3).await;
    for _ in 0..2 {
        let r = auth.login("li.lei", "wrong password", SessionKind::Bearer).await;
        assert_eq!(r, Err(LoginError::InvalidCredentials));
    }
    let third = auth.login("li.lei", "wrong password", SessionKind::Bearer).await;
    let Err(LoginError::Locked { until }) = third else { panic!("locked on the third failure: {third:?}") };
    assert!(until > jiesu_domain::time::now() + chrono::Duration::minutes(14));
    let right = auth.login("li.lei", PASSWORD, SessionKind::Bearer).await;
    assert_eq!(right, Err(LoginError::Locked { until }));
    // An administrator's new password lifts the lock.
    let new = Password::new("a brand new password").expect("valid");
    auth.set_password(&name(), &new).await.expect("set");
    assert!(auth.login("li.lei", new.expose(), SessionKind::Cookie).await.is_ok());
}

#[tokio::test]
async fn a_success_resets_the_count_of_failures() {
    let (auth, _g) = service(3).await;
    for _ in 0..2 {
        let _ = auth.login("li.lei", "wrong password", SessionKind::Bearer).await;
    }
    auth.login("li.lei", PASSWORD, SessionKind::Bearer).await.expect("signed in");
    let state = auth.accounts().login_record(&name()).await.expect("read").expect("stored").state;
    assert_eq!(state.failed_logins, 0);
}

#[tokio::test]
async fn a_new_password_ends_every_session_and_usernames_stay_unique() {
    let (auth, _g) = service(5).await;
    let s = auth.login("li.lei", PASSWORD, SessionKind::Bearer).await.expect("signed in");
    auth.set_password(&name(), &Password::new("another password").expect("valid")).await.expect("set");
    assert_eq!(auth.authenticate(s.token.expose()).await.expect("read"), None);
    let again = jiesu_testkit::accounts_contract::water_staff("li.lei");
    let taken = auth.add_user(&again, &Password::new(PASSWORD).expect("valid")).await;
    assert_eq!(taken, Err(AccountError::UsernameTaken(name())));
    let nobody = Username::parse("nobody").expect("valid");
    assert_eq!(
        auth.set_password(&nobody, &Password::new(PASSWORD).expect("valid")).await,
        Err(AccountError::NoSuchUser(nobody))
    );
}
