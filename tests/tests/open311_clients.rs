//! Open311 as third parties see it: every reply validated against the published GeoReport v2
//! JSON schemas, read by the PyPI `georeport` client (JSON and XML), and a request submitted and
//! read back by Code for America's npm `open311` client. On both backends.

use std::process::Command;

use jiesu::Roles;
use jiesu_e2e::Backend;
use jiesu_e2e::peers::{node_open311, python, run, workspace};

jiesu_e2e::e2e_on_both_backends!(
    every_reply_validates_against_the_published_schemas_and_georeport_reads_them,
    a_third_party_client_submits_a_request_and_reads_it_back,
);

async fn every_reply_validates_against_the_published_schemas_and_georeport_reads_them(backend: Backend) {
    let python = python();
    let key = backend.api_key("schema-check").await;
    let app = backend.start(Roles::ALL).await;
    let base = format!("{}/open311/v2", app.base);
    let script = workspace().join("tests/open311/check.py");
    let out = tokio::task::spawn_blocking(move || {
        run(Command::new(python).arg(script).args(["--base", &base, "--api-key", &key]).args([
            "--service-code",
            "010101",
            "--lat",
            "22.742",
            "--long",
            "114.387",
        ]))
    })
    .await
    .expect("check.py ran");
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}");
    assert!(report.contains(" 0 failed"), "{report}");
    app.stop().await;
}

async fn a_third_party_client_submits_a_request_and_reads_it_back(backend: Backend) {
    let dir = node_open311();
    let key = backend.api_key("node-open311").await;
    let app = backend.start(Roles::ALL).await;
    let base = format!("{}/open311/v2", app.base);
    let script = workspace().join("tests/open311/node-client.js");
    let out = tokio::task::spawn_blocking(move || {
        run(Command::new("node").arg(script).args([&base, &key]).env("NODE_PATH", dir.join("node_modules")))
    })
    .await
    .expect("the client ran");
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the client prints JSON");
    assert_eq!(result["service"]["service_name"], "路灯不亮");
    assert_eq!(result["definition"]["attributes"][0]["code"], "lamps_out");
    let record = &result["record"];
    assert_eq!(record["service_request_id"], result["id"]);
    assert_eq!(record["agency_responsible"], "坪山区城市管理和综合执法局");
    assert_eq!(record["description"], "第三方客户端提交：秀新路口路灯不亮");
    app.stop().await;
}
