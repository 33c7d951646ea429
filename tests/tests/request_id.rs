//! The HTTP request id follows a request through the pipeline, on both backends: the id a client
//! sent (`x-request-id: abc`), or the one the HTTP layer made, is echoed in the answer, rides the
//! intake message's headers to the dispatcher, and is stamped on the events the dispatcher writes
//! for the request (`request_received`, `request_routed`).

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::event::Event;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::Store;
use jiesu_e2e::backend::Kind;
use jiesu_e2e::client::enc;
use jiesu_e2e::{Backend, Open311Client};
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore};

jiesu_e2e::e2e_on_both_backends!(the_events_of_a_posted_request_carry_its_http_request_id);

async fn the_events_of_a_posted_request_carry_its_http_request_id(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, &key);

    let (echoed, tracking) = post(&app.base, &key, Some("abc")).await;
    assert_eq!(echoed, "abc", "the client's id is kept and echoed");
    client.wait_for(tracking.as_str(), Duration::from_secs(10)).await;
    for e in dispatched_events(&backend, &tracking).await {
        assert_eq!(e.http_request_id.as_deref(), Some("abc"), "{}", e.kind.name());
    }

    // Without one, the id the HTTP layer made is the one the events carry.
    let (made, tracking) = post(&app.base, &key, None).await;
    assert!(!made.is_empty() && made != "abc", "{made}");
    client.wait_for(tracking.as_str(), Duration::from_secs(10)).await;
    for e in dispatched_events(&backend, &tracking).await {
        assert_eq!(e.http_request_id.as_deref(), Some(made.as_str()), "{}", e.kind.name());
    }
    app.stop().await;
}

/// POSTs a request; returns the `x-request-id` answered and the tracking number.
async fn post(base: &str, key: &str, request_id: Option<&str>) -> (String, TrackingNumber) {
    let fields = [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("api_key", key)];
    let body = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
    let mut req = reqwest::Client::new()
        .post(format!("{base}/open311/v2/requests.json"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(id) = request_id {
        req = req.header("x-request-id", id);
    }
    let resp = req.send().await.expect("POST");
    assert!(resp.status().is_success(), "{}", resp.status());
    let echoed =
        resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let reply: serde_json::Value = resp.json().await.expect("JSON");
    let tracking = reply[0]["service_request_id"].as_str().expect("service_request_id");
    (echoed, TrackingNumber::parse(tracking).expect("a tracking number"))
}

/// The stored `request_received` and `request_routed` events of a request (both must be there).
async fn dispatched_events(backend: &Backend, tracking: &TrackingNumber) -> Vec<Event> {
    let events = match backend.kind {
        Kind::Embedded { .. } => {
            let pools =
                SqlitePools::open(&backend.database_url, &SqliteSettings::default()).await.expect("open");
            let events = events_of(&SqliteStore::new(pools.clone()), tracking).await;
            pools.close().await;
            events
        }
        Kind::AtScale { .. } => {
            let settings = PgSettings { max_connections: 1, ..PgSettings::default() };
            let store = PgStore::connect(&backend.database_url, &settings).await.expect("connect");
            let events = events_of(&store, tracking).await;
            store.close().await;
            events
        }
    };
    let names: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(names, ["request_received", "request_routed"], "the dispatcher's events");
    events
}

async fn events_of<S: Store>(store: &S, tracking: &TrackingNumber) -> Vec<Event> {
    let view = store.request_by_tracking(tracking).await.expect("read").expect("stored");
    let all = store.request_events(view.request.submitted.id).await.expect("events");
    all.into_iter().filter(|e| matches!(e.kind.name(), "request_received" | "request_routed")).collect()
}
