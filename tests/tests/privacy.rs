//! Citizens' phone numbers never reach the logs, even at the most verbose level.

use std::time::Duration;

use jiesu_e2e::process::Server;
use jiesu_e2e::{Backend, Open311Client};

const JIESU: &str = env!("CARGO_BIN_EXE_jiesu-under-test");

jiesu_e2e::e2e_on_both_backends!(a_phone_number_never_appears_in_the_logs);

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
