//! Nothing answered is lost: requests that got an id survive the process being killed outright
//! (SIGKILL) or stopped (SIGTERM), on both backends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiesu_e2e::process::Server;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;

const JIESU: &str = env!("CARGO_BIN_EXE_jiesu-under-test");

jiesu_e2e::e2e_on_both_backends!(
    requests_answered_before_a_sigkill_survive_it,
    sigterm_finishes_in_flight_work_and_exits_cleanly,
    sigint_finishes_in_flight_work_and_exits_cleanly,
);

/// Posts from `workers` concurrent clients until the server stops answering; returns every id
/// the server handed out.
async fn load(
    client: &Open311Client,
    workers: usize,
    stop_after: Duration,
    stop: impl Future<Output = ()>,
) -> Vec<String> {
    let answered = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let (client, answered) = (client.clone(), answered.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let description = format!("worker {w} request {i}");
                    let fields = [
                        ("service_code", "010101"),
                        ("lat", "22.742"),
                        ("long", "114.387"),
                        ("description", description.as_str()),
                    ];
                    match client.post(&fields, None).await {
                        Ok(r) if r.status == StatusCode::OK => answered.lock().expect("lock").push(r.id()),
                        Ok(r) => assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body),
                        Err(_) => break, // the server is gone
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(stop_after).await;
    stop.await;
    for t in tasks {
        t.await.expect("worker");
    }
    answered.lock().expect("lock").clone()
}

async fn all_stored(backend: &Backend, key: &str, ids: &[String]) {
    let server = Server::start(JIESU, backend).await;
    let client = Open311Client::new(&server.base, key);
    for id in ids {
        let record = client.wait_for(id, Duration::from_secs(60)).await;
        assert_eq!(record["agency_responsible"], "坪山区城市管理和综合执法局");
    }
    assert!(backend.count_requests().await >= ids.len() as i64);
    assert!(server.terminate().await.success());
}

async fn requests_answered_before_a_sigkill_survive_it(backend: Backend) {
    let key = backend.api_key("load").await;
    let server = Server::start(JIESU, &backend).await;
    let client = Open311Client::new(&server.base, &key);
    let ids = load(&client, 8, Duration::from_millis(1500), server.kill_hard()).await;
    eprintln!("{}: {} requests answered before SIGKILL", backend.name(), ids.len());
    assert!(ids.len() >= 20, "the load reached the server ({} answered)", ids.len());
    all_stored(&backend, &key, &ids).await;
}

async fn sigterm_finishes_in_flight_work_and_exits_cleanly(backend: Backend) {
    stops_cleanly(backend, "SIGTERM").await;
}

async fn sigint_finishes_in_flight_work_and_exits_cleanly(backend: Backend) {
    stops_cleanly(backend, "SIGINT").await;
}

async fn stops_cleanly(backend: Backend, signal: &'static str) {
    let key = backend.api_key("load").await;
    let server = Server::start(JIESU, &backend).await;
    let client = Open311Client::new(&server.base, &key);
    let exit = Arc::new(Mutex::new(None));
    let exit_in = exit.clone();
    let ids = load(&client, 8, Duration::from_millis(1000), async move {
        let status = if signal == "SIGINT" { server.interrupt().await } else { server.terminate().await };
        *exit_in.lock().expect("lock") = Some(status);
    })
    .await;
    let status = exit.lock().expect("lock").take().expect("exited");
    assert!(status.success(), "exit status {status:?}");
    eprintln!("{}: {} requests answered before {signal}", backend.name(), ids.len());
    all_stored(&backend, &key, &ids).await;
}
