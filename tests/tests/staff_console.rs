//! The supervisors' console in headless Chromium, on both backends: lamp requests reported over
//! Open311 and worked through the staff API (one closed satisfied, one reopened); a supervisor
//! finds the console in the top bar and reads this month's figures, which equal
//! `GET /api/v1/stats`'s; the ranking, streets and trend tables are there with their charts;
//! axe-core at desktop and phone size. Bureau staff and operators get 403 and no link.

use std::time::Duration;

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::pages::{PageSession, assert_accessible, choose, sign_in, text};
use jiesu_e2e::staff::{StaffClient, work_to_visit};
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(
    a_supervisor_reads_the_months_rates_as_the_api_gives_them,
    a_supervisor_counts_the_escalations_and_dismisses_one_with_its_reason,
    a_supervisor_approves_one_extension_and_refuses_another_with_its_reason,
    a_supervisor_narrows_the_console_to_a_channel_a_community_and_a_range_of_days,
);

/// A rate as the console writes it.
fn percent(rate: &Value) -> String {
    rate["value"].as_f64().map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

async fn a_supervisor_reads_the_months_rates_as_the_api_gives_them(backend: Backend) {
    let key = backend.api_key("console").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = citizen.post(&LAMP, None).await.expect("POST").id();
        citizen.wait_for(&id, Duration::from_secs(15)).await;
        ids.push(id);
    }
    let um = StaffClient::login(&app.base, "um-staff").await;
    let desk = StaffClient::login(&app.base, "desk").await;
    work_to_visit(&um, &desk, &ids[0], true, "satisfied").await;
    work_to_visit(&um, &desk, &ids[1], false, "basically_satisfied").await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let api = boss.get_until("/api/v1/stats", |v| v["total"]["counts"]["visits"] == 2).await;

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "boss", "/staff/desk").await;
    c.find(Locator::Css("#nav-console"))
        .await
        .expect("the console in the top bar")
        .click()
        .await
        .expect("open");
    assert_eq!(text(c, "#main h1").await, "督办台");
    let total = &api["total"];
    assert_eq!(text(c, "#kpi-received .kpi-value").await, total["counts"]["received"].to_string());
    for (id, rate) in [
        ("response", "response"),
        ("resolution", "resolution"),
        ("satisfaction", "satisfaction"),
        ("closure", "closure"),
        ("on-time", "on_time"),
        ("disclaim", "disclaim"),
        ("reopen", "reopen"),
    ] {
        let shown = text(c, &format!("#kpi-{id} .kpi-value")).await;
        assert_eq!(shown, percent(&total["rates"][rate]), "{id} on the page and in the API");
    }
    assert!(text(c, "#ranking").await.contains("坪山区城市管理和综合执法局"), "the ranking names the bureau");
    assert!(!text(c, "#streets").await.is_empty());
    // The map coloured by a rate instead of the volume, the period kept.
    jiesu_e2e::pages::click(c, "#map-colour a[href*='colour=satisfaction']").await;
    assert_eq!(text(c, "#map-colour strong").await, "满意率");
    let map = c.find(Locator::Css("svg.choropleth")).await.expect("the map");
    let label = map.attr("aria-label").await.expect("label").unwrap_or_default();
    assert!(label.contains("满意率"), "{label}");
    let shaded = c.find_all(Locator::Css("svg.choropleth path:not(.blank)")).await.expect("paths").len();
    assert!(shaded > 0, "the streets with visits are shaded");
    assert!(text(c, "#trend").await.contains(&chrono::Utc::now().format("%Y-").to_string()));
    // ECharts drew the charts (an SVG in each), beside the tables.
    for chart in ["#chart-ranking svg", "#chart-trend svg"] {
        c.find(Locator::Css(chart)).await.unwrap_or_else(|_| panic!("{chart} drawn"));
    }
    assert_accessible(c, "the supervisors' console").await;
    // The printable report says the same, as tables.
    let report = c.find(Locator::Css("#link-report")).await.expect("the report link").attr("href").await;
    let report = report.expect("href").expect("a link");
    c.goto(&format!("{}{report}", app.base)).await.expect("the report");
    assert!(text(c, "#report-title").await.contains("月报"));
    let row = text(c, "#report-satisfaction").await;
    assert!(row.contains(&percent(&total["rates"]["satisfaction"])), "{row}");
    assert!(text(c, "#report-bureaus").await.contains("坪山区城市管理和综合执法局"));
    assert_accessible(c, "the monthly report").await;
    // One bureau's console, day by day: its figures are the API's for that bureau.
    let (_, scoped) = boss.get("/api/v1/stats?bureau=urban-management").await;
    c.goto(&format!("{}/staff/console?bureau=urban-management&trend=day", app.base)).await.expect("scoped");
    assert_eq!(text(c, "#scope-name").await, "坪山区城市管理和综合执法局");
    assert_eq!(text(c, "#kpi-received .kpi-value").await, scoped["total"]["counts"]["received"].to_string());
    let today = chrono::Utc::now().with_timezone(&jiesu_domain::time::LOCAL).format("%Y-%m-%d").to_string();
    assert!(text(c, "#trend").await.contains(&today), "today among the days");
    assert!(c.find(Locator::Css("#ranking")).await.is_err(), "no ranking inside one bureau");
    // One branch of the taxonomy: the street lights' figures, as the API counts them.
    let (_, lamps) = boss.get("/api/v1/stats?category=0101").await;
    assert_eq!(lamps["total"]["counts"]["received"], 3, "the three lamps: {lamps}");
    c.goto(&format!("{}/staff/console?category=0101", app.base)).await.expect("a category");
    assert_eq!(text(c, "#kpi-received .kpi-value").await, lamps["total"]["counts"]["received"].to_string());
    assert!(!text(c, "#scope-name").await.contains("全区"), "scoped to the category");
    c.goto(&format!("{}/staff/console", app.base)).await.expect("back to the console");
    // The month's export links work with the page's own session.
    let csv =
        c.find(Locator::Css("#exports a")).await.expect("an export link").attr("href").await.expect("href");
    let csv = csv.expect("a link");
    browser.close().await;
    let session = PageSession::sign_in(&app.base, "boss").await;
    let (status, body) = session.get(&csv).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(body.starts_with('\u{feff}'), "a CSV for Excel");
    assert_eq!(body.lines().count(), 4, "the header and this month's three requests");

    for who in ["um-staff", "desk"] {
        let s = PageSession::sign_in(&app.base, who).await;
        let (status, page) = s.get("/staff/console").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        assert!(page.contains("督办台只对督办人员和系统管理员开放"), "{who} is told why");
        let (_, other) = s.get("/staff/meetings").await;
        assert!(!other.contains("nav-console"), "{who} has no console link");
    }
}

/// The lamp request's candidates and their clerks: each disclaims it, so it escalates.
const CANDIDATES: [(&str, &str); 3] =
    [("urban-management", "um-staff"), ("street-kengzi", "sk-staff"), ("service-centre", "sc-staff")];

async fn a_supervisor_counts_the_escalations_and_dismisses_one_with_its_reason(backend: Backend) {
    let key = backend.api_key("console").await;
    for (bureau, name) in CANDIDATES {
        backend.add_staff(name, StaffRole::BureauStaff, Some(bureau)).await;
    }
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);
    let tracking = citizen.post(&LAMP, None).await.expect("POST").id();
    citizen.wait_for(&tracking, Duration::from_secs(15)).await;
    for (_, name) in CANDIDATES {
        let who = StaffClient::login(&app.base, name).await;
        let task = who.task_for(&tracking, "dispatched").await.expect("a task");
        let why = json!({ "reason": "not_our_function", "explanation": "非本单位职责" });
        who.ok(&format!("/api/v1/tasks/{task}/disclaim"), why).await;
    }
    let boss = StaffClient::login(&app.base, "boss").await;
    let case = boss
        .get_until(&format!("/api/v1/requests/{tracking}"), |c| {
            c["escalations"].as_array().is_some_and(|e| !e.is_empty())
        })
        .await;
    let escalation = case["escalations"][0]["id"].as_str().expect("id").to_owned();

    let s = PageSession::sign_in(&app.base, "boss").await;
    let (status, page) = s.get("/staff/console/escalations").await;
    assert_eq!(status, StatusCode::OK);
    // The exhausted request waits, its meeting called: one in that row and column.
    let exhausted = page.split("各单位均退单").nth(1).expect("the exhausted row");
    let row: String = exhausted.split("</tr>").next().expect("a row").to_owned();
    assert!(row.contains("<td>0</td><td>1</td><td>1</td>"), "waiting, meeting called, total: {row}");
    assert!(page.contains(&format!("/staff/console/escalations/{escalation}/dismiss")), "dismissable");
    // Filtered by its level, and by age: opened just now, it is not a day old.
    let level = case["escalations"][0]["level"].as_str().expect("a level").to_owned();
    let other = if level == "district" { "street" } else { "district" };
    let dismiss = format!("/staff/console/escalations/{escalation}/dismiss");
    let (_, same) = s.get(&format!("/staff/console/escalations?level={level}")).await;
    assert!(same.contains(&dismiss), "listed at its level {level}");
    let (_, elsewhere) = s.get(&format!("/staff/console/escalations?level={other}")).await;
    assert!(!elsewhere.contains(&dismiss), "not at {other}");
    let (_, old) = s.get("/staff/console/escalations?older=1").await;
    assert!(!old.contains(&dismiss), "not a day old");

    // No reason, no dismissal.
    let path = format!("/staff/console/escalations/{escalation}/dismiss");
    let (status, _) = s.post(&path, &[("csrf", &s.csrf), ("note", "  ")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, still) = s.get("/staff/console/escalations").await;
    assert!(still.contains(&path), "still waiting without a reason");
    // With a reason: dismissed, its reason in the request's history.
    let (status, _) = s.post(&path, &[("csrf", &s.csrf), ("note", "已由街道现场处置，无须协调")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, after) = s.get("/staff/console/escalations").await;
    assert!(!after.contains(&path), "no longer waiting");
    let (_, all) = s.get("/staff/console/escalations?show=all").await;
    assert!(all.contains("已撤销"), "the dismissed one among all");
    let (_, case) = boss.get(&format!("/api/v1/requests/{tracking}")).await;
    assert_eq!(case["escalations"][0]["state"], "dismissed");
    // A form without its token changes nothing and is refused.
    let (status, _) = s.post(&path, &[("note", "再次撤销")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "boss", "/staff/console/escalations?show=all").await;
    assert_eq!(text(c, "#main h1").await, "升级事项");
    assert_accessible(c, "the console's escalations").await;
    // The meeting the disclaims called, on the meetings' calendar of its month.
    let (_, case) = boss.get(&format!("/api/v1/requests/{tracking}")).await;
    let at = case["meetings"][0]["scheduled_at"].as_str().expect("a meeting").to_owned();
    let at =
        chrono::DateTime::parse_from_rfc3339(&at).expect("time").with_timezone(&jiesu_domain::time::LOCAL);
    c.goto(&format!("{}/staff/console/meetings?month={}", app.base, at.format("%Y-%m")))
        .await
        .expect("calendar");
    assert!(text(c, "#meeting-count").await.contains("本月共 1 场"));
    let meeting = case["meetings"][0]["id"].as_str().expect("id");
    c.find(Locator::Css(&format!("#meeting-grid a[href='/staff/meetings/{meeting}']")))
        .await
        .expect("in its day");
    assert_accessible(c, "the meetings by date").await;
    browser.close().await;

    let desk = PageSession::sign_in(&app.base, "desk").await;
    let (status, _) = desk.get("/staff/console/escalations").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the desk does not dismiss escalations");
    let (status, _) = desk.post(&path, &[("csrf", &desk.csrf), ("note", "x")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_supervisor_approves_one_extension_and_refuses_another_with_its_reason(backend: Backend) {
    let key = backend.api_key("console").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);
    let um = StaffClient::login(&app.base, "um-staff").await;
    let mut tasks = Vec::new();
    for reason in ["等待灯杆配件", "需要电力部门配合停电"] {
        let id = citizen.post(&LAMP, None).await.expect("POST").id();
        citizen.wait_for(&id, Duration::from_secs(15)).await;
        let task = um.task_for(&id, "dispatched").await.expect("a task");
        let claimed = um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
        let due = claimed["resolution"]["due_at"].as_str().expect("due").to_owned();
        um.ok(&format!("/api/v1/tasks/{task}/extension"), json!({ "days": 3, "reason": reason })).await;
        tasks.push((task, due));
    }
    let boss = StaffClient::login(&app.base, "boss").await;
    let (_, pending) = boss.get("/api/v1/extensions").await;
    let id_of = |task: &str| {
        pending["extensions"]
            .as_array()
            .expect("list")
            .iter()
            .find(|e| e["task_id"] == task)
            .expect("pending")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let (first, second) = (id_of(&tasks[0].0), id_of(&tasks[1].0));

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "boss", "/staff/console").await;
    jiesu_e2e::pages::click(c, "#link-extensions").await;
    assert_eq!(text(c, "#main h1").await, "延期审批");
    let listed = text(c, "#extensions").await;
    assert!(listed.contains("等待灯杆配件") && listed.contains("需要电力部门配合停电"), "{listed}");
    assert_accessible(c, "the extensions to decide").await;
    jiesu_e2e::pages::click(c, &format!("#approve-{first}")).await;
    assert!(text(c, "#flash").await.contains("已批准延期"));
    browser.close().await;

    // A refusal needs its reason; with it, the bureau reads it.
    let s = PageSession::sign_in(&app.base, "boss").await;
    let refuse = format!("/staff/console/extensions/{second}/refuse");
    let (status, _) = s.post(&refuse, &[("csrf", &s.csrf), ("note", " ")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = s.get("/staff/console/extensions").await;
    assert!(page.contains(&refuse), "still waiting without a reason");
    let (status, _) = s.post(&refuse, &[("csrf", &s.csrf), ("note", "可先行处置，不予延期")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = s.get("/staff/console/extensions").await;
    assert!(page.contains("没有待审批的延期申请"), "both decided");

    let (_, approved) = um.get(&format!("/api/v1/tasks/{}", tasks[0].0)).await;
    assert_ne!(approved["resolution"]["due_at"], tasks[0].1.as_str(), "the approved deadline moved");
    let (_, refused) = um.get(&format!("/api/v1/tasks/{}", tasks[1].0)).await;
    assert_eq!(refused["resolution"]["due_at"], tasks[1].1.as_str(), "the refused one did not");
    assert!(refused.to_string().contains("可先行处置，不予延期"), "the bureau reads why");

    for who in ["um-staff", "desk"] {
        let other = PageSession::sign_in(&app.base, who).await;
        assert_eq!(other.get("/staff/console/extensions").await.0, StatusCode::FORBIDDEN, "{who}");
        let approve = format!("/staff/console/extensions/{first}/approve");
        assert_eq!(other.post(&approve, &[("csrf", &other.csrf)]).await.0, StatusCode::FORBIDDEN, "{who}");
    }
}

/// The console's figures for one channel, one community and a range of days are the API's for
/// the same, chosen in the filter form as a supervisor does; several scopes at once are refused
/// politely (the first applies, the page says so).
async fn a_supervisor_narrows_the_console_to_a_channel_a_community_and_a_range_of_days(backend: Backend) {
    let key = backend.api_key("console").await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);
    for _ in 0..2 {
        let id = citizen.post(&LAMP, None).await.expect("POST").id();
        citizen.wait_for(&id, Duration::from_secs(15)).await;
    }
    let boss = StaffClient::login(&app.base, "boss").await;
    let all = boss.get_until("/api/v1/stats", |v| v["total"]["counts"]["received"] == 2).await;
    let (_, open311) = boss.get("/api/v1/stats?channel=open311").await;
    let (_, web) = boss.get("/api/v1/stats?channel=web").await;
    assert_eq!(
        (open311["total"]["counts"]["received"].as_i64(), web["total"]["counts"]["received"].as_i64()),
        (Some(2), Some(0))
    );
    let (_, by_community) = boss.get("/api/v1/stats?by=community").await;
    let community = by_community["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["group"] != "")
        .expect("the lamps' community")["group"]
        .as_str()
        .expect("code")
        .to_owned();
    let (_, one) = boss.get(&format!("/api/v1/stats?community={community}")).await;

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "boss", "/staff/console").await;
    assert_eq!(text(c, "#kpi-received .kpi-value").await, all["total"]["counts"]["received"].to_string());
    choose(c, "#f-channel", "web").await;
    jiesu_e2e::pages::click(c, "#show").await;
    assert!(text(c, "#scope-name").await.contains("网页"), "{}", text(c, "#scope-name").await);
    assert_eq!(text(c, "#kpi-received .kpi-value").await, "0", "nothing came by the web form");
    choose(c, "#f-channel", "").await;
    choose(c, "#f-community", &community).await;
    jiesu_e2e::pages::click(c, "#show").await;
    assert_eq!(text(c, "#kpi-received .kpi-value").await, one["total"]["counts"]["received"].to_string());
    assert_accessible(c, "the console narrowed to a community").await;
    // Another community had none of them.
    let mut other = None;
    for option in c.find_all(Locator::Css("#f-community option")).await.expect("options") {
        let value = option.attr("value").await.expect("value").unwrap_or_default();
        if !value.is_empty() && value != community {
            other = Some(value);
            break;
        }
    }
    let other = other.expect("another community");
    let (_, none) = boss.get(&format!("/api/v1/stats?community={other}")).await;
    assert_eq!(none["total"]["counts"]["received"], 0);
    choose(c, "#f-community", &other).await;
    jiesu_e2e::pages::click(c, "#show").await;
    assert_eq!(text(c, "#kpi-received .kpi-value").await, "0", "{other} received none");
    // A range of days: the last three, compared with the three before.
    let today = chrono::Utc::now().with_timezone(&jiesu_domain::time::LOCAL).date_naive();
    let from = today - chrono::Duration::days(2);
    let (_, range) = boss.get(&format!("/api/v1/stats?from={from}&to={today}")).await;
    choose(c, "#f-community", "").await;
    let set = format!(
        "document.querySelector('#from').value = '{from}'; document.querySelector('#to').value = '{today}';"
    );
    c.execute(&set, vec![]).await.expect("the dates");
    jiesu_e2e::pages::click(c, "#show").await;
    assert!(text(c, "#period-name").await.contains(&format!("{from} 至 {today}")));
    assert_eq!(text(c, "#kpi-received .kpi-value").await, range["total"]["counts"]["received"].to_string());
    assert!(text(c, "#h-rates").await.starts_with("本期"));
    let csv = c.find(Locator::Css("#exports a")).await.expect("export").attr("href").await.expect("href");
    assert!(
        csv.is_some_and(|h| h.contains(&format!("from={from}&to={today}"))),
        "the export follows the range"
    );
    browser.close().await;

    let s = PageSession::sign_in(&app.base, "boss").await;
    let (_, both) = s.get("/staff/console?bureau=water&channel=web").await;
    assert!(both.contains("scope-warning"), "two scopes: the page says only the first applies");
}
