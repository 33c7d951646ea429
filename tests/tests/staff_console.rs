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
use jiesu_e2e::pages::{PageSession, assert_accessible, sign_in, text};
use jiesu_e2e::staff::{StaffClient, work_to_visit};
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::Value;

jiesu_e2e::e2e_on_both_backends!(a_supervisor_reads_the_months_rates_as_the_api_gives_them);

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
    assert!(text(c, "#trend").await.contains(&chrono::Utc::now().format("%Y-").to_string()));
    // ECharts drew the charts (an SVG in each), beside the tables.
    for chart in ["#chart-ranking svg", "#chart-trend svg"] {
        c.find(Locator::Css(chart)).await.unwrap_or_else(|_| panic!("{chart} drawn"));
    }
    assert_accessible(c, "the supervisors' console").await;
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
