//! Screenshots of the citizens' and the staff's pages for the README (`scripts/screenshots`):
//! starts the application on a fresh embedded store with the sample district, reports a few
//! requests as citizens do (on the form in the browser too), signs a bureau clerk, an operator, a
//! supervisor and an administrator in through the sign-in form and photographs each page at
//! desktop (1280 px) and phone (390 × 844) width, whole pages, into the directory given (default
//! `docs/screenshots`). The files are what a district sees before installing.
//!
//!   screenshots [DIR]

mod citizen;

use std::io::Write;
use std::path::{Path, PathBuf};

use fantoccini::{Client, Locator};
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::citizen::report_on_web;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::pages::{DESKTOP, PHONE, click, fill, sign_in, sign_out};
use jiesu_e2e::rules::Proposal;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};

/// Photographs the whole open page at `width` as `dir/name-width.png`.
async fn shoot(c: &Client, dir: &Path, name: &str, (width, height): (u32, u32)) {
    c.set_window_size(width, height).await.expect("resize");
    let tall = c.execute("return document.documentElement.scrollHeight", vec![]).await.expect("height");
    let tall = u32::try_from(tall.as_u64().unwrap_or(u64::from(height))).unwrap_or(height);
    // The window's height includes the browser's own frame: a little more than the page.
    c.set_window_size(width, (tall + 140).clamp(height, 6000)).await.expect("resize");
    let png = c.screenshot().await.expect("screenshot");
    let file = dir.join(format!("{name}-{width}.png"));
    std::fs::write(&file, png).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    c.set_window_size(width, height).await.expect("resize");
}

async fn both(c: &Client, dir: &Path, name: &str) {
    shoot(c, dir, name, DESKTOP).await;
    shoot(c, dir, name, PHONE).await;
}

/// The lamp request disclaimed by each of its three candidates (through the API): the escalation
/// service calls a coordination meeting. Answers its id.
async fn called_meeting(backend: &Backend, base: &str, key: &str) -> String {
    let candidates =
        [("urban-management", "um-staff"), ("street-kengzi", "sk-staff"), ("service-centre", "sc-staff")];
    for (bureau, name) in candidates {
        backend.add_staff(name, StaffRole::BureauStaff, Some(bureau)).await;
    }
    let citizen = Open311Client::new(base, key);
    let tracking = citizen.post(&LAMP, None).await.expect("POST").id();
    citizen.wait_for(&tracking, std::time::Duration::from_secs(15)).await;
    for (bureau, name) in candidates {
        let who = StaffClient::login(base, name).await;
        let task = who.task_for(&tracking, "dispatched").await.unwrap_or_else(|| panic!("{bureau}'s task"));
        let why =
            serde_json::json!({ "reason": "not_our_function", "explanation": "路灯不属于本单位管养范围" });
        who.ok(&format!("/api/v1/tasks/{task}/disclaim"), why).await;
    }
    let desk = StaffClient::login(base, "han.meimei").await;
    let case = desk
        .get_until(&format!("/api/v1/requests/{tracking}"), |c| {
            c["meetings"].as_array().is_some_and(|m| !m.is_empty())
        })
        .await;
    case["meetings"][0]["id"].as_str().expect("meeting id").to_owned()
}

/// The request the water clerk resolved is reviewed and visited (solved, 不满意), and the clerk
/// appeals the visit; on the task it asked more time for it proposes a final reply. Answers the
/// resolved task's id, whose page still offers nothing more than the appeal's state.
async fn appeal_and_reply(base: &str, reported: &[String]) -> String {
    let clerk = StaffClient::login(base, "li.lei").await;
    let desk = StaffClient::login(base, "han.meimei").await;
    let mut appealed = None;
    for tracking in reported {
        if let Some(task) = clerk.task_for(tracking, "resolved").await {
            desk.ok(&format!("/api/v1/requests/{tracking}/review"), serde_json::json!({ "approve": true }))
                .await;
            let visit = serde_json::json!({ "solved": true, "satisfaction": "dissatisfied", "comment": "要求赔偿被淹的车辆" });
            let case = desk.ok(&format!("/api/v1/requests/{tracking}/visit"), visit).await;
            let visit_id = case["return_visits"][0]["id"].as_str().expect("visit").to_owned();
            let why = "积水已排除；群众不满意的是车辆受损赔偿，属保险理赔，不属本单位职责";
            let body = serde_json::json!({ "visit_id": visit_id, "reason": why });
            clerk.ok(&format!("/api/v1/tasks/{task}/appeal"), body).await;
            appealed = Some(task);
        }
    }
    // A final reply on a request the water bureau leads and is handling.
    let (_, open) = clerk.get("/api/v1/tasks?state=dispatched,claimed&page_size=200").await;
    let lead = open["tasks"].as_array().expect("tasks").iter().find(|t| t["role"] == "lead");
    if let Some(t) = lead {
        let task = t["id"].as_str().expect("id");
        if t["state"] == "dispatched" {
            clerk.ok(&format!("/api/v1/tasks/{task}/claim"), serde_json::json!({})).await;
        }
        let reply = "该处管网改造已列入2027年计划，已三次上门说明，无法在本期内满足提前施工的要求";
        clerk.ok(&format!("/api/v1/tasks/{task}/final-reply"), serde_json::json!({ "reply": reply })).await;
    }
    appealed.expect("a resolved task to appeal")
}

/// A year of a district's requests (generated, as `jiesu generate-history` makes them), so the
/// console has figures to show.
async fn history(backend: &Backend) {
    let pools = jiesu_store_sqlite::SqlitePools::open(&backend.database_url, &Default::default())
        .await
        .expect("open the store");
    let store = jiesu_store_sqlite::SqliteStore::new(pools);
    let mut options = jiesu_generate::Options::new(8_000, jiesu_domain::time::now());
    options.years = 1;
    let district = std::sync::Arc::new(jiesu_testkit::fixtures::district().clone());
    let policy = jiesu_domain::workflow::Policy::default();
    jiesu_generate::generate(&store, district, policy, jiesu_domain::secret::test_key(), &options, |_| {})
        .await
        .expect("a generated history");
}

#[tokio::main]
async fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "docs/screenshots".into()));
    std::fs::create_dir_all(&dir).expect("the screenshots' directory");
    let backend = Backend::embedded().await;
    // Many sign-ins from this one address, more than a minute's throttle allows.
    let app = backend.start_with(Roles::ALL, |s| s.auth.per_address_per_minute = 100).await;
    backend.add_staff("zhao.du", StaffRole::Supervisor, None).await;
    backend.add_staff("li.lei", StaffRole::BureauStaff, Some("water")).await;
    backend.add_staff("han.meimei", StaffRole::Operator, None).await;
    backend.add_staff("wang.admin", StaffRole::Admin, None).await;
    let key = backend.api_key("screenshots").await;
    let mut reported = Vec::new();
    for category in ["010105", "060101", "060102", "030301"] {
        reported.push(report_on_web(&app.base, category).await);
    }
    let meeting = called_meeting(&backend, &app.base, &key).await;
    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("resize");

    c.goto(&format!("{}/staff/login", app.base)).await.expect("open");
    both(c, &dir, "staff-login").await;
    sign_in(c, &app.base, "li.lei", "/staff/inbox").await;
    // The dispatcher works asynchronously: wait for the tasks.
    for _ in 0..100 {
        c.goto(&format!("{}/staff/inbox", app.base)).await.expect("inbox");
        if c.find_all(Locator::Css("#tasks li")).await.expect("rows").len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    both(c, &dir, "staff-inbox").await;
    click(c, "#tasks li:last-child a.title").await;
    click(c, "#claim").await;
    fill(c, "#note", "已派人到现场查看，正在疏通。").await;
    click(c, "#progress").await;
    both(c, &dir, "staff-case").await;
    c.execute("document.querySelectorAll('details').forEach(d => d.open = true)", vec![])
        .await
        .expect("open");
    fill(c, "#result", "管道已疏通，积水已排除。").await;
    click(c, "#resolve").await;
    sign_out(c).await;

    sign_in(c, &app.base, "han.meimei", "/staff").await;
    click(c, "#queue-review").await;
    both(c, &dir, "desk-queue").await;
    click(c, "#requests li a.title").await;
    both(c, &dir, "desk-request").await;
    sign_out(c).await;

    sign_in(c, &app.base, "sk-staff", &format!("/staff/meetings/{meeting}")).await;
    both(c, &dir, "meeting").await;
    sign_out(c).await;

    citizen::citizens(c, &app.base, &dir).await;
    citizen::knowledge_base(c, &backend, &app.base, &dir).await;

    // Only now the year of history: the pictures above show the requests reported here.
    history(&backend).await;
    // Loaded at desktop width: on a phone's the console folds its filters away.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("resize");
    sign_in(c, &app.base, "zhao.du", "/staff/console").await;
    // Let the charts draw before the picture.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    both(c, &dir, "console").await;
    // A clerk asks for more time on one of the reported requests: the extensions to decide.
    let clerk = StaffClient::login(&app.base, "li.lei").await;
    for tracking in &reported {
        if let Some(task) = clerk.task_for(tracking, "dispatched").await {
            clerk.ok(&format!("/api/v1/tasks/{task}/claim"), serde_json::json!({})).await;
            let ask = serde_json::json!({ "days": 3, "reason": "需等待供水管材到货后更换" });
            clerk.ok(&format!("/api/v1/tasks/{task}/extension"), ask).await;
            break;
        }
    }
    c.goto(&format!("{}/staff/console/extensions", app.base)).await.expect("extensions");
    both(c, &dir, "console-extensions").await;
    // The clerk appeals the 不满意 visit of the request it resolved above, and gives a final reply
    // on the one it asked more time for: the appeals and final replies to decide.
    let appealed = appeal_and_reply(&app.base, &reported).await;
    c.goto(&format!("{}/staff/console/exemptions", app.base)).await.expect("exemptions");
    both(c, &dir, "console-exemptions").await;
    sign_out(c).await;
    sign_in(c, &app.base, "li.lei", &format!("/staff/tasks/{appealed}")).await;
    c.execute("document.querySelectorAll('#exemptions details').forEach(d => d.open = true)", vec![])
        .await
        .expect("open");
    both(c, &dir, "staff-case-appeal").await;
    sign_out(c).await;
    sign_in(c, &app.base, "zhao.du", "/staff/console").await;
    c.goto(&format!("{}/staff/console/report", app.base)).await.expect("report");
    both(c, &dir, "console-report").await;
    c.goto(&format!("{}/staff/console/meetings", app.base)).await.expect("meetings");
    both(c, &dir, "console-meetings").await;
    c.goto(&format!("{}/staff/console/escalations", app.base)).await.expect("escalations");
    both(c, &dir, "console-escalations").await;
    // A meeting's proposed rule, previewed against the lamp requests reported above.
    let citizen = Open311Client::new(&app.base, &key);
    let lamp = citizen.post(&LAMP, None).await.expect("POST").id();
    citizen.wait_for(&lamp, std::time::Duration::from_secs(15)).await;
    let rule =
        Proposal { categories: &["010101"], areas: &["pingshan.kengzi"], lead: "transport", assists: &[] };
    let proposal = backend.propose_rule(&lamp, rule).await.id;
    c.goto(&format!("{}/staff/console/rules/{proposal}", app.base)).await.expect("rule");
    both(c, &dir, "console-rule").await;
    // More reports of the same dark lamps nearby: a hotspot (five within 200 m by default).
    for (lat, long) in
        [("22.7421", "114.3871"), ("22.7419", "114.3868"), ("22.7423", "114.3874"), ("22.7418", "114.3872")]
    {
        let fields =
            [("service_code", "010101"), ("lat", lat), ("long", long), ("description", "路灯不亮，整条路黑")];
        let id = citizen.post(&fields, None).await.expect("POST").id();
        citizen.wait_for(&id, std::time::Duration::from_secs(15)).await;
    }
    for _ in 0..100 {
        c.goto(&format!("{}/staff/console/hotspots", app.base)).await.expect("hotspots");
        if c.find(Locator::Css("#hotspots")).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    both(c, &dir, "console-hotspots").await;
    sign_out(c).await;

    sign_in(c, &app.base, "wang.admin", "/staff/admin").await;
    both(c, &dir, "admin-users").await;
    c.goto(&format!("{}/staff/admin/keys", app.base)).await.expect("keys");
    both(c, &dir, "admin-keys").await;
    c.goto(&format!("{}/staff/admin/district", app.base)).await.expect("district");
    both(c, &dir, "admin-district").await;
    c.goto(&format!("{}/staff/admin/calendar?year=2026", app.base)).await.expect("calendar");
    both(c, &dir, "admin-calendar").await;
    c.goto(&format!("{}/staff/admin/audit", app.base)).await.expect("audit");
    both(c, &dir, "admin-audit").await;
    browser.close().await;
    app.stop().await;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "screenshots of {} requests' pages written to {}", reported.len(), dir.display());
}
