//! Citizens' phone numbers never reach the logs, even at the most verbose level.

use std::time::Duration;

use jiesu_e2e::process::Server;
use jiesu_e2e::{Backend, Open311Client};

const JIESU: &str = env!("CARGO_BIN_EXE_jiesu-under-test");

jiesu_e2e::e2e_on_both_backends!(
    a_phone_number_never_appears_in_the_logs,
    a_wechat_openid_never_appears_in_the_logs
);

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
    let output = server.output.clone();
    assert!(server.terminate().await.success());
    let logs = output.lock().expect("lock").join("\n");
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
        assert_eq!(status, reqwest::StatusCode::OK);
    }
    let output = server.output.clone();
    assert!(server.terminate().await.success());
    let logs = output.lock().expect("lock").join("\n");
    assert!(logs.contains("WeChat request received"), "the logs do show the request");
    assert!(!logs.contains(openid), "an OpenID leaked into the logs");
}
