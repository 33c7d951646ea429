//! Citizens' phone numbers never reach the logs, even at the most verbose level: given over
//! Open311, by the 12345 call centre, or typed into the web form. Nor do WeChat OpenIDs.

use std::time::Duration;

use jiesu_e2e::process::Server;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use reqwest::multipart::Form;
use serde_json::{Value, json};

const JIESU: &str = env!("CARGO_BIN_EXE_jiesu-under-test");

jiesu_e2e::e2e_on_both_backends!(
    a_phone_number_never_appears_in_the_logs,
    a_wechat_openid_never_appears_in_the_logs,
    a_hotline_caller_number_never_appears_in_the_logs,
    a_web_form_phone_number_never_appears_in_the_logs,
);

/// Stops the server and returns everything it logged.
async fn logs_of(server: Server) -> String {
    let output = server.output.clone();
    assert!(server.terminate().await.success());
    output.lock().expect("lock").join("\n")
}

async fn a_phone_number_never_appears_in_the_logs(backend: Backend) {
    let key = backend.api_key("privacy").await;
    let server = Server::start_with(JIESU, &backend, &[("JIESU__LOG__FILTER", "trace")]).await;
    let client = Open311Client::new(&server.base, &key);
    let phone = "13912345678";
    let id = client
        .post(&[("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", phone)], None)
        .await
        .expect("POST")
        .id();
    client.wait_for(&id, Duration::from_secs(10)).await;
    let logs = logs_of(server).await;
    assert!(logs.contains(&id), "the logs do show the request (at trace level)");
    assert!(!logs.contains(phone), "a phone number leaked into the logs");
    assert!(!logs.contains("912345678"), "not even most of it");
}

async fn a_wechat_openid_never_appears_in_the_logs(backend: Backend) {
    use jiesu_e2e::wechat::{message, push, send};
    let server = Server::start_with(JIESU, &backend, &[("JIESU__LOG__FILTER", "trace")]).await;
    let openid = "oPrivacyTestOpenId1234567890";
    for (id, kind) in [
        ("9001", vec!["--type", "text", "--content", "井盖丢了"]),
        ("9002", vec!["--type", "location", "--lat", "22.7393", "--lng", "114.3918"]),
        ("9003", vec!["--type", "text", "--content", "提交"]),
    ] {
        // WeChat puts the OpenID in the query string too (`openid=`), which is where URIs get logged.
        let mut p = push(&message(openid, Some(id), &kind), true, None, None);
        p.query.retain(|(k, _)| k != "openid");
        p.query.push(("openid".into(), openid.into()));
        let (status, _) = send(&server.base, &p).await;
        assert_eq!(status, StatusCode::OK);
    }
    // 我的诉求: the list's link, and the list read by the OpenID it seals.
    let (_, body) = send(
        &server.base,
        &push(&message(openid, Some("9004"), &["--type", "text", "--content", "我的诉求"]), true, None, None),
    )
    .await;
    let reply = jiesu_e2e::wechat::decrypt_reply(&body)["Content"].as_str().unwrap_or_default().to_owned();
    let token = reply.split("/track/mine?t=").nth(1).expect("a list link").trim().to_owned();
    let list = format!("{}/track/mine?t={token}", server.base);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !reqwest::get(&list).await.expect("GET").text().await.expect("page").contains("id=\"mine\"") {
        assert!(std::time::Instant::now() < deadline, "the list never showed the request");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logs = logs_of(server).await;
    assert!(logs.contains("WeChat request received"), "the logs do show the request");
    assert!(!logs.contains(openid), "an OpenID leaked into the logs");
}

async fn a_hotline_caller_number_never_appears_in_the_logs(backend: Backend) {
    let key = backend.hotline_key("12345 call centre").await;
    let server = Server::start_with(JIESU, &backend, &[("JIESU__LOG__FILTER", "trace")]).await;
    let http = reqwest::Client::new();
    let push = |body: Value| {
        let request =
            http.post(format!("{}/hotline/v1/work-orders", server.base)).bearer_auth(&key).json(&body).send();
        async move {
            let resp = request.await.expect("POST work order");
            (resp.status(), resp.json::<Value>().await.expect("JSON reply"))
        }
    };
    let order = |no: &str, caller: &str| {
        json!({
            "order_no": no,
            "call_time": "2026-11-22T09:15:00+08:00",
            "caller_number": caller,
            "caller_name": "王女士",
            "kind": "投诉",
            "category": "施工噪声",
            "content": "工地夜间施工",
            "street": "坑梓街道",
            "community": "金沙社区",
        })
    };
    let (mobile, landline, mistyped) = ("13698765432", "0755-28331234", "1369876543");
    let mut tracking = Vec::new();
    for (no, caller) in [("GD20261122009001", mobile), ("GD20261122009002", landline)] {
        let (status, reply) = push(order(no, caller)).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        tracking.push(reply["tracking_number"].as_str().expect("tracking number").to_owned());
    }
    // A number the call centre mistyped is refused by name, and is not logged either.
    let (status, reply) = push(order("GD20261122009003", mistyped)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(reply["error"]["field"], "caller_number");
    let reader = Open311Client::new(&server.base, "");
    for t in &tracking {
        reader.wait_for(t, Duration::from_secs(10)).await;
    }
    let logs = logs_of(server).await;
    assert!(tracking.iter().all(|t| logs.contains(t.as_str())), "the logs do show the work orders");
    assert!(!logs.contains(mobile), "a caller's number leaked into the logs");
    assert!(!logs.contains("698765432"), "not even most of it");
    assert!(!logs.contains("28331234"), "a landline leaked into the logs");
    assert!(!logs.contains(mistyped), "a refused caller_number leaked into the logs");
}

async fn a_web_form_phone_number_never_appears_in_the_logs(backend: Backend) {
    let server = Server::start_with(JIESU, &backend, &[("JIESU__LOG__FILTER", "trace")]).await;
    let (typed, phone) = ("137 2468 1357", "13724681357");
    let form = |token: &str, category: &str| {
        Form::new()
            .text("form_token", token.to_owned())
            .text("lang", "zh")
            .text("category", category.to_owned())
            .text("kind", "help")
            .text("description", "路灯不亮")
            .text("address", "坑梓街道秀新路")
            .text("phone", typed)
    };
    let http = reqwest::Client::new();
    let post = |f: Form| {
        let request = http.post(format!("{}/requests", server.base)).multipart(f).send();
        async move {
            let resp = request.await.expect("POST");
            (resp.status(), resp.text().await.expect("page"))
        }
    };
    // Refused (no category): the page gives the number back to the citizen, not to the logs.
    let (status, page) = post(form("privacy-1", "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains(typed), "what was typed is kept in the form");
    let (status, page) = post(form("privacy-2", "010101")).await;
    assert_eq!(status, StatusCode::OK);
    let tracking =
        page.split("id=\"tracking\">").nth(1).map(|s| s[..14].replace('-', "")).expect("a tracking number");
    Open311Client::new(&server.base, "").wait_for(&tracking, Duration::from_secs(10)).await;
    // The citizen proves the request theirs with the last four digits.
    let resp = http
        .post(format!("{}/track", server.base))
        .form(&[("n", tracking.as_str()), ("last4", "1357")])
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::OK);
    let logs = logs_of(server).await;
    assert!(logs.contains(&tracking), "the logs do show the request (at trace level)");
    assert!(!logs.contains(phone), "a phone number leaked into the logs");
    assert!(!logs.contains(typed), "a phone number leaked into the logs as typed");
    assert!(!logs.contains("724681357"), "not even most of it");
}
