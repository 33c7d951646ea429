//! A confidential (保密) hotline order, end to end on both backends: the public never sees it
//! (Open311 list and GET, in JSON and XML, answer as if it did not exist), the bureau handling it
//! sees "保密" instead of the caller, the desk sees the caller and may read the number (each
//! reading recorded in the history), and the citizen still follows it on the tracking page.

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::Backend;
use jiesu_e2e::client::{accepted_work_order, noise_order};
use jiesu_e2e::staff::StaffClient;
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(a_confidential_order_is_kept_from_the_public_and_from_the_bureau);

const NOISE: &str = "金沙社区旁工地每晚十一点后仍在施工";

async fn open311(base: &str, path: &str) -> (StatusCode, String) {
    let resp = reqwest::get(format!("{base}/open311/v2/{path}")).await.expect("GET");
    (resp.status(), resp.text().await.expect("body"))
}

async fn a_confidential_order_is_kept_from_the_public_and_from_the_bureau(backend: Backend) {
    let key = backend.hotline_key("12345 call centre").await;
    backend.add_staff("eco-staff", StaffRole::BureauStaff, Some("ecology-environment")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    backend.add_staff("watcher", StaffRole::Supervisor, None).await;
    backend.add_staff("root", StaffRole::Admin, None).await;
    let app = backend.start(Roles::ALL).await;
    let public = accepted_work_order(&app.base, &key, &noise_order("GD20261122000501", false, NOISE)).await;
    let secret = accepted_work_order(&app.base, &key, &noise_order("GD20261122000502", true, NOISE)).await;
    let desk = StaffClient::login(&app.base, "desk").await;
    let stored = |v: &Value| v["request"]["tracking"].is_string();
    desk.get_until(&format!("/api/v1/requests/{public}"), stored).await;
    let case = desk.get_until(&format!("/api/v1/requests/{secret}"), stored).await;

    // The public: the list has the public order only; the confidential one is "not found".
    for list in ["requests.json", "requests.xml"] {
        let (status, body) = open311(&app.base, list).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains(&public), "{list} lists the public order: {body}");
        assert!(!body.contains(&secret), "{list} shows the confidential order: {body}");
    }
    let (_, asked) = open311(&app.base, &format!("requests.json?service_request_id={secret},{public}")).await;
    assert!(!asked.contains(&secret) && asked.contains(&public), "asked for by number: {asked}");
    for one in
        [format!("requests/{secret}.json"), format!("requests/{secret}.xml"), format!("tokens/{secret}.json")]
    {
        let (status, body) = open311(&app.base, &one).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{one}: {body}");
        let (unknown, _) = open311(&app.base, &one.replace(&secret, "0000-0000-0000")).await;
        assert_eq!(status, unknown, "{one}: answered exactly as an unknown number");
        assert!(!body.contains("金沙社区"), "{one}: {body}");
    }

    // The desk sees the caller, masked so that the tracking page's digits are not shown.
    let contact = &case["request"]["contact"];
    assert_eq!(contact["name"], "张先生");
    assert_eq!(contact["phone"], "139********");
    assert_eq!(contact["confidential"], true);

    // The bureau handling it, and a supervisor, see that the caller asked to stay unnamed.
    let eco = StaffClient::login(&app.base, "eco-staff").await;
    let task = eco.task_for(&secret, "dispatched").await.expect("the bureau's task");
    let (status, seen) = eco.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let theirs = &seen["case"]["request"]["contact"];
    assert_eq!((theirs["name"].as_str(), theirs["phone"].as_str()), (Some("保密"), None), "{theirs}");
    assert!(!seen.to_string().contains("张先生"), "the caller's name reached the bureau: {seen}");
    let watcher = StaffClient::login(&app.base, "watcher").await;
    let (_, supervised) = watcher.get(&format!("/api/v1/requests/{secret}")).await;
    assert_eq!(supervised["request"]["contact"]["name"], "保密", "{supervised}");

    // Only the desk reads the number, and each reading is in the history with who read it.
    let (status, refused) = eco.post(&format!("/api/v1/requests/{secret}/reveal-phone"), json!({})).await;
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}: {refused}");
    assert!(!refused.to_string().contains("13912345678"));
    let revealed = desk.ok(&format!("/api/v1/requests/{secret}/reveal-phone"), json!({})).await;
    assert_eq!(revealed["phone"], "13912345678");
    desk.ok(&format!("/api/v1/requests/{secret}/reveal-phone"), json!({})).await;
    let (_, after) = desk.get(&format!("/api/v1/requests/{secret}")).await;
    let readings: Vec<&Value> = after["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["type"] == "phone_revealed")
        .collect();
    assert_eq!(readings.len(), 2, "every reading is recorded: {}", after["history"]);
    assert!(readings.iter().all(|h| h["actor"].to_string().contains("desk")), "{readings:?}");
    // Administrators review every reading across requests in the audit log; the number is not there.
    let root = jiesu_e2e::pages::PageSession::sign_in(&app.base, "root").await;
    let (_, log) = root.get("/staff/admin/audit.csv?action=phone_revealed").await;
    let read: Vec<&str> = log.lines().skip(1).collect();
    assert_eq!(read.len(), 2, "{log}");
    assert!(read.iter().all(|l| l.contains(",desk,phone_revealed,")), "{log}");
    assert!(!log.contains("13912345678"));

    // The caller follows it on the tracking page, with the digits they know.
    let (status, page) = jiesu_e2e::citizen::track(&app.base, &secret, "5678").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("金沙社区旁工地"), "the citizen's own page shows it");
    app.stop().await;
}
