//! The district reloads while the service runs: a changed rule file routes the next request
//! differently, a broken one is refused and changes nothing, and no request is lost meanwhile.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::{Backend, Open311Client};

jiesu_e2e::e2e_on_both_backends!(
    a_changed_rule_file_routes_the_next_request_without_a_restart,
    sighup_reloads_the_district_of_a_running_process,
);

const OVERRIDE: &str = r#"version = "2026-11-30-test"

[[rule]]
id = "kengzi-street-lights-test"
categories = ["010101"]
areas = ["pingshan.kengzi"]
lead = "transport"
note = "A test override: Kengzi's street lights go to transport"
"#;

async fn agency(client: &Open311Client) -> String {
    let fields =
        [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("description", "路灯不亮")];
    let id = client.post(&fields, None).await.expect("POST").id();
    let record = client.wait_for(&id, Duration::from_secs(10)).await;
    record["agency_responsible"].as_str().expect("routed").to_owned()
}

/// Posts 40 requests in the background, 50 ms apart; their ids.
fn keep_posting(client: &Open311Client) -> tokio::task::JoinHandle<Vec<String>> {
    let client = client.clone();
    tokio::spawn(async move {
        let mut ids = Vec::new();
        for i in 0..40 {
            let d = format!("重载期间的第{i}个诉求");
            let fields =
                [("service_code", "990101"), ("lat", "22.755"), ("long", "114.315"), ("description", &d)];
            ids.push(client.post(&fields, None).await.expect("POST").id());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ids
    })
}

/// Posts until the answer changes from `from`, at most `within`.
async fn wait_for_change(client: &Open311Client, from: &str, within: Duration) -> String {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let now = agency(client).await;
        if now != from || tokio::time::Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn a_changed_rule_file_routes_the_next_request_without_a_restart(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    jiesu_e2e::copy_sample_district(dir.path());
    let key = backend.api_key("e2e").await;
    backend.add_staff("root", StaffRole::Admin, None).await;
    let app = backend
        .start_with(Roles::ALL, |s| {
            s.district.dir = dir.path().to_owned();
            s.district.reload_secs = 1;
        })
        .await;
    let client = Open311Client::new(&app.base, &key);
    let before = agency(&client).await;
    assert_eq!(before, "坪山区城市管理和综合执法局");
    let stored_before = backend.count_requests().await;

    // Requests keep coming while the rules change under them.
    let background = keep_posting(&client);
    std::fs::write(dir.path().join("rules/zz-test-override.toml"), OVERRIDE).expect("write rule file");
    let after = wait_for_change(&client, &before, Duration::from_secs(15)).await;
    assert_eq!(after, "坪山区交通运输局", "the new rule is in force");

    // A broken file is refused: the district in force stays.
    std::fs::write(dir.path().join("rules/zz-broken.toml"), "version = \"x\"\n[[rule]]\nid = \"broken\"\n")
        .expect("write");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(agency(&client).await, "坪山区交通运输局", "a broken edit changes nothing");
    // The administrators see both: the rule in force with where it is written, and the refusal.
    let root = jiesu_e2e::pages::PageSession::sign_in(&app.base, "root").await;
    let (_, page) = root.get("/staff/admin/district?q=kengzi-street-lights").await;
    let row = page.split("id=\"rule-kengzi-street-lights-test\"").nth(1).expect("the new rule listed");
    let row = row.split("</tr>").next().expect("its row");
    assert!(row.contains("zz-test-override.toml:3"), "its file and line: {row}");
    let refused = page.split("id=\"refused\"").nth(1).expect("the refusal shown");
    assert!(refused.contains("zz-broken.toml"), "{refused}");

    let ids = background.await.expect("background posts");
    for id in &ids {
        client.wait_for(id, Duration::from_secs(10)).await;
    }
    let posted = ids.len() as i64 + 2; // and at least two lamp requests after the count
    assert!(backend.count_requests().await >= stored_before + posted, "no request lost during reloads");
    app.stop().await;
}

/// With polling off, a running `jiesu serve` reloads on SIGHUP (as `systemctl reload` sends).
async fn sighup_reloads_the_district_of_a_running_process(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    jiesu_e2e::copy_sample_district(dir.path());
    let key = backend.api_key("e2e").await;
    let district = dir.path().display().to_string();
    let env = [("JIESU__DISTRICT__DIR", district.as_str()), ("JIESU__DISTRICT__RELOAD_SECS", "0")];
    let server =
        jiesu_e2e::process::Server::start_with(env!("CARGO_BIN_EXE_jiesu-under-test"), &backend, &env).await;
    let client = Open311Client::new(&server.base, &key);
    assert_eq!(agency(&client).await, "坪山区城市管理和综合执法局");
    std::fs::write(dir.path().join("rules/zz-test-override.toml"), OVERRIDE).expect("write rule file");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(agency(&client).await, "坪山区城市管理和综合执法局", "no polling: nothing changes yet");
    let background = keep_posting(&client);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = std::process::Command::new("kill").args(["-HUP", &server.pid().to_string()]).status();
    assert!(sent.is_ok_and(|s| s.success()), "send SIGHUP");
    let after = wait_for_change(&client, "坪山区城市管理和综合执法局", Duration::from_secs(15)).await;
    assert_eq!(after, "坪山区交通运输局");
    // Nothing posted around the reload was lost.
    for id in background.await.expect("background posts") {
        client.wait_for(&id, Duration::from_secs(10)).await;
    }
    assert_eq!(server.terminate().await.code(), Some(0), "and it still stops cleanly");
}
