//! The accounts port's contract. Every adapter runs every case through `accounts_contract!`.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ports::{
    Accounts, LockoutPolicy, LoginClient, LoginState, NewStaffSession, PasswordHash, SessionKind, StoreError,
    TokenHash, UserChange,
};
use jiesu_domain::staff::{StaffRole, User, Username};

#[macro_export]
macro_rules! accounts_contract {
    ($factory:path) => {
        $crate::accounts_contract!(@cases $factory;
            a_user_is_stored_and_read_back_for_login,
            a_username_is_taken_once,
            failures_are_counted_and_reaching_the_limit_locks_the_account,
            concurrent_failures_each_count,
            a_lock_that_ran_out_starts_the_count_again,
            a_successful_login_clears_the_failures_but_not_a_running_lock,
            a_session_resolves_to_its_user_until_it_expires,
            a_revoked_session_no_longer_resolves,
            a_disabled_user_s_sessions_stop_working,
            a_new_password_revokes_every_session_and_clears_the_lock,
            a_lock_holds_only_for_the_client_address_that_caused_it,
            a_pause_longer_than_the_lockout_starts_the_count_again,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::accounts_contract::$case(store).await;
            }
        )*
    };
}

const POLICY: LockoutPolicy = LockoutPolicy { max_failures: 5, duration: Duration::minutes(15) };

/// The client addresses the cases log in from.
fn client(last: u8) -> LoginClient {
    LoginClient::from_ip(std::net::IpAddr::from([203, 0, 113, last]))
}

fn name(raw: &str) -> Username {
    Username::parse(raw).expect("valid username")
}

fn hash(tag: &str) -> PasswordHash {
    PasswordHash::from_phc(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${tag}"))
}

/// An administrator's entry, made now.
fn logged(action: AuditAction) -> AuditEntry {
    AuditEntry::new(Some(&name("admin.wang")), action, "li.lei", "", jiesu_domain::time::now())
}

fn created() -> AuditEntry {
    logged(AuditAction::UserCreated)
}

/// A bureau staff member of the water bureau.
pub fn water_staff(username: &str) -> User {
    let water = BureauCode::parse("water").expect("valid code");
    User::new(name(username), StaffRole::BureauStaff, Some(water), jiesu_domain::time::now()).expect("valid")
}

fn token(n: u8) -> TokenHash {
    TokenHash::from_bytes([n; 32])
}

fn session(user: &User, n: u8, now: DateTime<Utc>, ttl: Duration) -> NewStaffSession {
    NewStaffSession {
        token_hash: token(n),
        user_id: user.id,
        kind: SessionKind::Bearer,
        created_at: now,
        expires_at: now + ttl,
    }
}

pub async fn a_user_is_stored_and_read_back_for_login(s: impl Accounts) {
    let staff = water_staff("li.lei");
    let op =
        User::new(name("han.meimei"), StaffRole::Operator, None, jiesu_domain::time::now()).expect("valid");
    s.insert_user(&staff, &hash("one"), &created()).await.expect("insert");
    s.insert_user(&op, &hash("two"), &created()).await.expect("insert");
    let record = s.login_record(&name("li.lei"), client(1)).await.expect("read").expect("stored");
    assert_eq!(record.user, staff);
    assert_eq!(record.password_hash, hash("one"));
    assert_eq!(record.state, LoginState { failed_logins: 0, locked_until: None });
    assert_eq!(s.login_record(&name("nobody"), client(1)).await.expect("read"), None);
    assert_eq!(s.list_users().await.expect("list"), vec![op, staff], "by username");
}

pub async fn a_username_is_taken_once(s: impl Accounts) {
    s.insert_user(&water_staff("li.lei"), &hash("one"), &created()).await.expect("insert");
    let again = s.insert_user(&water_staff("li.lei"), &hash("two"), &created()).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}

pub async fn failures_are_counted_and_reaching_the_limit_locks_the_account(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let now = jiesu_domain::time::now();
    for n in 1..5 {
        let st =
            s.record_failed_login(u.id, client(1), now, POLICY).await.expect("record").expect("user exists");
        assert_eq!(st, LoginState { failed_logins: n, locked_until: None });
    }
    let st = s.record_failed_login(u.id, client(1), now, POLICY).await.expect("record").expect("user exists");
    assert_eq!(st, LoginState { failed_logins: 5, locked_until: Some(now + Duration::minutes(15)) });
    assert_eq!(st.locked_at(now + Duration::minutes(14)), Some(now + Duration::minutes(15)));
    assert_eq!(st.locked_at(now + Duration::minutes(15)), None, "unlocked when the time is up");
    let record = s.login_record(&u.username, client(1)).await.expect("read").expect("stored");
    assert_eq!(record.state, st);
    let stranger = water_staff("nobody");
    assert_eq!(s.record_failed_login(stranger.id, client(1), now, POLICY).await.expect("record"), None);
}

pub async fn concurrent_failures_each_count(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let now = jiesu_domain::time::now();
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.record_failed_login(u.id, client(1), now, POLICY).await })
        })
        .collect();
    for a in attempts {
        a.await.expect("joined").expect("record");
    }
    let state = s.login_record(&u.username, client(1)).await.expect("read").expect("stored").state;
    assert_eq!(state.failed_logins, 8, "no failure lost to a race");
    assert_eq!(state.locked_until, Some(now + Duration::minutes(15)));
}

pub async fn a_lock_that_ran_out_starts_the_count_again(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let then = jiesu_domain::time::now() - Duration::hours(1);
    for _ in 0..5 {
        s.record_failed_login(u.id, client(1), then, POLICY).await.expect("record");
    }
    let now = jiesu_domain::time::now();
    let st = s.record_failed_login(u.id, client(1), now, POLICY).await.expect("record").expect("user exists");
    assert_eq!(st, LoginState { failed_logins: 1, locked_until: None });
}

pub async fn a_successful_login_clears_the_failures_but_not_a_running_lock(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let now = jiesu_domain::time::now();
    for _ in 0..3 {
        s.record_failed_login(u.id, client(1), now, POLICY).await.expect("record");
    }
    let cleared = s.record_successful_login(u.id, client(1), now).await.expect("record");
    assert_eq!(cleared, LoginState { failed_logins: 0, locked_until: None });
    for _ in 0..5 {
        s.record_failed_login(u.id, client(1), now, POLICY).await.expect("record");
    }
    // A login that verified its password just as other attempts locked the account stays refused.
    let still = s.record_successful_login(u.id, client(1), now + Duration::minutes(1)).await.expect("record");
    assert_eq!(still, LoginState { failed_logins: 5, locked_until: Some(now + Duration::minutes(15)) });
    let later =
        s.record_successful_login(u.id, client(1), now + Duration::minutes(16)).await.expect("record");
    assert_eq!(later, LoginState { failed_logins: 0, locked_until: None });
}

pub async fn a_session_resolves_to_its_user_until_it_expires(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let now = jiesu_domain::time::now();
    s.create_session(&session(&u, 1, now, Duration::hours(12))).await.expect("create");
    let p = s.session_principal(&token(1), now).await.expect("resolve").expect("live session");
    assert_eq!(p, u.principal());
    assert_eq!(p.scope().bureau().map(|b| b.as_str()), Some("water"));
    assert_eq!(s.session_principal(&token(2), now).await.expect("resolve"), None, "unknown token");
    assert_eq!(
        s.session_principal(&token(1), now + Duration::hours(12)).await.expect("resolve"),
        None,
        "expired"
    );
    // Signing in again (a second device) leaves the first session alone.
    let cookie = NewStaffSession { kind: SessionKind::Cookie, ..session(&u, 2, now, Duration::hours(12)) };
    s.create_session(&cookie).await.expect("create");
    assert!(s.session_principal(&token(1), now).await.expect("resolve").is_some());
    assert!(s.session_principal(&token(2), now).await.expect("resolve").is_some());
    let duplicate = s.create_session(&session(&u, 2, now, Duration::hours(1))).await;
    assert!(matches!(duplicate, Err(StoreError::Conflict(_))), "{duplicate:?}");
}

pub async fn a_revoked_session_no_longer_resolves(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let now = jiesu_domain::time::now();
    s.create_session(&session(&u, 1, now, Duration::hours(12))).await.expect("create");
    s.create_session(&session(&u, 2, now, Duration::hours(12))).await.expect("create");
    assert!(s.revoke_session(&token(1), now).await.expect("revoke"));
    assert!(!s.revoke_session(&token(1), now).await.expect("revoke"), "already revoked");
    assert!(!s.revoke_session(&token(9), now).await.expect("revoke"), "no such session");
    assert_eq!(s.session_principal(&token(1), now).await.expect("resolve"), None);
    assert!(s.session_principal(&token(2), now).await.expect("resolve").is_some(), "the other one lives");
}

pub async fn a_disabled_user_s_sessions_stop_working(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let now = jiesu_domain::time::now();
    s.create_session(&session(&u, 1, now, Duration::hours(12))).await.expect("create");
    assert!(
        s.change_user(&u.username, &UserChange::Disable, now, &logged(AuditAction::UserDisabled))
            .await
            .expect("disable")
    );
    assert_eq!(s.session_principal(&token(1), now).await.expect("resolve"), None);
    let record = s.login_record(&u.username, client(1)).await.expect("read").expect("still stored");
    assert!(record.user.disabled);
    assert!(
        !s.change_user(&name("nobody"), &UserChange::Disable, now, &logged(AuditAction::UserDisabled))
            .await
            .expect("disable")
    );
}

pub async fn a_new_password_revokes_every_session_and_clears_the_lock(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let now = jiesu_domain::time::now();
    s.create_session(&session(&u, 1, now, Duration::hours(12))).await.expect("create");
    s.create_session(&session(&u, 2, now, Duration::hours(12))).await.expect("create");
    for _ in 0..5 {
        s.record_failed_login(u.id, client(1), now, POLICY).await.expect("record");
    }
    assert!(
        s.change_user(
            &u.username,
            &UserChange::Password(hash("two")),
            now,
            &logged(AuditAction::PasswordReset)
        )
        .await
        .expect("set")
    );
    let record = s.login_record(&u.username, client(1)).await.expect("read").expect("stored");
    assert_eq!(record.password_hash, hash("two"));
    assert_eq!(record.state, LoginState { failed_logins: 0, locked_until: None });
    assert_eq!(s.session_principal(&token(1), now).await.expect("resolve"), None);
    assert_eq!(s.session_principal(&token(2), now).await.expect("resolve"), None);
    assert!(
        !s.change_user(
            &name("nobody"),
            &UserChange::Password(hash("x")),
            now,
            &logged(AuditAction::PasswordReset)
        )
        .await
        .expect("set")
    );
}

pub async fn a_lock_holds_only_for_the_client_address_that_caused_it(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let now = jiesu_domain::time::now();
    let (stranger, owner) = (client(66), client(7));
    for _ in 0..5 {
        s.record_failed_login(u.id, stranger, now, POLICY).await.expect("record");
    }
    let locked = s.login_record(&u.username, stranger).await.expect("read").expect("stored").state;
    assert_eq!(locked.locked_at(now), Some(now + Duration::minutes(15)));
    let free = s.login_record(&u.username, owner).await.expect("read").expect("stored").state;
    assert_eq!(free, LoginState { failed_logins: 0, locked_until: None }, "the owner's address is free");
    let st = s.record_failed_login(u.id, owner, now, POLICY).await.expect("record").expect("user exists");
    assert_eq!(st, LoginState { failed_logins: 1, locked_until: None }, "counted apart");
    // The owner signing in clears the owner's count, not the stranger's lock.
    let after = s.record_successful_login(u.id, owner, now).await.expect("record");
    assert_eq!(after, LoginState { failed_logins: 0, locked_until: None });
    let still = s.login_record(&u.username, stranger).await.expect("read").expect("stored").state;
    assert_eq!(still, locked);
}

pub async fn a_pause_longer_than_the_lockout_starts_the_count_again(s: impl Accounts) {
    let u = water_staff("li.lei");
    s.insert_user(&u, &hash("one"), &created()).await.expect("insert");
    let then = jiesu_domain::time::now() - Duration::minutes(20);
    for _ in 0..4 {
        s.record_failed_login(u.id, client(1), then, POLICY).await.expect("record");
        s.record_failed_login(u.id, client(2), then, POLICY).await.expect("record");
    }
    let now = jiesu_domain::time::now();
    let st = s.record_failed_login(u.id, client(1), now, POLICY).await.expect("record").expect("user exists");
    assert_eq!(st, LoginState { failed_logins: 1, locked_until: None }, "four old failures and one new");
    // The other address's old failures were forgotten along the way, not merely outlived.
    let other = s.login_record(&u.username, client(2)).await.expect("read").expect("stored").state;
    assert_eq!(other, LoginState { failed_logins: 0, locked_until: None });
}
