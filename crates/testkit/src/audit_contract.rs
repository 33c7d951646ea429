//! The audit log's contract, with the account changes that write to it and the administrators'
//! view of the accounts. Every adapter runs every case through `audit_contract!`.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ports::{
    Accounts, AuditQuery, Cursor, LockoutPolicy, LoginClient, NewStaffSession, Page, PasswordHash,
    SessionKind, StoreError, TokenHash, UserChange,
};
use jiesu_domain::staff::{StaffRole, Username};

use crate::accounts_contract::water_staff;

#[macro_export]
macro_rules! audit_contract {
    ($factory:path) => {
        $crate::audit_contract!(@cases $factory;
            each_account_change_commits_with_its_entry_and_a_refused_one_writes_nothing,
            the_accounts_show_their_running_lock_and_last_sign_in,
            the_log_is_read_newest_first_filtered_and_in_pages,
            an_entry_is_appended_once,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::audit_contract::$case(store).await;
            }
        )*
    };
}

fn name(raw: &str) -> Username {
    Username::parse(raw).expect("valid username")
}

fn hash(tag: &str) -> PasswordHash {
    PasswordHash::from_phc(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${tag}"))
}

fn entry(action: AuditAction, subject: &str, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry::new(Some(&name("admin.wang")), action, subject, "", at)
}

async fn everything(s: &impl Accounts) -> Vec<AuditEntry> {
    s.audit_log(&AuditQuery { page: Page::first(100), ..AuditQuery::default() }).await.expect("read the log")
}

pub async fn each_account_change_commits_with_its_entry_and_a_refused_one_writes_nothing(s: impl Accounts) {
    let u = water_staff("li.lei");
    let now = jiesu_domain::time::now();
    s.insert_user(&u, &hash("one"), &entry(AuditAction::UserCreated, "li.lei", now)).await.expect("insert");
    let again = entry(AuditAction::UserCreated, "li.lei", now);
    let taken = s.insert_user(&water_staff("li.lei"), &hash("two"), &again).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))));
    let changes = [
        (UserChange::Role { role: StaffRole::Supervisor, bureau: None }, AuditAction::UserChanged),
        (UserChange::Disable, AuditAction::UserDisabled),
        (UserChange::Enable, AuditAction::UserEnabled),
        (UserChange::Unlock, AuditAction::UserUnlocked),
        (UserChange::Password(hash("three")), AuditAction::PasswordReset),
    ];
    for (i, (change, action)) in changes.iter().enumerate() {
        let at = now + Duration::seconds(i as i64 + 1);
        assert!(s.change_user(&u.username, change, at, &entry(*action, "li.lei", at)).await.expect("change"));
    }
    let refused = entry(AuditAction::UserDisabled, "nobody", now);
    let nobody = s.change_user(&name("nobody"), &UserChange::Disable, now, &refused).await;
    assert!(!nobody.expect("change"), "no such user");

    let log = everything(&s).await;
    let actions: Vec<AuditAction> = log.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::PasswordReset,
            AuditAction::UserUnlocked,
            AuditAction::UserEnabled,
            AuditAction::UserDisabled,
            AuditAction::UserChanged,
            AuditAction::UserCreated,
        ],
        "newest first, one entry per change that happened"
    );
    assert!(log.iter().all(|e| e.subject == "li.lei" && e.actor == Some(name("admin.wang"))));
    let states = s.account_states(now).await.expect("states");
    let me = &states.iter().find(|a| a.user.username == u.username).expect("listed").user;
    assert_eq!((me.role, me.bureau.clone(), me.disabled), (StaffRole::Supervisor, None, false));
    let record = s.login_record(&u.username, client(1)).await.expect("read").expect("stored");
    assert_eq!(record.password_hash, hash("three"));
}

fn client(last: u8) -> LoginClient {
    LoginClient::from_ip(std::net::IpAddr::from([203, 0, 113, last]))
}

pub async fn the_accounts_show_their_running_lock_and_last_sign_in(s: impl Accounts) {
    let now = jiesu_domain::time::now();
    let (a, b) = (water_staff("li.lei"), water_staff("han.mei"));
    for u in [&a, &b] {
        let made = entry(AuditAction::UserCreated, u.username.as_str(), now);
        s.insert_user(u, &hash("one"), &made).await.expect("insert");
    }
    let policy = LockoutPolicy { max_failures: 3, duration: Duration::minutes(15) };
    for _ in 0..3 {
        s.record_failed_login(a.id, client(9), now, policy).await.expect("record");
    }
    let session = NewStaffSession {
        token_hash: TokenHash::from_bytes([5; 32]),
        user_id: b.id,
        kind: SessionKind::Cookie,
        created_at: now,
        expires_at: now + Duration::hours(12),
    };
    s.create_session(&session).await.expect("session");

    let states = s.account_states(now).await.expect("states");
    let names: Vec<&str> = states.iter().map(|st| st.user.username.as_str()).collect();
    assert_eq!(names, ["han.mei", "li.lei"], "by username");
    let (han, li) = (&states[0], &states[1]);
    assert_eq!(li.locked_until, Some(now + Duration::minutes(15)));
    assert_eq!((li.last_sign_in, han.locked_until), (None, None));
    assert_eq!(han.last_sign_in, Some(now));
    assert_eq!(
        s.account_states(now + Duration::minutes(16)).await.expect("states")[1].locked_until,
        None,
        "a lock that ran out is not shown"
    );
    let unlock = entry(AuditAction::UserUnlocked, "li.lei", now);
    assert!(s.change_user(&a.username, &UserChange::Unlock, now, &unlock).await.expect("unlock"));
    assert_eq!(s.account_states(now).await.expect("states")[1].locked_until, None, "unlocked");
    let water = BureauCode::parse("water").expect("code");
    assert_eq!(s.account_states(now).await.expect("states")[1].user.bureau, Some(water));
}

pub async fn the_log_is_read_newest_first_filtered_and_in_pages(s: impl Accounts) {
    let base = jiesu_domain::time::at_storage_precision(jiesu_domain::time::now()) - Duration::days(3);
    let mut made = Vec::new();
    for i in 0..7 {
        let action = if i % 2 == 0 { AuditAction::SignedIn } else { AuditAction::SignInFailed };
        let who = if i < 4 { "li.lei" } else { "han.mei" };
        let at = base + Duration::hours(i * 10);
        let e = match action {
            AuditAction::SignedIn => AuditEntry::new(Some(&name(who)), action, who, "cookie", at),
            _ => AuditEntry::new(None, action, who, "wrong password", at),
        }
        .from_client(Some("203.0.113.7".to_owned()));
        s.append_audit(&e).await.expect("append");
        made.push(e);
    }
    let all = everything(&s).await;
    let newest_first: Vec<AuditEntry> = made.iter().rev().cloned().collect();
    assert_eq!(all, newest_first, "read back whole, newest first");

    let q = |actions: Vec<AuditAction>, who: Option<&str>| AuditQuery {
        actions,
        who: who.map(str::to_owned),
        page: Page::first(100),
        ..AuditQuery::default()
    };
    let failed = s.audit_log(&q(vec![AuditAction::SignInFailed], None)).await.expect("read");
    assert_eq!(failed.len(), 3);
    assert!(failed.iter().all(|e| e.action == AuditAction::SignInFailed && e.actor.is_none()));
    // A failure names the account as its subject only: `who` finds it there.
    let li = s.audit_log(&q(Vec::new(), Some("li.lei"))).await.expect("read");
    assert_eq!(li.len(), 4);
    let window = AuditQuery {
        from: Some(base + Duration::hours(10)),
        until: Some(base + Duration::hours(30)),
        ..q(Vec::new(), None)
    };
    let between: Vec<DateTime<Utc>> =
        s.audit_log(&window).await.expect("read").iter().map(|e| e.at).collect();
    assert_eq!(between, [base + Duration::hours(20), base + Duration::hours(10)], "from included, until not");

    let mut pages = Vec::new();
    let mut page = Page::first(3);
    loop {
        let got = s.audit_log(&AuditQuery { page, ..AuditQuery::default() }).await.expect("read");
        let Some(last) = got.last() else { break };
        page = Page::after(3, Cursor::new(last.at, last.id));
        pages.extend(got);
    }
    assert_eq!(pages, newest_first, "pages after pages: every entry once, in order");
}

pub async fn an_entry_is_appended_once(s: impl Accounts) {
    let e = entry(AuditAction::KeyCreated, "坪山 app", jiesu_domain::time::now());
    s.append_audit(&e).await.expect("append");
    assert!(matches!(s.append_audit(&e).await, Err(StoreError::Conflict(_))));
    assert_eq!(everything(&s).await.len(), 1);
}
