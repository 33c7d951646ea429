//! A coordination meeting through the staff pages, in headless Chromium, on both backends: the
//! lamp request's three candidates disclaim it (through the API, as in
//! `escalations_and_meetings`), the escalation service calls a meeting; an invited bureau's clerk
//! finds it among the meetings, reads the agenda with every disclaim's reasons and confirms; the
//! convener's clerk records the decision (a lead and an assisting bureau, each with its share
//! and deadline, the minutes); the lead's clerk finds the binding task in the inbox, and its page
//! says it cannot be disclaimed. axe-core on the meetings list and the meeting page. Another
//! bureau's clerk gets 404 for the meeting page and its actions.

use std::time::Duration;

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::pages::{self, PageSession, assert_accessible, click, fill, sign_in, sign_out, text};
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(a_meeting_is_confirmed_and_decided_through_the_pages_and_binds_the_lead);

/// The lamp request's candidates, in the rules' order, and their clerks.
const CANDIDATES: [(&str, &str); 3] =
    [("urban-management", "um-staff"), ("street-kengzi", "sk-staff"), ("service-centre", "sc-staff")];

async fn a_meeting_is_confirmed_and_decided_through_the_pages_and_binds_the_lead(backend: Backend) {
    let key = backend.api_key("e2e").await;
    for (bureau, name) in CANDIDATES {
        backend.add_staff(name, StaffRole::BureauStaff, Some(bureau)).await;
    }
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    backend.add_staff("outsider", StaffRole::BureauStaff, Some("market-regulation")).await;
    let app = backend.start(Roles::ALL).await;

    let citizen = Open311Client::new(&app.base, &key);
    let tracking = citizen.post(&LAMP, None).await.expect("POST").id();
    citizen.wait_for(&tracking, Duration::from_secs(15)).await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let meeting = jiesu_e2e::staff::declined_by_all(&app.base, &tracking, &CANDIDATES, &boss).await;

    // Another bureau reaches nothing of it.
    let outsider = PageSession::sign_in(&app.base, "outsider").await;
    let (status, page) = outsider.get(&format!("/staff/meetings/{meeting}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    for action in ["confirm", "reschedule", "decide"] {
        let form = [("csrf", outsider.csrf.as_str()), ("at", "2030-01-01T09:30")];
        let (status, _) = outsider.post(&format!("/staff/meetings/{meeting}/{action}"), &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}");
    }
    let (_, listed) = outsider.get("/staff/meetings").await;
    assert!(!listed.contains(&meeting), "not among another bureau's meetings");

    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(pages::DESKTOP.0, pages::DESKTOP.1).await.expect("resize");

    // An invited street office confirms, having read why each bureau disclaimed.
    sign_in(c, &app.base, "sk-staff", "/staff/meetings").await;
    assert_accessible(c, "the meetings").await;
    click(c, &format!("a[href='/staff/meetings/{meeting}']")).await;
    assert_accessible(c, "the meeting page").await;
    let agenda = text(c, "#agenda-disclaims").await;
    assert!(
        agenda.contains("urban-management：非本单位职责") && agenda.contains("service-centre：非本单位职责"),
        "{agenda}"
    );
    click(c, "#confirm").await;
    assert!(text(c, "#flash").await.contains("已确认参会"));
    assert!(c.find(Locator::Css("#decision-form")).await.is_err(), "only the convener decides");
    sign_out(c).await;

    // The convener records the decision: the urban management bureau leads, the street assists.
    sign_in(c, &app.base, "sc-staff", &format!("/staff/meetings/{meeting}")).await;
    pages::choose(c, "#lead", "urban-management").await;
    fill(c, "#lead-scope", "更换路灯灯具").await;
    pages::choose(c, "#assist-0", "street-kengzi").await;
    fill(c, "#assist-scope-0", "协调小区物业配合施工").await;
    let due = (chrono::Utc::now() + chrono::Duration::days(10))
        .with_timezone(&jiesu_domain::time::LOCAL)
        .format("%Y-%m-%d")
        .to_string();
    c.execute("document.querySelector('#lead-due').value = arguments[0]; document.querySelector('#assist-due-0').value = arguments[0];", vec![json!(due)])
        .await
        .expect("dates");
    fill(c, "#minutes", "经协调，路灯由城管局负责更换，街道办协调物业。").await;
    pages::click_confirmed(c, "#decide").await;
    assert!(text(c, "#flash").await.contains("会议决定已记录"), "{}", text(c, "#main").await);
    assert!(text(c, "#decision").await.contains("更换路灯灯具"));
    sign_out(c).await;

    // The lead's clerk has a binding task: it says why it cannot be disclaimed.
    sign_in(c, &app.base, "um-staff", "/staff/inbox").await;
    let mut opened = false;
    for _ in 0..50 {
        c.goto(&format!("{}/staff/inbox", app.base)).await.expect("inbox");
        if let Ok(row) = c.find(Locator::Css("#tasks li a.title")).await {
            row.click().await.expect("open");
            opened = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(opened, "the binding task reached the lead's inbox");
    assert!(text(c, "#binding").await.contains("不能退单"));
    assert!(c.find(Locator::Css("#disclaim-form")).await.is_err(), "no disclaim form on a binding task");
    browser.close().await;
    app.stop().await;
}
