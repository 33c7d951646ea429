//! Appeals (申诉) and final replies (最终答复) through the pages, on both backends: a lamp request
//! closed with a 不满意 visit is appealed by the urban management bureau from its case page with a
//! photo of the evidence; another, being handled, gets the bureau's final reply; a supervisor
//! finds both on the console, upholds the appeal and approves the reply, each with a note. The
//! second request is closed, both leave the bureau's figures (the stats API counts them as
//! exempted), the audit log has both decisions, and axe-core passes. Another bureau's staff get
//! 404 for the task's actions; bureau staff and the desk get 403 from the console's page and its
//! decision, and from the JSON decision.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::pages::{PageSession, assert_accessible, click, fill, sign_in, text};
use jiesu_e2e::staff::{StaffClient, work_to_visit};
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(a_bureau_appeals_and_replies_finally_and_a_supervisor_grants_both,);

/// Opens a folded section, as a person clicks its summary.
async fn open(c: &fantoccini::Client, summary: &str) {
    let found = c.find(fantoccini::Locator::Css(summary)).await;
    found.unwrap_or_else(|e| panic!("{summary}: {e}")).click().await.expect("open");
}

/// The smallest file the photo check accepts as a JPEG.
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];

async fn a_bureau_appeals_and_replies_finally_and_a_supervisor_grants_both(backend: Backend) {
    let key = backend.api_key("exemptions").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("water-staff", StaffRole::BureauStaff, Some("water")).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    backend.add_staff("admin", StaffRole::Admin, None).await;
    // A dozen sign-ins from this one address: more than a minute's throttle allows.
    let app = backend.start_with(Roles::ALL, |s| s.auth.per_address_per_minute = 100).await;
    let citizen = Open311Client::new(&app.base, &key);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = citizen.post(&LAMP, None).await.expect("POST").id();
        citizen.wait_for(&id, Duration::from_secs(15)).await;
        ids.push(id);
    }
    let um = StaffClient::login(&app.base, "um-staff").await;
    let desk = StaffClient::login(&app.base, "desk").await;
    let replied = um.task_for(&ids[1], "dispatched").await.expect("a task");
    work_to_visit(&um, &desk, &ids[0], true, "dissatisfied").await;
    let appealed = um.task_for(&ids[0], "resolved").await.expect("the resolved task");
    um.ok(&format!("/api/v1/tasks/{replied}/claim"), json!({})).await;

    // Another bureau reaches neither task's actions, by the API or the page.
    let water = StaffClient::login(&app.base, "water-staff").await;
    let (status, _) =
        water.post(&format!("/api/v1/tasks/{replied}/final-reply"), json!({ "reply": "x" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let w = PageSession::sign_in(&app.base, "water-staff").await;
    let (status, _) =
        w.post(&format!("/staff/tasks/{appealed}/appeal"), &[("csrf", &w.csrf), ("reason", "x")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let photo = backend.media.path().join("evidence.jpg");
    std::fs::write(&photo, JPEG).expect("write the photo");
    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "um-staff", &format!("/staff/tasks/{appealed}")).await;
    assert!(text(c, "#exemptions").await.contains("不满意"), "the visit to appeal is named");
    open(c, "#exemptions summary").await;
    fill(c, "#exemptions textarea", "群众要求赔偿十万元，超出法定职责").await;
    fill(c, "#exemptions input[type=file]", &photo.display().to_string()).await;
    click(c, "#exemptions button[type=submit]").await;
    assert!(text(c, "#flash").await.contains("申诉已提交"));
    assert!(text(c, "#exemptions").await.contains("申诉待审核"));
    assert_accessible(c, "a case with its appeal").await;
    c.goto(&format!("{}/staff/tasks/{replied}", app.base)).await.expect("open");
    open(c, "#exemptions summary").await;
    fill(c, "#final-reply", "经三次现场核查，该路段照明符合标准，不再增设路灯").await;
    click(c, "#propose-final-reply").await;
    assert!(text(c, "#flash").await.contains("最终答复已提交"));
    browser.close().await;

    // The supervisor decides both from the console.
    let boss = StaffClient::login(&app.base, "boss").await;
    let (_, pending) = boss.get("/api/v1/exemptions").await;
    let list = pending["exemptions"].as_array().expect("list").clone();
    assert_eq!(list.len(), 2, "{pending}");
    let id_of = |kind: &str| {
        list.iter().find(|e| e["kind"] == kind).expect(kind)["id"].as_str().expect("id").to_owned()
    };
    let (appeal, reply) = (id_of("appeal"), id_of("final_reply"));
    assert_eq!(
        list.iter().find(|e| e["kind"] == "appeal").expect("appeal")["photos"].as_array().map(Vec::len),
        Some(1)
    );

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "boss", "/staff/console").await;
    click(c, "#link-exemptions").await;
    assert_eq!(text(c, "#main h1").await, "申诉与最终答复审核");
    let listed = text(c, "#exemptions").await;
    assert!(listed.contains("超出法定职责") && listed.contains("不再增设路灯"), "{listed}");
    assert!(listed.contains("不满意"), "the appealed visit's answers: {listed}");
    assert_accessible(c, "the appeals and final replies to decide").await;
    fill(c, &format!("#exemption-note-{appeal}"), "诉求超出职责范围，申诉成立").await;
    click(c, &format!("#grant-{appeal}")).await;
    assert!(text(c, "#flash").await.contains("已同意"));
    // Without a note nothing is decided.
    let s = PageSession::sign_in(&app.base, "boss").await;
    let path = format!("/staff/console/exemptions/{reply}");
    let (status, _) = s.post(&path, &[("csrf", &s.csrf), ("verdict", "grant"), ("note", " ")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(s.get("/staff/console/exemptions").await.1.contains(&path), "still waiting");
    c.refresh().await.expect("reload");
    fill(c, &format!("#exemption-note-{reply}"), "同意最终答复").await;
    click(c, &format!("#grant-{reply}")).await;
    assert!(text(c, "#empty").await.contains("没有待审核"));
    browser.close().await;

    let (_, closed) = boss.get(&format!("/api/v1/requests/{}", ids[1])).await;
    assert_eq!(closed["request"]["status"], "closed", "an approved final reply closes the request");
    let (_, case) = um.get(&format!("/api/v1/tasks/{appealed}")).await;
    assert!(case.to_string().contains("诉求超出职责范围，申诉成立"), "the bureau reads the decision");
    // Both leave the bureau's figures; the stats consumer counts them as exempted.
    let stats = boss.get_until("/api/v1/stats?by=bureau", |v| v["total"]["counts"]["exempted"] == 2).await;
    assert_eq!(stats["total"]["counts"]["received"], 0, "{stats}");
    assert_eq!(stats["total"]["counts"]["visits"], 0, "the 不满意 visit counts for no one: {stats}");
    let (_, console) = PageSession::sign_in(&app.base, "boss").await.get("/staff/console").await;
    assert!(console.contains("id=\"kpi-exempted\"") && console.contains("另剔除 2"), "the console says so");
    let admin = PageSession::sign_in(&app.base, "admin").await;
    let (_, log) = admin.get("/staff/admin/audit?action=exemption_decided").await;
    assert!(
        log.matches("final_reply granted").count() == 1 && log.matches("appeal granted").count() == 1,
        "{log}"
    );

    for who in ["um-staff", "desk"] {
        let other = PageSession::sign_in(&app.base, who).await;
        assert_eq!(other.get("/staff/console/exemptions").await.0, StatusCode::FORBIDDEN, "{who}");
        let form = [("csrf", other.csrf.as_str()), ("verdict", "grant"), ("note", "x")];
        assert_eq!(other.post(&path, &form).await.0, StatusCode::FORBIDDEN, "{who}");
    }
    let (status, _) =
        um.post(&format!("/api/v1/exemptions/{reply}/decision"), json!({ "grant": true, "note": "x" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
