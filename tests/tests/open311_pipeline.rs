//! A request posted over Open311 reaches the queue, the dispatcher routes it, and anyone can read
//! who handles it: the acceptance path, on both backends.

use std::time::Duration;

use jiesu::Roles;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;

jiesu_e2e::e2e_on_both_backends!(
    a_posted_request_is_routed_to_the_bureau_the_rules_name,
    a_request_no_rule_covers_goes_to_its_street_office,
    the_same_idempotency_key_stores_one_request,
    bad_input_gets_an_open311_error_and_nothing_is_queued,
    an_unknown_request_id_is_a_404,
);

const SOON: Duration = Duration::from_secs(10);

async fn a_posted_request_is_routed_to_the_bureau_the_rules_name(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, &key);
    let reply = client
        .post(
            &[
                ("service_code", "010101"),
                ("lat", "22.742"),
                ("long", "114.387"),
                ("description", "秀新路口的路灯连续三晚不亮"),
                ("phone", "13812345678"),
            ],
            None,
        )
        .await
        .expect("POST");
    let id = reply.id();
    let started = std::time::Instant::now();
    let record = client.wait_for(&id, SOON).await;
    eprintln!("{}: routed {:?} after posting", backend.name(), started.elapsed());
    assert_eq!(record["status"], "open");
    assert_eq!(record["status_notes"], "dispatched: 已派单");
    assert_eq!(record["agency_responsible"], "坪山区城市管理和综合执法局");
    assert_eq!(record["service_code"], "010101", "codes are strings");
    assert_eq!(record["service_name"], "路灯不亮");
    assert_eq!(record["description"], "秀新路口的路灯连续三晚不亮");
    assert!(record["requested_datetime"].as_str().is_some_and(|t| t.ends_with("+08:00")));
    assert!(record.get("phone").is_none(), "contact details are not public");
    app.stop().await;
}

async fn a_request_no_rule_covers_goes_to_its_street_office(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, &key);
    // 其他 (no rule), a point inside 龙田街道 but outside its communities.
    let by_point =
        client.post(&[("service_code", "990101"), ("lat", "22.755"), ("long", "114.315")], None).await;
    let record = client.wait_for(&by_point.expect("POST").id(), SOON).await;
    assert_eq!(record["agency_responsible"], "龙田街道办事处");
    // Only an address: placed by the gazetteer.
    let by_address = client
        .post(&[("service_code", "990101"), ("address_string", "坪山区碧岭街道某小区门口")], None)
        .await;
    let record = client.wait_for(&by_address.expect("POST").id(), SOON).await;
    assert_eq!(record["agency_responsible"], "碧岭街道办事处");
    app.stop().await;
}

async fn the_same_idempotency_key_stores_one_request(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, &key);
    let form =
        [("service_code", "010102"), ("lat", "22.685"), ("long", "114.365"), ("description", "路面坑洼")];
    let first = client.post(&form, Some("client-order-0042")).await.expect("POST").id();
    let again = client.post(&form, Some("client-order-0042")).await.expect("POST").id();
    assert_eq!(first, again, "a resend gets the same id back");
    client.wait_for(&first, SOON).await;
    let other = client.post(&form, Some("client-order-0043")).await.expect("POST").id();
    assert_ne!(other, first);
    client.wait_for(&other, SOON).await;
    app.stop().await;

    // Stored once: exactly one request, with one set of events.
    assert_eq!(backend.count_requests().await, 2, "two keys, two requests");
}

async fn bad_input_gets_an_open311_error_and_nothing_is_queued(backend: Backend) {
    let key = backend.api_key("e2e").await;
    // Intake and reads only: whatever intake queues stays on the queue for us to count.
    let app = backend
        .start(Roles { intake: true, api: true, dispatch: false, relay: false, escalation: false })
        .await;
    let client = Open311Client::new(&app.base, &key);
    let cases: [(&[(&str, &str)], StatusCode); 6] = [
        (&[("lat", "22.7"), ("long", "114.3")], StatusCode::BAD_REQUEST),
        (&[("service_code", "888888"), ("lat", "22.7"), ("long", "114.3")], StatusCode::NOT_FOUND),
        (
            &[("service_code", "010101"), ("lat", "22.7"), ("long", "114.3"), ("api_key", "jsk_wrong")],
            StatusCode::FORBIDDEN,
        ),
        (
            &[("service_code", "010101"), ("lat", "22.7"), ("long", "114.3"), ("api_key", "")],
            StatusCode::FORBIDDEN,
        ),
        (&[("service_code", "010101")], StatusCode::BAD_REQUEST),
        (
            &[("service_code", "010101"), ("lat", "22.7"), ("long", "114.3"), ("phone", "110")],
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (fields, want) in cases {
        let reply = client.post(fields, None).await.expect("POST");
        assert_eq!(reply.status, want, "{fields:?}: {}", reply.body);
        let (code, description) = reply.error();
        assert_eq!(code, u64::from(want.as_u16()));
        assert!(!description.is_empty());
    }
    // A body that is not even a form.
    let raw = reqwest::Client::new()
        .post(format!("{}/open311/v2/requests.json", app.base))
        .body(vec![b'%', b'z', b'z'])
        .send()
        .await
        .expect("POST");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    // A body over server.body_limit (1 MiB) is refused in Open311's format too.
    let huge =
        format!("service_code=010101&lat=22.7&long=114.3&api_key={key}&description={}", "a".repeat(2 << 20));
    let raw = reqwest::Client::new()
        .post(format!("{}/open311/v2/requests.json", app.base))
        .body(huge)
        .send()
        .await
        .expect("POST");
    assert_eq!(raw.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = raw.json().await.expect("an Open311 error list");
    assert_eq!(body[0]["code"], 413);
    // One good request: it is the only message on the queue.
    client
        .post(&[("service_code", "010101"), ("lat", "22.7"), ("long", "114.3")], None)
        .await
        .expect("POST")
        .id();
    app.stop().await;
    assert_eq!(backend.queued_intake().await, 1, "only the valid request was queued");
}

async fn an_unknown_request_id_is_a_404(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, "");
    for id in ["0000AAAA1111", "not-a-tracking-number"] {
        let r = client.get(id).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error().0, 404);
    }
    let r = reqwest::get(format!("{}/no/such/page", app.base)).await.expect("GET");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = r.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}
