//! `/readyz` answers within a second, whatever the database or the broker does, and says which
//! of the checks this process's roles need has failed.

use std::time::{Duration, Instant};

use jiesu::{Role, Roles};
use jiesu_e2e::Backend;
use jiesu_e2e::proxy::Proxy;
use jiesu_testkit::pg::TestDatabase;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

/// One probe: its status, body and how long it took.
async fn readyz(base: &str) -> (StatusCode, Value, Duration) {
    let started = Instant::now();
    let resp = reqwest::get(format!("{base}/readyz")).await.expect("GET /readyz");
    let status = resp.status();
    let body = resp.json().await.expect("a JSON body");
    (status, body, started.elapsed())
}

/// Probes until the status is `want`, for a few seconds at most; returns the last probe.
async fn until(base: &str, want: StatusCode) -> (StatusCode, Value, Duration) {
    let started = Instant::now();
    loop {
        let probe = readyz(base).await;
        if probe.0 == want || started.elapsed() > Duration::from_secs(10) {
            return probe;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hanging_database_makes_the_api_unready_within_a_second() {
    let backend = Backend::at_scale().await;
    let proxy = Proxy::in_front_of(&backend.database_url).await;
    let url = proxy.url(&backend.database_url);
    let app = backend
        .start_with(Roles::from_list(&[Role::Api]), |s| s.database.url = SecretString::from(url))
        .await;
    let (status, body, _) = readyz(&app.base).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"ready": true, "checks": {"database": "ok"}})));

    proxy.freeze();
    let (status, body, took) = readyz(&app.base).await;
    eprintln!("a hanging database: {status} after {took:?}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, json!({"ready": false, "checks": {"database": "timeout"}}));
    assert!(took < Duration::from_secs(1), "answered after {took:?}");

    proxy.thaw();
    assert_eq!(until(&app.base, StatusCode::OK).await.0, StatusCode::OK, "ready again");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_refusing_connections_makes_the_dispatcher_unready() {
    let backend = Backend::at_scale().await;
    let app = backend.start(Roles::from_list(&[Role::Api, Role::Dispatch])).await;
    assert_eq!(readyz(&app.base).await.0, StatusCode::OK);
    let jiesu_e2e::backend::Kind::AtScale { db, .. } = &backend.kind else { unreachable!("at scale") };
    refuse_connections(db, true).await;
    let (status, body, took) = until(&app.base, StatusCode::SERVICE_UNAVAILABLE).await;
    eprintln!("a refusing database: {status} after {took:?}");
    assert_eq!(body["ready"], false, "{body}");
    assert_ne!(body["checks"]["database"], "ok", "{body}");
    assert!(took < Duration::from_secs(1), "answered after {took:?}");
    refuse_connections(db, false).await;
    assert_eq!(until(&app.base, StatusCode::OK).await.0, StatusCode::OK, "ready again");
    app.stop().await;
}

/// A dispatcher alone has no HTTP role: it serves its readiness on `server.ops_listen`, and it
/// is not ready when it cannot store; nothing else is served there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dispatcher_alone_answers_readiness_on_its_ops_address() {
    let backend = Backend::at_scale().await;
    let app = backend
        .start_with(Roles::from_list(&[Role::Dispatch]), |s| {
            s.server.ops_listen = Some("127.0.0.1:0".parse().expect("address"));
        })
        .await;
    assert!(!app.base.is_empty(), "the dispatcher listens on its ops address");
    let (status, body, _) = readyz(&app.base).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"ready": true, "checks": {"database": "ok"}})));
    let elsewhere = reqwest::get(format!("{}/open311/v2/requests.json", app.base)).await.expect("GET");
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND, "no API on the ops address");
    let jiesu_e2e::backend::Kind::AtScale { db, .. } = &backend.kind else { unreachable!("at scale") };
    refuse_connections(db, true).await;
    let (status, body, took) = until(&app.base, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took < Duration::from_secs(1), "answered after {took:?}");
    refuse_connections(db, false).await;
    assert_eq!(until(&app.base, StatusCode::OK).await.0, StatusCode::OK, "ready again");
    app.stop().await;
}

/// `ALLOW_CONNECTIONS false` and the open connections ended: the database refuses everyone.
async fn refuse_connections(db: &TestDatabase, refuse: bool) {
    db.admin(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS {}", db.name(), !refuse)).await;
    if refuse {
        let name = db.name();
        db.admin(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn intake_without_its_broker_is_unready_and_says_the_queue_failed() {
    let backend = Backend::at_scale().await;
    let proxy = Proxy::in_front_of(&backend.queue_url).await;
    let url = proxy.url(&backend.queue_url);
    let app = backend
        .start_with(Roles::from_list(&[Role::Intake]), |s| s.queue.url = SecretString::from(url))
        .await;
    let (status, body, _) = readyz(&app.base).await;
    // Intake keeps accepting through a database outage (API keys are cached): only the queue counts.
    assert_eq!((status, body), (StatusCode::OK, json!({"ready": true, "checks": {"queue": "ok"}})));

    proxy.close();
    let (status, body, took) = until(&app.base, StatusCode::SERVICE_UNAVAILABLE).await;
    eprintln!("no broker: {status} after {took:?}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["checks"]["queue"], "unavailable", "{body}");
    assert!(took < Duration::from_secs(1), "answered after {took:?}");
    app.stop().await;
}
