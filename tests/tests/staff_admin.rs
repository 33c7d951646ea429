//! The administration pages in headless Chromium and over plain form posts, on both backends:
//! an administrator creates an account, changes its role, resets its password, unlocks and
//! disables and enables it, each taking effect at the sign-in form; creates an API key that an
//! Open311 client then posts with, and revokes it; and reads every one of those acts in the audit
//! log, filtered and exported. Everyone else gets 403 on every administration URL.

use std::time::Duration;

use chrono::Datelike;

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::pages::{PageSession, assert_accessible, choose, click, click_confirmed, fill, sign_in, text};
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;

jiesu_e2e::e2e_on_both_backends!(
    an_administrator_manages_an_account_through_the_pages,
    an_administrator_creates_a_key_that_works_and_revokes_it,
    an_administrator_enters_days_off_and_new_deadlines_follow_them,
    only_administrators_reach_the_administration,
);

const FIRST: &str = "first-password-1";
const SECOND: &str = "second-password-2";

async fn an_administrator_manages_an_account_through_the_pages(backend: Backend) {
    backend.add_staff("root", StaffRole::Admin, None).await;
    // Every sign-in here comes from one address: more than the per-address throttle's ten a
    // minute. The lockout, per account and address, still counts as it would.
    let app = backend.start_with(Roles::ALL, |s| s.auth.per_address_per_minute = 100).await;
    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "root", "/staff/desk").await;
    click(c, "#nav-admin").await;
    assert_eq!(text(c, "#main h1").await, "系统管理");

    // A new clerk of the urban-management bureau, who can sign in at once.
    c.find(Locator::Css("#new-user-panel summary")).await.expect("the form").click().await.expect("open");
    fill(c, "#new-username", "zhangsan").await;
    choose(c, "#role-new", "bureau_staff").await;
    choose(c, "#bureau-new", "urban-management").await;
    fill(c, "#new-password", FIRST).await;
    click(c, "#create-user").await;
    assert!(text(c, "#flash").await.contains("账号已创建"));
    let row = text(c, "#user-zhangsan").await;
    assert!(row.contains("承办人员") && row.contains("正常") && row.contains("从未"), "{row}");
    assert_accessible(c, "the administration's users").await;
    let clerk = PageSession::sign_in_with(&app.base, "zhangsan", FIRST).await;
    assert_eq!(clerk.get("/staff/inbox").await.0, StatusCode::OK);

    // A district-wide role with a bureau is refused, and the name is not taken twice.
    let root = PageSession::sign_in(&app.base, "root").await;
    let bad = [("csrf", root.csrf.as_str()), ("username", "lisi"), ("role", "operator"), ("bureau", "water")];
    let (status, page) = root.post("/staff/admin/users", &[&bad[..], &[("password", FIRST)]].concat()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("该角色面向全区"), "told why");
    let again =
        [("csrf", root.csrf.as_str()), ("username", "zhangsan"), ("role", "operator"), ("bureau", "")];
    let (status, page) =
        root.post("/staff/admin/users", &[&again[..], &[("password", FIRST)]].concat()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("该用户名已被使用"));

    // Promoted to supervisor: the session in hand carries the new role at once.
    c.find(Locator::Css("#user-zhangsan details.tool summary"))
        .await
        .expect("the role form")
        .click()
        .await
        .expect("open");
    choose(c, "#role-zhangsan", "supervisor").await;
    choose(c, "#bureau-zhangsan", "").await;
    click(c, "#save-role-zhangsan").await;
    assert!(text(c, "#flash").await.contains("角色或单位已变更"));
    assert!(text(c, "#user-zhangsan").await.contains("督办人员"));
    assert_eq!(clerk.get("/staff/console").await.0, StatusCode::OK, "a supervisor now");

    // Five wrong passwords lock the account for this address; the administrator unlocks it.
    for _ in 0..5 {
        let _ = PageSession::try_sign_in(&app.base, "zhangsan", "wrong-password").await;
    }
    assert!(PageSession::try_sign_in(&app.base, "zhangsan", FIRST).await.is_err(), "locked");
    c.goto(&format!("{}/staff/admin", app.base)).await.expect("reload");
    assert!(text(c, "#user-zhangsan").await.contains("已锁定至"));
    click(c, "#unlock-zhangsan").await;
    assert!(text(c, "#flash").await.contains("已解除锁定"));
    PageSession::sign_in_with(&app.base, "zhangsan", FIRST).await;

    // A reset password replaces the old one and ends the sessions.
    let open = c.find(Locator::Css("#user-zhangsan details.tool:nth-of-type(2) summary")).await;
    open.expect("the password form").click().await.expect("open");
    fill(c, "#pw-zhangsan", SECOND).await;
    click(c, "#password-zhangsan").await;
    assert!(text(c, "#flash").await.contains("密码已重置"));
    assert_ne!(clerk.get("/staff/inbox").await.0, StatusCode::OK, "the old session ended");
    assert!(PageSession::try_sign_in(&app.base, "zhangsan", FIRST).await.is_err());
    let clerk = PageSession::sign_in_with(&app.base, "zhangsan", SECOND).await;

    // Disabled: signed out and kept out; enabled: back in.
    click_confirmed(c, "#disable-zhangsan").await;
    assert!(text(c, "#user-zhangsan").await.contains("已停用"));
    assert_ne!(clerk.get("/staff/inbox").await.0, StatusCode::OK);
    assert!(PageSession::try_sign_in(&app.base, "zhangsan", SECOND).await.is_err());
    click(c, "#enable-zhangsan").await;
    PageSession::sign_in_with(&app.base, "zhangsan", SECOND).await;
    assert!(c.find(Locator::Css("#disable-root")).await.is_err(), "no disabling oneself");

    // Every act is in the audit log, by whom and from where; the export says the same.
    c.goto(&format!("{}/staff/admin/audit?who=zhangsan", app.base)).await.expect("audit");
    let log = text(c, "#audit").await;
    for act in [
        "新建账号",
        "变更角色或单位",
        "登录失败",
        "账号锁定",
        "解除锁定",
        "重置密码",
        "停用账号",
        "启用账号",
        "登录",
    ] {
        assert!(log.contains(act), "{act} in the log:\n{log}");
    }
    assert!(log.contains("root"), "the administrator is named");
    assert_accessible(c, "the audit log").await;
    choose(c, "#f-action", "locked").await;
    click(c, "#filter").await;
    let rows = c.find_all(Locator::Css("#audit tbody tr")).await.expect("rows");
    assert_eq!(rows.len(), 1, "one lock");
    browser.close().await;

    let (status, csv) = root.get("/staff/admin/audit.csv?who=zhangsan").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with('\u{feff}'), "a CSV for Excel");
    let lines: Vec<&str> = csv.lines().skip(1).collect();
    assert!(lines.iter().any(|l| l.contains(",root,password_reset,zhangsan,")), "{csv}");
    assert!(lines.iter().all(|l| l.contains("zhangsan")), "only entries by or about zhangsan");
    assert!(!csv.contains(FIRST) && !csv.contains(SECOND) && !csv.contains("wrong-password"), "no secret");
    let (_, locked_only) = root.get("/staff/admin/audit.csv?action=locked").await;
    assert_eq!(locked_only.lines().count(), 2, "the header and the lock");
}

async fn an_administrator_creates_a_key_that_works_and_revokes_it(backend: Backend) {
    backend.add_staff("root", StaffRole::Admin, None).await;
    // Keys are cached for a second here, so the revocation shows without waiting a minute.
    let app = backend.start_with(Roles::ALL, |s| s.open311.key_cache_secs = 1).await;
    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "root", "/staff/admin/keys").await;
    assert!(text(c, "#no-keys").await.contains("还没有密钥"));
    fill(c, "#key-name", "坪山通 app").await;
    choose(c, "#key-channel", "open311").await;
    click(c, "#create-key").await;
    let key = c
        .find(Locator::Css("#new-key-value"))
        .await
        .expect("the key, shown once")
        .prop("value")
        .await
        .expect("value")
        .expect("a key");
    assert!(key.len() >= 20, "{key}");
    assert_accessible(c, "a new API key").await;

    let citizen = Open311Client::new(&app.base, &key);
    let posted = citizen.post(&LAMP, None).await.expect("POST");
    assert_eq!(posted.status, StatusCode::OK, "the new key opens Open311: {}", posted.body);
    c.goto(&format!("{}/staff/admin/keys", app.base)).await.expect("the list");
    let row = text(c, "#keys li").await;
    assert!(row.contains("坪山通 app") && row.contains("有效") && !row.contains("最近使用：从未"), "{row}");
    assert!(!c.source().await.expect("html").contains(&key), "the list never shows the key");
    click_confirmed(c, "button[id='revoke-坪山通 app']").await;
    assert!(text(c, "#flash").await.contains("密钥已吊销"));
    assert!(text(c, "#keys li").await.contains("已吊销"));
    assert_accessible(c, "the API keys").await;
    browser.close().await;

    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let refused = citizen.post(&LAMP, None).await.expect("POST");
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "a revoked key opens nothing: {}", refused.body);
    let root = PageSession::sign_in(&app.base, "root").await;
    let (_, log) = root.get("/staff/admin/audit?who=root").await;
    assert!(log.contains("新建接入密钥") && log.contains("吊销接入密钥"), "both in the log");
}

async fn an_administrator_enters_days_off_and_new_deadlines_follow_them(backend: Backend) {
    let key = backend.api_key("calendar").await;
    backend.add_staff("root", StaffRole::Admin, None).await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    let app = backend.start(Roles::ALL).await;
    let today = chrono::Utc::now().with_timezone(&jiesu_domain::time::LOCAL).date_naive();
    let next_year = today.year() + 1;

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "root", &format!("/staff/admin/calendar?year={next_year}")).await;
    assert!(text(c, "#coverage").await.contains("尚未录入"), "next year's notice is not in the files");
    c.find(Locator::Css("#set-day-panel summary")).await.expect("the form").click().await.expect("open");
    let new_year = format!("{next_year}-01-01");
    c.execute("document.getElementById('day-date').value = arguments[0]", vec![new_year.clone().into()])
        .await
        .expect("the date");
    choose(c, "#day-kind", "holiday").await;
    fill(c, "#day-name", "元旦").await;
    click(c, "#save-day").await;
    assert!(text(c, "#flash").await.contains("已保存"));
    assert!(text(c, "#coverage").await.contains("已由管理员录入"));
    let row = text(c, &format!("#day-{new_year}")).await;
    assert!(row.contains("元旦") && row.contains("管理员 root"), "{row}");
    assert_accessible(c, "the working-day calendar").await;
    // The district in force, read-only: every rule of the sample with its file and line.
    c.goto(&format!("{}/staff/admin/district", app.base)).await.expect("the district");
    let rules = c.find_all(Locator::Css("#rules tbody tr")).await.expect("rows");
    assert!(rules.len() > 5, "the sample's rules are listed");
    assert!(text(c, "#rules").await.contains("rules/"), "each with its file");
    assert_accessible(c, "the district in force").await;
    browser.close().await;

    // A make-up working day must fall on a weekend.
    let root = PageSession::sign_in(&app.base, "root").await;
    let monday =
        (1..8).map(|d| today + chrono::Duration::days(d)).find(|d| d.weekday() == chrono::Weekday::Mon);
    let monday = monday.expect("a Monday within the week").to_string();
    let form = [("csrf", root.csrf.as_str()), ("date", &monday), ("kind", "workday"), ("name", "调休")];
    let (status, page) = root.post("/staff/admin/calendar", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("调休上班日须是周六或周日"));

    // The next fourteen days off: a request reported now is due only after them.
    for d in 1..=14 {
        let day = (today + chrono::Duration::days(d)).to_string();
        let form = [("csrf", root.csrf.as_str()), ("date", &day), ("kind", "holiday"), ("name", "台风停工")];
        assert_eq!(root.post("/staff/admin/calendar", &form).await.0, StatusCode::SEE_OTHER, "{day}");
    }
    let citizen = Open311Client::new(&app.base, &key);
    let id = citizen.post(&LAMP, None).await.expect("POST").id();
    citizen.wait_for(&id, Duration::from_secs(15)).await;
    let um = StaffClient::login(&app.base, "um-staff").await;
    let task = um.task_for(&id, "dispatched").await.expect("a task");
    let (_, view) = um.get(&format!("/api/v1/tasks/{task}")).await;
    let due = view["resolution"]["due_at"].as_str().expect("a resolution deadline");
    let due =
        chrono::DateTime::parse_from_rfc3339(due).expect("a time").with_timezone(&jiesu_domain::time::LOCAL);
    assert!(
        due.date_naive() > today + chrono::Duration::days(14),
        "due {due}: after the days off (without them, within ten days)"
    );
    let (_, log) = root.get("/staff/admin/audit?action=calendar_changed").await;
    assert!(log.contains("台风停工") && log.contains("元旦"), "every day set is in the log");
}

/// Every administration URL, read and written, for everyone but an administrator.
async fn only_administrators_reach_the_administration(backend: Backend) {
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("um-admin", StaffRole::BureauAdmin, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    backend.add_staff("root", StaffRole::Admin, None).await;
    let app = backend.start(Roles::ALL).await;
    let root = PageSession::sign_in(&app.base, "root").await;
    let (_, keys) = root.get("/staff/admin/keys").await;
    assert!(keys.contains("new-key"));
    for who in ["um-staff", "um-admin", "desk", "boss"] {
        let s = PageSession::sign_in(&app.base, who).await;
        let paths = [
            "/staff/admin",
            "/staff/admin/keys",
            "/staff/admin/webhooks",
            "/staff/admin/district",
            "/staff/admin/calendar",
            "/staff/admin/audit",
            "/staff/admin/audit.csv",
        ];
        for path in paths {
            let (status, page) = s.get(path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{who} GET {path}");
            assert!(page.contains("系统管理页面只对系统管理员开放"), "{who} is told why");
        }
        let forms: [(&str, Vec<(&str, &str)>); 6] = [
            ("/staff/admin/users", vec![("username", "intruder"), ("role", "admin"), ("password", FIRST)]),
            ("/staff/admin/users/root/disable", vec![]),
            ("/staff/admin/users/root/password", vec![("password", SECOND)]),
            ("/staff/admin/keys", vec![("name", "intruder"), ("channel", "open311")]),
            (
                "/staff/admin/webhooks",
                vec![
                    ("client", "00000000-0000-0000-0000-000000000000"),
                    ("url", "https://intruder.example/h"),
                ],
            ),
            (
                "/staff/admin/calendar",
                vec![("date", "2027-01-04"), ("kind", "holiday"), ("name", "intruder")],
            ),
        ];
        for (path, fields) in &forms {
            let form = [&[("csrf", s.csrf.as_str())][..], fields].concat();
            assert_eq!(s.post(path, &form).await.0, StatusCode::FORBIDDEN, "{who} POST {path}");
        }
        let (_, page) = s.get("/staff/meetings").await;
        assert!(!page.contains("nav-admin"), "{who} has no administration link");
        if who != "boss" {
            assert_eq!(s.get("/staff/console").await.0, StatusCode::FORBIDDEN, "{who} has no console");
        }
    }
    // Nothing they tried took: root still signs in with its password, and no intruder exists.
    PageSession::sign_in(&app.base, "root").await;
    let (_, users) = root.get("/staff/admin").await;
    assert!(!users.contains("intruder"));
    let (_, keys) = root.get("/staff/admin/keys").await;
    assert!(!keys.contains("intruder"));
    let (_, calendar) = root.get("/staff/admin/calendar?year=2027").await;
    assert!(!calendar.contains("intruder"));
}
