//! A supervisor decides a meeting's proposed rule on the console, in headless Chromium, on both
//! backends: before deciding, the what-if preview routes the recent requests again and says how
//! many the rule would have moved, from whom to whom, and how many of those the bureau that got
//! them disclaimed; an edit that narrows the rule to another street moves none; the acceptance on
//! the page puts the rule in force. Bureau staff and the desk get 403.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::pages::{PageSession, assert_accessible, click, fill, sign_in, text};
use jiesu_e2e::rules::Proposal;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(
    a_supervisor_previews_a_proposed_rule_edits_it_and_accepts_it_on_the_console
);

/// Street lights in Kengzi, which the files give to urban management.
const KENGZI_LAMP: [(&str, &str); 4] = [
    ("service_code", "010101"),
    ("lat", "22.742"),
    ("long", "114.387"),
    ("description", "桥下通道的路灯不亮"),
];
const TO_TRANSPORT: Proposal<'static> =
    Proposal { categories: &["010101"], areas: &["pingshan.kengzi"], lead: "transport", assists: &[] };

async fn a_supervisor_previews_a_proposed_rule_edits_it_and_accepts_it_on_the_console(backend: Backend) {
    let key = backend.api_key("preview").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);
    let mut lamps = Vec::new();
    for _ in 0..3 {
        let id = citizen.post(&KENGZI_LAMP, None).await.expect("POST").id();
        citizen.wait_for(&id, Duration::from_secs(15)).await;
        lamps.push(id);
    }
    // Urban management sends one back as not theirs.
    let um = StaffClient::login(&app.base, "um-staff").await;
    let task = um.task_for(&lamps[0], "dispatched").await.expect("a task");
    let why = json!({ "reason": "not_our_function", "explanation": "桥下通道照明归交通部门管养" });
    um.ok(&format!("/api/v1/tasks/{task}/disclaim"), why).await;
    let proposal = backend.propose_rule(&lamps[0], TO_TRANSPORT).await.id.to_string();
    // The same preview as JSON.
    let boss = StaffClient::login(&app.base, "boss").await;
    let preview = boss.ok(&format!("/api/v1/rules/proposed/{proposal}/preview"), json!({ "days": 30 })).await;
    assert_eq!(
        (preview["differ"].as_u64(), preview["disclaimed_by_first"].as_u64()),
        (Some(3), Some(1)),
        "{preview}"
    );
    assert_eq!(preview["moves"][0]["to"]["code"], "transport", "{preview}");
    let narrowed = json!({ "edits": { "areas": ["pingshan.biling"] } });
    let elsewhere = boss.ok(&format!("/api/v1/rules/proposed/{proposal}/preview"), narrowed).await;
    assert_eq!(elsewhere["differ"], 0, "{elsewhere}");

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "boss", "/staff/console").await;
    click(c, "#link-rules").await;
    assert_eq!(text(c, "#main h1").await, "规则审定");
    click(c, "#waiting li a.title").await;
    let summary = text(c, "#preview-summary").await;
    assert!(
        summary.contains("有 3 件会改由他人牵头") && summary.contains("其中 1 件原牵头单位曾退单"),
        "{summary}"
    );
    let moves = text(c, "#moves tbody").await;
    assert!(moves.contains("坪山区城市管理和综合执法局") && moves.contains("坪山区交通运输局"), "{moves}");
    assert_accessible(c, "a proposed rule with its preview").await;

    // Narrowed to another street, it would have moved none of them.
    let areas = c.find(fantoccini::Locator::Css("#e-areas")).await.expect("the areas");
    areas.clear().await.expect("clear");
    fill(c, "#e-areas", "pingshan.biling").await;
    click(c, "#preview").await;
    assert!(text(c, "#preview-summary").await.contains("有 0 件会改由他人牵头"));
    // Back to the meeting's area, and accepted as shown.
    let areas = c.find(fantoccini::Locator::Css("#e-areas")).await.expect("the areas");
    areas.clear().await.expect("clear");
    fill(c, "#e-areas", "pingshan.kengzi").await;
    click(c, "#preview").await;
    fill(c, "#accept-note", "依协调会纪要").await;
    click(c, "#accept").await;
    assert!(text(c, "#flash").await.contains("规则已采纳"));
    browser.close().await;

    let next = citizen.post(&KENGZI_LAMP, None).await.expect("POST").id();
    let record = citizen.wait_for(&next, Duration::from_secs(15)).await;
    assert_eq!(record["agency_responsible"], "坪山区交通运输局", "in force at once");

    for who in ["um-staff", "desk"] {
        let s = PageSession::sign_in(&app.base, who).await;
        assert_eq!(s.get("/staff/console/rules").await.0, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            s.get(&format!("/staff/console/rules/{proposal}")).await.0,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let decline = format!("/staff/console/rules/{proposal}/decline");
        assert_eq!(s.post(&decline, &[("csrf", &s.csrf)]).await.0, StatusCode::FORBIDDEN, "{who}");
    }
}
