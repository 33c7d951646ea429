//! The notify role end to end, on both backends, against a fake Alibaba Cloud SMS gateway (a real
//! HTTP server that checks the signature as the real one does): a request's whole life sends the
//! citizen exactly the SMS it should, once each, and the staff history shows them with the number
//! masked; a gateway down for a while gets every notice once it is back, none twice; a notify
//! process killed (SIGKILL) mid-batch and restarted loses no notice, and sends again only what
//! it had handed the gateway without recording it (counted and printed); a citizen who replies
//! TD (pushed by the provider to our reply endpoint) is sent nothing more, nor one who stopped a
//! request's notices on its tracking page (in Chromium).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use jiesu::Roles;
use jiesu::notify::TemplateConfig;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use jiesu_notify::fake::{FakeAlibaba, Handle, Mode, Received};
use reqwest::StatusCode;
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(
    a_requests_life_sends_the_citizen_each_sms_once,
    a_gateway_down_for_a_while_gets_every_notice_once_when_it_is_back,
    a_notify_process_killed_mid_batch_loses_nothing_when_restarted,
    supervisors_see_the_notices_that_could_not_be_delivered,
    a_citizen_who_replies_td_is_sent_no_more,
    a_citizen_stops_a_requests_notices_from_its_tracking_page,
);

const JIESU: &str = env!("CARGO_BIN_EXE_jiesu-under-test");

const TEMPLATES: [(&str, &str, &[&str]); 6] = [
    ("received", "SMS_1", &["number", "link"]),
    ("dispatched", "SMS_2", &["number", "bureau"]),
    ("coordinating", "SMS_3", &["number", "time"]),
    ("resolved", "SMS_4", &["number", "link"]),
    ("reopened", "SMS_5", &["number"]),
    ("closed", "SMS_6", &["number"]),
];

/// The settings that send SMS through `fake`, at any hour, retrying after a second.
fn sms_through(fake: &Handle) -> impl FnOnce(&mut jiesu::Settings) + use<> {
    let endpoint = fake.endpoint();
    move |s| {
        s.server.public_url = "http://jiesu.example".to_owned();
        let n = &mut s.notify;
        n.quiet_start = "00:00".to_owned();
        n.quiet_end = "00:00".to_owned();
        n.retry_first_secs = 1;
        n.retry_max_secs = 2;
        n.sms.provider = "alibaba".to_owned();
        n.sms.endpoint = endpoint;
        n.sms.access_key_id = "LTAI-e2e".to_owned();
        n.sms.access_key_secret = "secret-e2e".to_owned().into();
        n.sms.sign_name = "坪山区民生诉求".to_owned();
        n.sms.templates = TEMPLATES
            .iter()
            .map(|(topic, code, params)| {
                let params = params.iter().map(|p| (*p).to_owned()).collect();
                ((*topic).to_owned(), TemplateConfig { code: (*code).to_owned(), params })
            })
            .collect::<BTreeMap<_, _>>();
    }
}

/// Waits until `fake` has `n` messages (and fails after `patience`), then a moment more, so that
/// a message too many would show.
async fn received(fake: &Handle, n: usize, patience: Duration) -> Vec<Received> {
    jiesu_e2e::arrived(n, patience, || fake.received()).await
}

fn templates(got: &[Received]) -> Vec<&str> {
    let mut t: Vec<&str> = got.iter().map(|m| m.template.as_str()).collect();
    t.sort_unstable();
    t
}

/// The service sending SMS through `fake`, with a bureau's staff and the desk, and a request from
/// 13812345678 whose 立案 and 派单 SMS have gone: the app, the request's number, the SMS.
async fn one_request(
    backend: &Backend,
    fake: &Handle,
) -> (jiesu_e2e::backend::Running, String, Vec<Received>) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start_with(Roles::ALL, sms_through(fake)).await;
    let citizen = Open311Client::new(&app.base, &key);
    let fields =
        [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", "13812345678")];
    let id = citizen.post(&fields, None).await.expect("POST").id();
    citizen.wait_for(&id, Duration::from_secs(15)).await;
    let got = received(fake, 2, Duration::from_secs(30)).await;
    (app, id, got)
}

async fn a_requests_life_sends_the_citizen_each_sms_once(backend: Backend) {
    let fake = FakeAlibaba::start("LTAI-e2e", "secret-e2e").await.expect("fake gateway");
    let (app, id, got) = one_request(&backend, &fake).await;
    assert_eq!(templates(&got), ["SMS_1", "SMS_2"], "立案 and 派单");
    let receipt = got.iter().find(|m| m.template == "SMS_1").expect("立案");
    assert_eq!(receipt.phone, "13812345678");
    assert_eq!(receipt.params["link"], format!("http://jiesu.example/track?n={id}").as_str(), "{receipt:?}");

    let um = StaffClient::login(&app.base, "um-staff").await;
    let task = um.task_for(&id, "dispatched").await.expect("task");
    um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    um.ok(&format!("/api/v1/tasks/{task}/resolve"), json!({ "result": "已更换灯泡" })).await;
    let desk = StaffClient::login(&app.base, "desk").await;
    desk.ok(&format!("/api/v1/requests/{id}/review"), json!({ "approve": true })).await;
    let got = received(&fake, 3, Duration::from_secs(30)).await;
    let resolved = got.iter().find(|m| m.template == "SMS_4").expect("办结");
    // The citizen answers the return visit from the link in the SMS.
    let link = resolved.params["link"].as_str().expect("link");
    let k = jiesu_e2e::citizen::visit_secret(link).expect("the link's secret");
    let form = [("n", id.as_str()), ("k", k.as_str()), ("solved", "yes")];
    let (status, page) = jiesu_e2e::citizen::post_visit(&app.base, &form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let got = received(&fake, 4, Duration::from_secs(30)).await;
    assert_eq!(
        templates(&got),
        ["SMS_1", "SMS_2", "SMS_4", "SMS_6"],
        "received, dispatched, resolved, closed"
    );
    assert!(fake.rejected().is_empty(), "every call signed right: {:?}", fake.rejected());
    let references: HashSet<&str> = got.iter().map(|m| m.reference.as_str()).collect();
    assert_eq!(references.len(), 4, "each its own notification");

    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    let history = case["history"].to_string();
    assert!(history.contains("短信已发送至138********（受理通知）"), "{history}");
    assert!(history.contains("（结案通知）"), "{history}");
    assert!(!history.contains("13812345678"), "never the whole number: {history}");
    app.stop().await;
}

async fn a_gateway_down_for_a_while_gets_every_notice_once_when_it_is_back(backend: Backend) {
    let fake = FakeAlibaba::start("LTAI-e2e", "secret-e2e").await.expect("fake gateway");
    fake.set_mode(Mode::Down);
    let key = backend.api_key("e2e").await;
    let app = backend.start_with(Roles::ALL, sms_through(&fake)).await;
    let citizen = Open311Client::new(&app.base, &key);
    let mut ids = Vec::new();
    for i in 0..20 {
        let phone = format!("139{i:08}");
        let fields =
            [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", phone.as_str())];
        ids.push(citizen.post(&fields, None).await.expect("POST").id());
    }
    // Down long enough for every notice to have failed more than once.
    let retried = "SELECT count(*) FROM notifications WHERE attempts >= 2 AND state = 'pending'";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while backend.count(retried).await < 40 {
        assert!(tokio::time::Instant::now() < deadline, "not retried: {}", backend.count(retried).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(fake.received().is_empty());
    fake.set_mode(Mode::Up);
    let got = received(&fake, 40, Duration::from_secs(60)).await;
    assert_eq!(got.len(), 40, "立案 and 派单 for each of 20 requests, none twice");
    let references: HashSet<&str> = got.iter().map(|m| m.reference.as_str()).collect();
    assert_eq!(references.len(), 40);
    let phones: HashSet<&str> = got.iter().map(|m| m.phone.as_str()).collect();
    assert_eq!(phones.len(), 20);
    assert_eq!(backend.count("SELECT count(*) FROM notifications WHERE state = 'sent'").await, 40);
    app.stop().await;
}

/// The settings of `sms_through`, as a separate process takes them (environment variables).
fn sms_env(fake: &Handle) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("SERVER__PUBLIC_URL", "http://jiesu.example"),
        ("NOTIFY__QUIET_START", "00:00"),
        ("NOTIFY__QUIET_END", "00:00"),
        ("NOTIFY__RETRY_FIRST_SECS", "1"),
        ("NOTIFY__LEASE_SECS", "3"),
        ("NOTIFY__SMS__PROVIDER", "alibaba"),
        ("NOTIFY__SMS__ACCESS_KEY_ID", "LTAI-e2e"),
        ("NOTIFY__SMS__ACCESS_KEY_SECRET", "secret-e2e"),
        ("NOTIFY__SMS__SIGN_NAME", "坪山区民生诉求"),
        // Slow enough that the kill finds messages in flight.
        ("NOTIFY__SMS__PER_SECOND", "25"),
        ("NOTIFY__SMS__TEMPLATES__RECEIVED__CODE", "SMS_1"),
        ("NOTIFY__SMS__TEMPLATES__RECEIVED__PARAMS", "[number, link]"),
        ("NOTIFY__SMS__TEMPLATES__DISPATCHED__CODE", "SMS_2"),
        ("NOTIFY__SMS__TEMPLATES__DISPATCHED__PARAMS", "[number, bureau]"),
    ]
    .iter()
    .map(|(k, v)| (format!("JIESU__{k}"), (*v).to_owned()))
    .collect();
    env.push(("JIESU__NOTIFY__SMS__ENDPOINT".to_owned(), fake.endpoint()));
    env
}

async fn a_notify_process_killed_mid_batch_loses_nothing_when_restarted(backend: Backend) {
    use jiesu_e2e::process::Server;
    let fake = FakeAlibaba::start("LTAI-e2e", "secret-e2e").await.expect("fake gateway");
    let key = backend.api_key("e2e").await;
    let env = sms_env(&fake);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let server = Server::start_with(JIESU, &backend, &env).await;
    let citizen = Open311Client::new(&server.base, &key);
    let requests = 100;
    for i in 0..requests {
        let phone = format!("139{i:08}");
        let fields =
            [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", phone.as_str())];
        citizen.post(&fields, None).await.expect("POST").id();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while fake.received().len() < 40 {
        assert!(tokio::time::Instant::now() < deadline, "sending began: {}", fake.received().len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill_hard().await;
    let before = fake.received().len();
    assert!(before < 2 * requests, "killed mid-batch, with {before} sent");

    let server = Server::start_with(JIESU, &backend, &env).await;
    // Until every notice has come, counted by its reference: duplicates must not end the wait.
    let distinct = |got: &[Received]| got.iter().map(|m| m.reference.clone()).collect::<HashSet<_>>().len();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while distinct(&fake.received()) < 2 * requests && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = fake.received();
    let references: HashSet<&str> = got.iter().map(|m| m.reference.as_str()).collect();
    assert_eq!(references.len(), 2 * requests, "every notice went");
    let duplicates = got.len() - references.len();
    eprintln!(
        "{}: {before} SMS before SIGKILL, {} in all for {} notices: {duplicates} sent twice",
        backend.name(),
        got.len(),
        2 * requests
    );
    // Only what was at the gateway when the process died, never more than were in flight.
    // At most the messages in flight: `notify.batches` × `notify.concurrency` (4 × 16).
    assert!(duplicates <= 64, "{duplicates} duplicates");
    let unsettled = "SELECT count(*) FROM notifications WHERE state <> 'sent'";
    assert_eq!(backend.count(unsettled).await, 0);
    assert!(server.terminate().await.success());
}

async fn supervisors_see_the_notices_that_could_not_be_delivered(backend: Backend) {
    use jiesu_e2e::browser::Browser;
    use jiesu_e2e::pages::{PageSession, assert_accessible, click, sign_in, text};
    let fake = FakeAlibaba::start("LTAI-e2e", "secret-e2e").await.expect("fake gateway");
    fake.set_mode(Mode::Refuse("isv.MOBILE_NUMBER_ILLEGAL".to_owned()));
    let key = backend.api_key("e2e").await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    let app = backend.start_with(Roles::ALL, sms_through(&fake)).await;
    let citizen = Open311Client::new(&app.base, &key);
    let fields =
        [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", "13812345678")];
    let id = citizen.post(&fields, None).await.expect("POST").id();
    let boss = StaffClient::login(&app.base, "boss").await;
    let list = boss
        .get_until("/api/v1/notifications/undelivered", |v| {
            v["notices"].as_array().is_some_and(|n| n.len() == 2)
        })
        .await;
    let notices = list["notices"].as_array().expect("a list");
    assert!(notices.iter().all(|n| n["tracking_number"] == id.as_str() && n["via"] == "sms"), "{list}");
    assert!(
        notices.iter().all(|n| n["error"] == "isv.MOBILE_NUMBER_ILLEGAL" && n["attempts"] == 1),
        "{list}"
    );
    assert!(!list.to_string().contains("13812345678"), "never the number: {list}");

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "boss", "/staff/console").await;
    click(c, "#link-notices").await;
    assert_eq!(text(c, "#main h1").await, "未送达的通知");
    let table = text(c, "#undelivered").await;
    assert!(
        table.contains("手机号码无效") && table.contains("受理通知") && table.contains("派单通知"),
        "{table}"
    );
    assert!(table.contains(&id[..4]), "the request, by its number: {table}");
    assert_accessible(c, "the notices not delivered").await;
    browser.close().await;

    // Bureau staff see neither.
    let um = PageSession::sign_in(&app.base, "um-staff").await;
    assert_eq!(um.get("/staff/console/notices").await.0, StatusCode::FORBIDDEN);
    let um = StaffClient::login(&app.base, "um-staff").await;
    assert_eq!(um.get("/api/v1/notifications/undelivered").await.0, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn a_citizen_who_replies_td_is_sent_no_more(backend: Backend) {
    let fake = FakeAlibaba::start("LTAI-e2e", "secret-e2e").await.expect("fake gateway");
    let key = backend.api_key("e2e").await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    backend.add_staff("chief", StaffRole::Supervisor, None).await;
    let through = sms_through(&fake);
    let app = backend
        .start_with(Roles::ALL, |s| {
            through(s);
            s.notify.sms.reply_key = "reply-key-0123456789".to_owned().into();
        })
        .await;
    let citizen = Open311Client::new(&app.base, &key);
    let fields =
        |phone| [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", phone)];
    let first = citizen.post(&fields("13812345678"), None).await.expect("POST").id();
    citizen.wait_for(&first, Duration::from_secs(15)).await;
    received(&fake, 2, Duration::from_secs(30)).await;

    // The citizen replies TD; Alibaba Cloud pushes it to the district's reply URL.
    let http = reqwest::Client::new();
    let url = format!("{}/notify/sms/replies", app.base);
    let up = json!([{ "phone_number": "13812345678", "content": "TD", "send_time": "2026-12-07 10:00:00",
                      "sign_name": "坪山区民生诉求", "dest_code": "", "sequence_id": 7 }]);
    let wrong = http.post(&url).query(&[("key", "not-the-key")]).json(&up).send().await.expect("POST");
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let taken =
        http.post(&url).query(&[("key", "reply-key-0123456789")]).json(&up).send().await.expect("POST");
    assert_eq!(taken.status(), StatusCode::OK);
    assert_eq!(taken.json::<serde_json::Value>().await.expect("JSON")["code"], 0);

    // Their next request: no SMS at all; another citizen's: as ever.
    let second = citizen.post(&fields("13812345678"), None).await.expect("POST").id();
    let other = citizen.post(&fields("13900001111"), None).await.expect("POST").id();
    citizen.wait_for(&second, Duration::from_secs(15)).await;
    citizen.wait_for(&other, Duration::from_secs(15)).await;
    let got = received(&fake, 4, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[2..].iter().all(|m| m.phone == "13900001111"), "{got:?}");
    let desk = StaffClient::login(&app.base, "desk").await;
    let history = desk
        .get_until(&format!("/api/v1/requests/{second}"), |c| c["history"].to_string().contains("已退订"))
        .await;
    let history = history["history"].to_string();
    assert!(history.contains("短信未发送至138********（受理通知）：已退订"), "{history}");
    let chief = StaffClient::login(&app.base, "chief").await;
    let (_, undelivered) = chief.get("/api/v1/notifications/undelivered").await;
    assert!(!undelivered.to_string().contains(&second), "an opt-out is not a failure: {undelivered}");
    app.stop().await;
}

async fn a_citizen_stops_a_requests_notices_from_its_tracking_page(backend: Backend) {
    use fantoccini::Locator;
    use jiesu_e2e::pages::assert_accessible;
    let fake = FakeAlibaba::start("LTAI-e2e", "secret-e2e").await.expect("fake gateway");
    let (app, id, _) = one_request(&backend, &fake).await;

    let browser = jiesu_e2e::browser::Browser::start().await;
    let c = &browser.client;
    c.goto(&format!("{}/track?n={id}", app.base)).await.expect("open the tracking page");
    c.find(Locator::Css("#last4")).await.expect("digits").send_keys("5678").await.expect("type");
    c.find(Locator::Css("#look-up")).await.expect("button").click().await.expect("look up");
    c.wait().for_element(Locator::Css("#quiet-form")).await.expect("the offer to stop notices");
    assert_accessible(c, "the tracking page with the offer to stop notices").await;
    c.find(Locator::Css("#quiet-submit")).await.expect("button").click().await.expect("stop");
    c.wait().for_element(Locator::Css("#quiet-state")).await.expect("stopped");
    let notice = c.find(Locator::Css("#visit-notice")).await.expect("notice").text().await.expect("text");
    assert!(notice.contains("不再向您发送"), "{notice}");
    assert!(c.find(Locator::Css("#quiet-form")).await.is_err(), "asked once");
    browser.close().await;

    // The bureau resolves it: the citizen is not told (the history says why), nor of anything after.
    let um = StaffClient::login(&app.base, "um-staff").await;
    let desk = StaffClient::login(&app.base, "desk").await;
    jiesu_e2e::staff::work_to_review(&um, &desk, &id).await;
    let case = desk
        .get_until(&format!("/api/v1/requests/{id}"), |c| {
            c["history"].to_string().contains("（办结通知）：已退订")
        })
        .await;
    assert!(case["history"].to_string().contains("短信未发送至138********（办结通知）：已退订"));
    assert_eq!(fake.received().len(), 2, "立案 and 派单 only: {:?}", fake.received());
    app.stop().await;
}
