//! Client applications' webhooks end to end, on both backends, against a fake receiver (a real
//! HTTP server that checks each call's signature and timestamp as a client's receiver should):
//! an administrator registers one on the administration page (in Chromium, checked with axe) and
//! copies its secret; a request's life then reaches the receiver as exactly its public notices,
//! once each, signed, without the citizen's return-visit proof and without a line in the request's
//! history; removed, it hears nothing more. One registered on the command line, for a receiver
//! down for a while, gets every call once the receiver is back, none twice.

use std::time::Duration;

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::pages::{assert_accessible, click, click_confirmed, fill, sign_in, text};
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use jiesu_notify::fake::{FakeReceiver, Hooked, ReceiverMode};
use reqwest::StatusCode;

jiesu_e2e::e2e_on_both_backends!(
    a_webhook_registered_on_the_page_hears_a_requests_public_life_once_each,
    a_receiver_down_for_a_while_gets_every_call_once_when_it_is_back,
);

/// Webhooks on, to this machine, at any hour, retried after a second.
fn webhooks_on(s: &mut jiesu::Settings) {
    s.server.public_url = "http://jiesu.example".to_owned();
    let n = &mut s.notify;
    n.quiet_start = "00:00".to_owned();
    n.quiet_end = "00:00".to_owned();
    n.retry_first_secs = 1;
    n.retry_max_secs = 2;
    n.webhooks.enabled = true;
    n.webhooks.allow_private = true;
}

/// Waits until `receiver` has accepted `n` calls (and fails after `patience`), then a moment
/// more, so that a call too many would show.
async fn accepted(receiver: &FakeReceiver, n: usize, patience: Duration) -> Vec<Hooked> {
    let got = jiesu_e2e::arrived(n, patience, || receiver.accepted()).await;
    assert!(receiver.rejected().is_empty(), "every call signed and fresh: {:?}", receiver.rejected());
    got
}

fn topics(got: &[Hooked]) -> Vec<&str> {
    let mut t: Vec<&str> = got.iter().map(|h| h.event.as_str()).collect();
    t.sort_unstable();
    t
}

/// `jiesu <args>` on the backend, as an operator runs it.
fn cli(backend: &Backend, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jiesu-under-test"));
    cmd.args(args).current_dir(dir.path());
    for (k, v) in backend.env() {
        cmd.env(k, v);
    }
    cmd.output().expect("run jiesu")
}

const FIELDS: [(&str, &str); 4] =
    [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", "13812345678")];

async fn a_webhook_registered_on_the_page_hears_a_requests_public_life_once_each(backend: Backend) {
    let key = backend.api_key("坪山通 app").await;
    backend.add_staff("root", StaffRole::Admin, None).await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start_with(Roles::ALL, webhooks_on).await;
    let receiver = FakeReceiver::start("not yet").await.expect("receiver");

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "root", "/staff/admin/webhooks").await;
    assert!(text(c, "#no-webhooks").await.contains("还没有回调地址"));
    fill(c, "#webhook-url", &receiver.url()).await;
    click(c, "#create-webhook").await;
    let secret = c
        .find(Locator::Css("#new-webhook-secret"))
        .await
        .expect("the secret, shown once")
        .prop("value")
        .await
        .expect("value")
        .expect("a secret");
    assert!(secret.starts_with("whsec_") && secret.len() == 70, "{secret}");
    assert_accessible(c, "a new webhook").await;
    receiver.set_secret(&secret);
    c.goto(&format!("{}/staff/admin/webhooks", app.base)).await.expect("the list");
    let row = text(c, "#webhooks li").await;
    assert!(row.contains("坪山通 app") && row.contains(&receiver.url()) && row.contains("全部通知"), "{row}");
    assert!(!c.source().await.expect("html").contains(&secret), "the list never shows the secret");
    assert_accessible(c, "the webhooks").await;

    let citizen = Open311Client::new(&app.base, &key);
    let id = citizen.post(&FIELDS, None).await.expect("POST").id();
    citizen.wait_for(&id, Duration::from_secs(15)).await;
    let got = accepted(&receiver, 2, Duration::from_secs(30)).await;
    assert_eq!(topics(&got), ["dispatched", "received"]);
    let um = StaffClient::login(&app.base, "um-staff").await;
    let desk = StaffClient::login(&app.base, "desk").await;
    jiesu_e2e::staff::work_to_review(&um, &desk, &id).await;
    let got = accepted(&receiver, 3, Duration::from_secs(30)).await;
    let resolved = got.iter().find(|h| h.event == "resolved").expect("resolved");
    assert_eq!(resolved.body["tracking"], id.as_str(), "{resolved:?}");
    assert_eq!(
        resolved.body["link"],
        format!("http://jiesu.example/track?n={id}").as_str(),
        "the public page, never the citizen's return-visit link: {resolved:?}"
    );
    assert!(!resolved.body.to_string().contains("13812345678"), "never the phone: {resolved:?}");
    // The citizen answers the return visit: the request closes.
    let (status, page) = jiesu_e2e::citizen::give_visit(&app.base, &id, "5678", &[("solved", "yes")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let got = accepted(&receiver, 4, Duration::from_secs(30)).await;
    assert_eq!(topics(&got), ["closed", "dispatched", "received", "resolved"], "once each: {got:?}");
    assert!(receiver.rejected().is_empty(), "every call signed and fresh: {:?}", receiver.rejected());
    assert_eq!(receiver.repeats(), 0);
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    assert!(!case["history"].to_string().contains("回调"), "calls between machines are not in the history");

    // Removed on the page: the next request reaches it no more.
    c.goto(&format!("{}/staff/admin/webhooks", app.base)).await.expect("the list");
    click_confirmed(c, "#webhooks li form button").await;
    assert!(text(c, "#flash").await.contains("回调地址已删除"));
    browser.close().await;
    let other = citizen.post(&FIELDS, None).await.expect("POST").id();
    citizen.wait_for(&other, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.accepted().len(), 4, "nothing after the removal");
    let root = jiesu_e2e::pages::PageSession::sign_in(&app.base, "root").await;
    let (_, log) = root.get("/staff/admin/audit?who=root").await;
    assert!(log.contains("登记回调地址") && log.contains("删除回调地址"), "both in the audit log");
    app.stop().await;
}

async fn a_receiver_down_for_a_while_gets_every_call_once_when_it_is_back(backend: Backend) {
    let key = backend.api_key("app").await;
    let receiver = FakeReceiver::start("").await.expect("receiver");
    receiver.set_mode(ReceiverMode::Down);
    // Registered as an operator would, on the command line; only received, say.
    let out = cli(&backend, &["webhook", "add", "--client", "app", "--topics", "received", &receiver.url()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let secret = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    receiver.set_secret(&secret);
    let listed = cli(&backend, &["webhook", "list"]);
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(listed.contains(&receiver.url()) && listed.contains("received\tactive"), "{listed}");
    assert!(!listed.contains(&secret), "list never shows the secret");

    let app = backend.start_with(Roles::ALL, webhooks_on).await;
    let citizen = Open311Client::new(&app.base, &key);
    for _ in 0..10 {
        citizen.post(&FIELDS, None).await.expect("POST");
    }
    // A try is counted when the row is taken, before the call: a third taking means the second
    // call was answered (refused).
    let retried =
        "SELECT count(*) FROM notifications WHERE via = 'webhook' AND attempts >= 3 AND state = 'pending'";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while backend.count(retried).await < 10 {
        assert!(tokio::time::Instant::now() < deadline, "not retried: {}", backend.count(retried).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(receiver.refused() >= 20, "each tried at least twice: {}", receiver.refused());
    receiver.set_mode(ReceiverMode::Up);
    let got = accepted(&receiver, 10, Duration::from_secs(60)).await;
    assert_eq!(got.len(), 10, "one receipt per request, none twice");
    assert!(got.iter().all(|h| h.event == "received"));
    assert_eq!(receiver.repeats(), 0);
    assert!(receiver.rejected().is_empty(), "{:?}", receiver.rejected());
    let sent = "SELECT count(*) FROM notifications WHERE via = 'webhook' AND state = 'sent'";
    assert_eq!(backend.count(sent).await, 10);
    app.stop().await;
}
