//! The citizens' pages as a citizen uses them on a phone (390×844) in headless Chromium, with
//! axe-core on every page: a question 秒回 answers as it is typed, settled without a bureau; the
//! place marked on the district's map with two photos; a report without a phone number, tracked
//! by its private link and rated with stars once resolved; and a request every candidate
//! declined, whose page tells of the coordination meeting in plain words and lists who declined
//! and why on request. On both backends (issue 17).

use std::time::Duration;

use fantoccini::{Client, Locator};
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::pages::{DESKTOP, PHONE, assert_accessible, sign_in, text};
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(
    a_question_the_knowledge_base_answers_is_settled_on_the_form_and_recorded_closed,
    a_citizen_marks_the_place_on_the_map_and_sends_two_photos,
    a_citizen_without_a_phone_follows_the_private_link_and_rates_the_result_with_stars,
    the_page_of_a_request_every_unit_declined_tells_of_the_meeting_in_plain_words,
);

/// Fills the report form for a broken lamp on Xiuxin Road, Kengzi, with `phone` (or none), and
/// submits it; waits for the received page.
async fn report_lamp(c: &Client, base: &str, phone: Option<&str>) {
    c.goto(&format!("{base}/")).await.expect("open the form");
    c.find(Locator::Css("#category"))
        .await
        .expect("category")
        .select_by_value("010101")
        .await
        .expect("choose the category");
    let typed = [("#description", "秀新路口的路灯连续三晚不亮"), ("#address", "坑梓街道秀新路")];
    for (field, value) in typed.into_iter().chain(phone.map(|p| ("#phone", p))) {
        c.find(Locator::Css(field)).await.expect("field").send_keys(value).await.expect("type");
    }
    c.find(Locator::Css("#submit")).await.expect("button").click().await.expect("submit");
    c.wait().for_element(Locator::Css("#tracking")).await.expect("the received page");
}

/// A photo's first bytes (JPEG), enough for the form's check by content.
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];

async fn a_citizen_marks_the_place_on_the_map_and_sends_two_photos(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let photos: Vec<String> = (1..=2)
        .map(|i| {
            let path = backend.media.path().join(format!("upload-{i}.jpg"));
            std::fs::write(&path, [JPEG, &[i; 2000]].concat()).expect("write a photo");
            path.display().to_string()
        })
        .collect();
    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");
    c.goto(&format!("{}/", app.base)).await.expect("open the form");
    c.wait().for_element(Locator::Css("#map[data-ready=true]")).await.expect("the district drawn");
    assert!(
        c.find(Locator::Css("#map path.leaflet-interactive")).await.is_ok(),
        "the district's own outlines, with no tile server"
    );
    assert_accessible(c, "the report form with its map").await;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");

    // An address found on the map by the district's gazetteer, the street picked with it.
    c.find(Locator::Css("#address")).await.expect("address").send_keys("坑梓街道秀新路").await.expect("type");
    c.find(Locator::Css("#find-address")).await.expect("the find button").click().await.expect("find");
    let found = text(c, "#find-status").await;
    assert!(found.contains("坑梓街道"), "{found}");
    let area = c.find(Locator::Css("#area")).await.expect("picker").prop("value").await.expect("value");
    assert_eq!(area.as_deref(), Some("pingshan.kengzi"));

    // A tap on the map marks the place: the coordinates fields are filled (WGS84).
    c.find(Locator::Css("#map")).await.expect("the map").click().await.expect("tap the map");
    let value = |id: &'static str| async move {
        let v =
            c.find(Locator::Css(id)).await.expect(id).prop("value").await.expect("value").unwrap_or_default();
        v.parse::<f64>().unwrap_or_else(|_| panic!("{id} is a number: {v:?}"))
    };
    let (lat, lon) = (value("#lat").await, value("#lon").await);
    assert!((22.6..22.8).contains(&lat) && (114.2..114.5).contains(&lon), "in Pingshan: {lat}, {lon}");

    c.find(Locator::Css("#category"))
        .await
        .expect("category")
        .select_by_value("010101")
        .await
        .expect("choose");
    c.find(Locator::Css("#description")).await.expect("field").send_keys("路灯不亮").await.expect("type");
    c.find(Locator::Css("#photos"))
        .await
        .expect("photos")
        .send_keys(&photos.join("\n"))
        .await
        .expect("attach");
    c.find(Locator::Css("#submit")).await.expect("button").click().await.expect("submit");
    c.wait().for_element(Locator::Css("#private-link")).await.expect("the received page");
    let tracking = text(c, "#tracking").await.replace('-', "");
    let stored = Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(15)).await;
    let at = (stored["lat"].as_f64().expect("lat"), stored["long"].as_f64().expect("long"));
    assert!((at.0 - lat).abs() < 1e-5 && (at.1 - lon).abs() < 1e-5, "the point tapped: {at:?}");

    // Both photos are the request's, on its page.
    c.find(Locator::Css("#private-link")).await.expect("link").click().await.expect("open");
    c.wait().for_element(Locator::Css("#history")).await.expect("the request's page");
    assert_eq!(c.find_all(Locator::Css(".summary .photos img")).await.expect("photos").len(), 2);
    browser.close().await;
    app.stop().await;
}

async fn a_citizen_without_a_phone_follows_the_private_link_and_rates_the_result_with_stars(
    backend: Backend,
) {
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let browser = Browser::start().await;
    let c = &browser.client;
    c.goto(&format!("{}/", app.base)).await.expect("open the form");
    assert_accessible(c, "the report form").await;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");

    report_lamp(c, &app.base, None).await;
    let keep = text(c, "#keep").await;
    assert!(keep.contains("没有留手机号码"), "the page says the link is the only way back: {keep}");
    let link = c
        .find(Locator::Css("#private-link"))
        .await
        .expect("the private link")
        .attr("href")
        .await
        .expect("href")
        .expect("a link");
    assert!(link.starts_with(&app.base) && link.contains("&k="), "an absolute link with its secret: {link}");
    let tracking = text(c, "#tracking").await.replace('-', "");
    assert_accessible(c, "the received page without a phone").await;
    Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(15)).await;

    // Nobody can look it up with phone digits: it has none.
    let (status, _) = jiesu_e2e::citizen::track(&app.base, &tracking, "0000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Resolved and reviewed: the private link opens the page with the return visit.
    let um = StaffClient::login(&app.base, "um-staff").await;
    let desk = StaffClient::login(&app.base, "desk").await;
    jiesu_e2e::staff::work_to_review(&um, &desk, &tracking).await;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");
    c.goto(&link).await.expect("follow the private link");
    c.wait().for_element(Locator::Css("#visit-form")).await.expect("the return-visit form");
    let history = text(c, "#history").await;
    assert!(
        history.contains("已办理完毕") && history.contains("灯具已更换"),
        "the result, in words: {history}"
    );
    assert_accessible(c, "the request's page with the return visit").await;

    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");
    for choice in ["label[for=solved-yes]", "label[for=sat-satisfied]", "label[for=star-4]"] {
        c.find(Locator::Css(choice)).await.expect(choice).click().await.expect("choose");
    }
    c.find(Locator::Css("#visit-submit")).await.expect("button").click().await.expect("send");
    let notice = c
        .wait()
        .for_element(Locator::Css("#visit-notice"))
        .await
        .expect("the answer")
        .text()
        .await
        .expect("text");
    assert!(notice.contains("感谢"), "{notice}");
    assert_eq!(text(c, "#status").await, "已结案");
    let history = text(c, "#history").await;
    assert!(history.contains("您的评价：已解决，满意，★★★★☆"), "{history}");
    assert_accessible(c, "the request's page after the return visit").await;

    // The stars are the desk's to read too, in the request's history, and the supervisors'
    // average rating counts them.
    let (_, case) = desk.get(&format!("/api/v1/requests/{tracking}")).await;
    assert!(case["history"].to_string().contains("★★★★☆"), "{}", case["history"]);
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let stats = boss.get_until("/api/v1/stats", |v| v["total"]["counts"]["rated"] == 1).await;
    assert_eq!(stats["total"]["rates"]["average_stars"], 4.0, "{}", stats["total"]);
    browser.close().await;
    app.stop().await;
}

/// Looks the request up on the tracking page with the phone's last four digits.
async fn look_up(c: &Client, base: &str, tracking: &str) {
    c.goto(&format!("{base}/track?n={tracking}")).await.expect("the tracking page");
    c.find(Locator::Css("#last4")).await.expect("digits").send_keys("5678").await.expect("type");
    c.find(Locator::Css("#look-up")).await.expect("button").click().await.expect("look up");
    c.wait().for_element(Locator::Css("#history")).await.expect("the request's page");
}

/// The lamp request's candidates, in the rules' order, and their staff.
const CANDIDATES: [(&str, &str); 3] =
    [("urban-management", "um-staff"), ("street-kengzi", "sk-staff"), ("service-centre", "sc-staff")];

async fn the_page_of_a_request_every_unit_declined_tells_of_the_meeting_in_plain_words(backend: Backend) {
    for (bureau, name) in CANDIDATES {
        backend.add_staff(name, StaffRole::BureauStaff, Some(bureau)).await;
    }
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start(Roles::ALL).await;
    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");
    report_lamp(c, &app.base, Some("13812345678")).await;
    let tracking = text(c, "#tracking").await.replace('-', "");
    Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(15)).await;

    let boss = StaffClient::login(&app.base, "boss").await;
    let meeting = jiesu_e2e::staff::declined_by_all(&app.base, &tracking, &CANDIDATES, &boss).await;

    c.goto(&format!("{}/track?n={tracking}", app.base)).await.expect("the tracking page");
    assert_accessible(c, "the tracking form").await;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");
    look_up(c, &app.base, &tracking).await;
    let history = text(c, "#history").await;
    assert!(history.contains("多个部门对职责有不同意见") && history.contains("已召集协调会"), "{history}");
    assert!(!history.contains(&meeting) && !history.contains("rule"), "no internal ids: {history}");
    assert_eq!(
        history.matches("现已交由").count(),
        1,
        "the hand-overs are one line, not one a unit: {history}"
    );
    c.find(Locator::Css(".declined summary")).await.expect("who declined").click().await.expect("open");
    let declined = text(c, ".declined ul").await;
    for unit in ["城市管理", "坑梓", "服务中心"] {
        assert!(declined.contains(unit), "{unit} is listed: {declined}");
    }
    assert!(declined.contains("职能不符"), "with the reason each gave: {declined}");
    assert_accessible(c, "the page of a request in coordination").await;

    // The meeting decides: the page says who does it.
    let sc = StaffClient::login(&app.base, "sc-staff").await;
    let due = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let decision = json!({
        "lead": { "bureau": "urban-management", "scope": "更换路灯灯具", "due": due },
        "assists": [{ "bureau": "street-kengzi", "scope": "排查线路", "due": due }],
        "minutes": "城管局主办，坑梓街道协助。",
        "attended": ["urban-management", "street-kengzi", "service-centre"],
    });
    sc.ok(&format!("/api/v1/meetings/{meeting}/decision"), decision).await;
    look_up(c, &app.base, &tracking).await;
    let history = text(c, "#history").await;
    assert!(history.contains("协调会决定：由坪山区城市管理和综合执法局牵头办理"), "{history}");
    browser.close().await;
    app.stop().await;
}

async fn a_question_the_knowledge_base_answers_is_settled_on_the_form_and_recorded_closed(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    // The answers endpoint: a confident answer for a marriage question, nothing for small talk
    // or a problem that needs a bureau.
    let ask = |q: &'static str| {
        let get =
            reqwest::Client::new().get(format!("{}/answers", app.base)).query(&[("lang", "zh"), ("q", q)]);
        async move { get.send().await.expect("GET").json::<serde_json::Value>().await.expect("JSON") }
    };
    let marriage = ask("请问在坪山办结婚登记需要带什么材料").await;
    assert!(marriage["answers"][0]["answer"].as_str().is_some_and(|a| a.contains("结婚")), "{marriage}");
    assert_eq!(ask("你好").await["answers"], json!([]));
    assert_eq!(ask("秀新路口的路灯连续三晚不亮").await["answers"], json!([]));

    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");
    c.goto(&format!("{}/", app.base)).await.expect("open the form");
    c.find(Locator::Css("#description"))
        .await
        .expect("field")
        .send_keys("请问在坪山办结婚登记需要带什么材料")
        .await
        .expect("type");
    c.wait().for_element(Locator::Css("#kb-suggest:not([hidden]) .kb-accept")).await.expect("a suggestion");
    let offered = text(c, "#kb-suggest").await;
    assert!(offered.contains("这些回答能解决您的问题吗") && offered.contains("结婚"), "{offered}");
    assert_accessible(c, "the report form with an instant answer").await;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");
    c.find(Locator::Css(".kb-accept")).await.expect("the accept button").click().await.expect("accept");
    c.wait().for_element(Locator::Css("#answered")).await.expect("the answered page");
    let tracking = text(c, "#tracking").await.replace('-', "");
    assert_accessible(c, "the page after an instant answer").await;
    let stored = Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(15)).await;
    assert_eq!(stored["status"], "closed", "answered at once, never dispatched: {stored}");

    // The supervisors count it as answered on receipt (直办), beside what was received.
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let stats = boss.get_until("/api/v1/stats", |v| v["total"]["counts"]["direct"] == 1).await;
    assert_eq!(stats["total"]["rates"]["direct"]["value"], 1.0, "{}", stats["total"]);
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("a desktop's screen");
    sign_in(c, &app.base, "boss", "/staff/console").await;
    let tile = text(c, "#kpi-direct").await;
    assert!(tile.contains("直办") && tile.contains('1') && tile.contains("100.0%"), "{tile}");
    browser.close().await;
    app.stop().await;
}
