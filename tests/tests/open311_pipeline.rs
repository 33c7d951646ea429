//! A request posted over Open311 reaches the queue, the dispatcher routes it, and anyone can read
//! who handles it: the acceptance path, on both backends. And the rest of the API a client
//! reads over HTTP: tokens, the status history (`extensions=true`), pages, multi-valued answers
//! and media URLs.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use jiesu::Roles;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{RequestView, Store};
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::backend::Kind;
use jiesu_e2e::client::{LAMP, enc};
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore};
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(
    a_posted_request_is_routed_to_the_bureau_the_rules_name,
    a_request_no_rule_covers_goes_to_its_street_office,
    the_same_idempotency_key_stores_one_request,
    an_idempotency_key_that_cannot_be_kept_is_refused_not_ignored,
    bad_input_gets_an_open311_error_and_nothing_is_queued,
    an_unknown_request_id_is_a_404,
    every_answer_tells_browsers_not_to_sniff_its_type,
    a_token_resolves_to_its_request_in_json_and_xml_and_an_unknown_one_is_a_404,
    extensions_true_renders_the_status_history_as_notes_in_json_and_xml,
    pages_partition_the_list_without_overlap,
    a_multivaluelist_answer_and_a_media_url_are_kept_and_a_bad_value_is_refused,
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
    // Expected by the end of the resolution limit: later than the request, China time.
    let expected = record["expected_datetime"].as_str().expect("expected_datetime once dispatched");
    let requested = record["requested_datetime"].as_str().expect("requested_datetime");
    let parse = |t: &str| DateTime::parse_from_rfc3339(t).expect("RFC 3339");
    assert!(expected.ends_with("+08:00") && parse(expected) > parse(requested), "{expected}");
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

/// A key that is not printable ASCII was once dropped silently, so the resend was stored twice;
/// and the length check said 160 but took 163. Now such a key is an Open311 error and nothing is
/// queued; 160 characters are accepted, 161 are not.
async fn an_idempotency_key_that_cannot_be_kept_is_refused_not_ignored(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend
        .start(Roles {
            intake: true,
            api: true,
            dispatch: false,
            relay: false,
            escalation: false,
            stats: false,
            notify: false,
        })
        .await;
    let post = |idempotency_key: Vec<u8>| {
        let body = format!("service_code=010101&lat=22.7&long=114.3&api_key={}", enc(&key));
        reqwest::Client::new()
            .post(format!("{}/open311/v2/requests.json", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes(&idempotency_key).expect("header"),
            )
            .body(body)
            .send()
    };
    for (raw, why) in [
        ("订单-0042".as_bytes().to_vec(), "printable ASCII"),
        ("k".repeat(161).into_bytes(), "at most 160"),
        ("k".repeat(163).into_bytes(), "at most 160"),
    ] {
        let reply = post(raw).await.expect("POST");
        assert_eq!(reply.status(), StatusCode::BAD_REQUEST, "{why}");
        let errors: Value = reply.json().await.expect("an Open311 error list");
        assert_eq!(errors[0]["code"], 400);
        let description = errors[0]["description"].as_str().expect("description");
        assert!(description.contains("Idempotency-Key") && description.contains(why), "{description}");
    }
    let first = post("k".repeat(160).into_bytes()).await.expect("POST");
    assert_eq!(first.status(), StatusCode::OK, "160 characters are accepted");
    let again = post("k".repeat(160).into_bytes()).await.expect("POST");
    let (first, again): (Value, Value) =
        (first.json().await.expect("JSON"), again.json().await.expect("JSON"));
    assert_eq!(first[0]["service_request_id"], again[0]["service_request_id"], "the key was kept");
    app.stop().await;
    assert_eq!(backend.queued_intake().await, 2, "only the two sends of the 160-character key");
}

async fn bad_input_gets_an_open311_error_and_nothing_is_queued(backend: Backend) {
    let key = backend.api_key("e2e").await;
    // Intake and reads only: whatever intake queues stays on the queue for us to count.
    let app = backend
        .start(Roles {
            intake: true,
            api: true,
            dispatch: false,
            relay: false,
            escalation: false,
            stats: false,
            notify: false,
        })
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
    let body: Value = raw.json().await.expect("an Open311 error list");
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
    let body: Value = r.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}

/// `X-Content-Type-Options: nosniff` on every answer: an API reply, an error (JSON and Open311's),
/// a page, a health check.
async fn every_answer_tells_browsers_not_to_sniff_its_type(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    for (path, status) in [
        ("/open311/v2/services.json", StatusCode::OK),
        ("/open311/v2/requests/0000AAAA1111.json", StatusCode::NOT_FOUND),
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/api/v1/tasks", StatusCode::UNAUTHORIZED),
        ("/", StatusCode::OK),
        ("/track", StatusCode::OK),
        ("/healthz", StatusCode::OK),
    ] {
        let r = reqwest::get(format!("{}{path}", app.base)).await.expect("GET");
        assert_eq!(r.status(), status, "{path}");
        let nosniff: Vec<_> = r.headers().get_all("x-content-type-options").iter().collect();
        assert_eq!(nosniff, ["nosniff"], "{path}: exactly one nosniff header");
    }
    app.stop().await;
}

/// GET `/open311/v2/{path}`: status, content type and body.
async fn fetch(base: &str, path: &str) -> (StatusCode, String, String) {
    let resp = reqwest::get(format!("{base}/open311/v2/{path}")).await.expect("GET");
    let status = resp.status();
    let content_type =
        resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, resp.text().await.expect("body"))
}

/// GET a `.json` resource: status and parsed body (asserting the JSON content type).
async fn fetch_json(base: &str, path: &str) -> (StatusCode, Value) {
    let (status, content_type, body) = fetch(base, path).await;
    assert_eq!(content_type, "application/json; charset=utf-8", "{path}");
    (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}")))
}

/// GET a `.xml` resource: status and body (asserting the XML content type and declaration).
async fn fetch_xml(base: &str, path: &str) -> (StatusCode, String) {
    let (status, content_type, body) = fetch(base, path).await;
    assert_eq!(content_type, "text/xml; charset=utf-8", "{path}");
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"), "{path}: {body}");
    (status, body)
}

/// How text appears inside an XML element.
fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A tracking number as citizens are shown it: `SYWX-6P00-NTRM`.
fn grouped(id: &str) -> String {
    format!("{}-{}-{}", &id[..4], &id[4..8], &id[8..])
}

fn datetime(v: &Value) -> DateTime<FixedOffset> {
    let s = v.as_str().unwrap_or_else(|| panic!("a datetime string: {v}"));
    assert!(s.ends_with("+08:00"), "China time with its offset: {s}");
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The request as stored, read through the store itself (what no public reply shows in full).
async fn stored(backend: &Backend, id: &str) -> RequestView {
    let tracking = TrackingNumber::parse(id).expect("a tracking number");
    match backend.kind {
        Kind::Embedded { .. } => {
            let pools =
                SqlitePools::open(&backend.database_url, &SqliteSettings::default()).await.expect("open");
            let view = SqliteStore::new(pools.clone()).request_by_tracking(&tracking).await.expect("read");
            pools.close().await;
            view.expect("stored")
        }
        Kind::AtScale { .. } => {
            let settings = PgSettings { max_connections: 1, ..PgSettings::default() };
            let store = PgStore::connect(&backend.database_url, &settings).await.expect("connect");
            let view = store.request_by_tracking(&tracking).await.expect("read");
            store.close().await;
            view.expect("stored")
        }
    }
}

async fn a_token_resolves_to_its_request_in_json_and_xml_and_an_unknown_one_is_a_404(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, &key);
    let id = client.post(&LAMP, None).await.expect("POST").id();
    client.wait_for(&id, SOON).await;

    // Requests are realtime here: the token of a request is its tracking number.
    let (status, body) = fetch_json(&app.base, &format!("tokens/{id}.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!([{ "service_request_id": id, "token": id }]));
    let (status, body) = fetch_xml(&app.base, &format!("tokens/{id}.xml")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains(&format!(
            "<service_requests><request><service_request_id>{id}</service_request_id>\
             <token>{id}</token></request></service_requests>"
        )),
        "{body}"
    );
    // Written as citizens see it (grouped, lower case): the same request, by its canonical id.
    let written = grouped(&id).to_lowercase();
    let (status, body) = fetch_json(&app.base, &format!("tokens/{written}.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["service_request_id"], id.as_str());

    for unknown in ["0000AAAA1111", "no-such-token"] {
        let (status, body) = fetch_json(&app.base, &format!("tokens/{unknown}.json")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}: {body}");
        assert_eq!(body.as_array().map(Vec::len), Some(1), "an Open311 error list: {body}");
        assert_eq!(body[0]["code"], 404);
        assert!(body[0]["description"].as_str().is_some_and(|d| d.contains(unknown)), "{body}");
        let (status, body) = fetch_xml(&app.base, &format!("tokens/{unknown}.xml")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}: {body}");
        assert!(body.contains("<errors><error><code>404</code><description>"), "{body}");
        assert!(body.contains(unknown) && body.contains("</description></error></errors>"), "{body}");
    }
    let (status, _, _) = fetch(&app.base, &format!("tokens/{id}.csv")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only .json and .xml");
    app.stop().await;
}

async fn extensions_true_renders_the_status_history_as_notes_in_json_and_xml(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, &key);
    let id = client.post(&LAMP, None).await.expect("POST").id();
    // Another request, whose history must not show up in the first one's notes.
    let other = client
        .post(&[("service_code", "990101"), ("lat", "22.755"), ("long", "114.315")], None)
        .await
        .expect("POST")
        .id();
    client.wait_for(&id, SOON).await;
    client.wait_for(&other, SOON).await;

    // Without the extension there are no notes.
    let (_, plain) = fetch_json(&app.base, &format!("requests/{id}.json")).await;
    assert!(plain[0].get("notes").is_none(), "{plain}");

    let (status, body) = fetch_json(&app.base, &format!("requests/{id}.json?extensions=true")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let record = &body[0];
    let notes = record["notes"].as_array().expect("notes[]").clone();
    let types: Vec<_> = notes.iter().map(|n| n["type"].as_str().expect("type")).collect();
    assert_eq!(types, ["request_received", "request_routed", "task_dispatched"], "{record}");
    let um = ("坪山区城市管理和综合执法局", "Pingshan Urban Management and Law Enforcement Bureau");
    assert_eq!(notes[0]["description"], format!("通过Open311 接口受理，工单编号 {}", grouped(&id)));
    assert_eq!(
        notes[0]["description_en"],
        format!("Received through the Open311 API, tracking number {}", grouped(&id))
    );
    let routed = notes[1]["description"].as_str().expect("description");
    assert!(routed.contains(&format!("确定承办单位：{}", um.0)), "{routed}");
    assert!(notes[1]["description_en"].as_str().is_some_and(|d| d.contains(um.1)), "{}", notes[1]);
    assert_eq!(notes[2]["description"], format!("已派单至{}（主办）", um.0));
    assert_eq!(notes[2]["description_en"], format!("Dispatched to {} (lead)", um.1));
    // In the order they happened, none before the request was received, the last one the update.
    let times: Vec<_> = notes.iter().map(|n| datetime(&n["datetime"])).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(times[0] >= datetime(&record["requested_datetime"]), "{record}");
    assert_eq!(times.last(), Some(&datetime(&record["updated_datetime"])), "{record}");

    // The bureau claims it: the history grows with it.
    let staff = StaffClient::login(&app.base, "um-staff").await;
    let task = staff.task_for(&id, "dispatched").await.expect("the lead's task");
    staff.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    let (_, body) = fetch_json(&app.base, &format!("requests/{id}.json?extensions=true")).await;
    let record = body[0].clone();
    let notes = record["notes"].as_array().expect("notes[]").clone();
    assert_eq!(notes.len(), 4, "{record}");
    assert_eq!(notes[3]["type"], "task_claimed");
    assert_eq!(notes[3]["description"], format!("{}已签收", um.0));
    assert_eq!(notes[3]["description_en"], format!("{} claimed it", um.1));
    assert_eq!(datetime(&notes[3]["datetime"]), datetime(&record["updated_datetime"]));

    // The list renders the same notes, each request with its own history only.
    let (status, list) = fetch_json(&app.base, "requests.json?extensions=true").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let records = list.as_array().expect("a list");
    assert_eq!(records.len(), 2, "{list}");
    let find = |n: &str| records.iter().find(|r| r["service_request_id"] == n).expect("listed").clone();
    assert_eq!(find(&id)["notes"], record["notes"], "the list and the request agree");
    let other_notes = find(&other)["notes"].as_array().expect("notes[]").clone();
    assert_eq!(other_notes[0]["description"], format!("通过Open311 接口受理，工单编号 {}", grouped(&other)));
    assert!(
        other_notes.iter().all(|n| n["type"] != "task_claimed"
            && !n["description"].as_str().unwrap_or_default().contains(&grouped(&id))),
        "{other_notes:?}"
    );
    let (_, plain) = fetch_json(&app.base, "requests.json").await;
    assert!(plain.as_array().expect("a list").iter().all(|r| r.get("notes").is_none()), "{plain}");

    // XML: <notes><note>...</note></notes>, the same values.
    for path in [
        format!("requests/{id}.xml?extensions=true"),
        format!("requests.xml?extensions=true&service_request_id={id}"),
    ] {
        let (status, xml) = fetch_xml(&app.base, &path).await;
        assert_eq!(status, StatusCode::OK, "{xml}");
        assert!(xml.contains("<service_requests><request>"), "{xml}");
        let inner = xml
            .split_once("<notes>")
            .and_then(|(_, rest)| rest.split_once("</notes>"))
            .map(|(inner, _)| inner)
            .unwrap_or_else(|| panic!("{path}: no <notes>: {xml}"));
        let xml_notes: Vec<&str> = inner.split("<note>").filter(|n| !n.is_empty()).collect();
        assert_eq!(xml_notes.len(), notes.len(), "{xml}");
        for (x, n) in xml_notes.iter().zip(&notes) {
            assert!(x.ends_with("</note>"), "{x}");
            for field in ["datetime", "type", "description", "description_en"] {
                let text = n[field].as_str().expect("text");
                let element = format!("<{field}>{}</{field}>", xml_text(text));
                assert!(x.contains(&element), "{path}: {element} not in {x}");
            }
        }
    }
    let (_, xml) = fetch_xml(&app.base, &format!("requests/{id}.xml")).await;
    assert!(!xml.contains("<notes>"), "no notes without the extension: {xml}");
    app.stop().await;
}

async fn pages_partition_the_list_without_overlap(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, &key);
    let mut posted = Vec::new();
    // Two services, so that no five requests of one kind make a hotspot.
    for (i, code) in ["010101", "010102", "010101", "010102", "010101"].into_iter().enumerate() {
        let description = format!("第{i}个问题");
        let fields = [
            ("service_code", code),
            ("lat", "22.742"),
            ("long", "114.387"),
            ("description", description.as_str()),
        ];
        posted.push(client.post(&fields, None).await.expect("POST").id());
    }
    for id in &posted {
        client.wait_for(id, SOON).await;
    }
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap_or_else(|| panic!("a list: {v}"))
            .iter()
            .map(|r| r["service_request_id"].as_str().expect("id").to_owned())
            .collect()
    };
    let (status, all) = fetch_json(&app.base, "requests.json").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let all = ids(&all);
    assert_eq!(all.iter().collect::<BTreeSet<_>>(), posted.iter().collect::<BTreeSet<_>>());

    // Pages of two: 2 + 2 + 1, then nothing; together exactly the list, in its order, once each.
    let mut paged = Vec::new();
    for (page, want) in [(1, 2), (2, 2), (3, 1), (4, 0)] {
        let (status, body) = fetch_json(&app.base, &format!("requests.json?page_size=2&page={page}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let got = ids(&body);
        assert_eq!(got.len(), want, "page {page}: {got:?}");
        paged.extend(got);
    }
    assert_eq!(paged, all, "the pages partition the list, without overlap or gap");
    // Other sizes cut the same order; a size above the cap (1000) is capped, not refused.
    let (_, body) = fetch_json(&app.base, "requests.json?page_size=3&page=2").await;
    assert_eq!(ids(&body), all[3..]);
    let (_, body) = fetch_json(&app.base, "requests.json?page_size=1").await;
    assert_eq!(ids(&body), all[..1], "page 1 by default");
    let (status, body) = fetch_json(&app.base, "requests.json?page_size=5000").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body), all);
    // Pages apply to an explicit list of ids too.
    let three = posted[..3].join(",");
    let (_, first) =
        fetch_json(&app.base, &format!("requests.json?service_request_id={three}&page_size=2")).await;
    let (_, second) =
        fetch_json(&app.base, &format!("requests.json?service_request_id={three}&page_size=2&page=2")).await;
    let (first, second) = (ids(&first), ids(&second));
    assert_eq!((first.len(), second.len()), (2, 1), "{first:?} {second:?}");
    let together: BTreeSet<_> = first.iter().chain(&second).collect();
    assert_eq!(together, posted[..3].iter().collect::<BTreeSet<_>>());
    // And to a filter: the three street lights, two then one.
    let (_, lamps1) = fetch_json(&app.base, "requests.json?service_code=010101&page_size=2").await;
    let (_, lamps2) = fetch_json(&app.base, "requests.json?service_code=010101&page_size=2&page=2").await;
    let lamps: BTreeSet<_> = ids(&lamps1).into_iter().chain(ids(&lamps2)).collect();
    assert_eq!((ids(&lamps1).len(), lamps.len()), (2, 3));
    assert_eq!(lamps, [&posted[0], &posted[2], &posted[4]].into_iter().cloned().collect());

    for bad in ["page=0", "page_size=0", "page=two", "page_size=-1", "page=1.5"] {
        let (status, body) = fetch_json(&app.base, &format!("requests.json?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body[0]["code"], 400, "{bad}: {body}");
        let (status, xml) = fetch_xml(&app.base, &format!("requests.xml?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {xml}");
        assert!(xml.contains("<errors><error><code>400</code>"), "{xml}");
    }
    app.stop().await;
}

async fn a_multivaluelist_answer_and_a_media_url_are_kept_and_a_bad_value_is_refused(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend.start(Roles::ALL).await;
    let client = Open311Client::new(&app.base, &key);
    // 社会生活噪声 asks `times` (multivaluelist: morning, day, evening, night) and `since` (datetime).
    let (_, definition) = fetch_json(&app.base, "services/030102.json").await;
    let times = definition["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["code"] == "times"))
        .unwrap_or_else(|| panic!("the sample service asks `times`: {definition}"));
    assert_eq!(times["datatype"], "multivaluelist");

    let photo = "https://example.cn/photos/noise.jpg?size=large&v=2";
    let id = client
        .post(
            &[
                ("service_code", "030102"),
                ("lat", "22.742"),
                ("long", "114.387"),
                ("description", "楼下广场舞音响很大"),
                ("attribute[times][]", "evening"),
                ("attribute[times][]", "night"),
                ("attribute[since]", "2026-11-20T22:00:00+08:00"),
                ("attribute[unasked]", "dropped"),
                ("media_url", photo),
            ],
            None,
        )
        .await
        .expect("POST")
        .id();
    let record = client.wait_for(&id, SOON).await;
    assert_eq!(record["media_url"], photo);
    let (_, xml) = fetch_xml(&app.base, &format!("requests/{id}.xml")).await;
    assert!(xml.contains(&format!("<media_url>{}</media_url>", xml_text(photo))), "{xml}");
    let view = stored(&backend, &id).await;
    assert_eq!(
        serde_json::to_value(&view.request.submitted.attributes).expect("JSON"),
        json!({ "since": ["2026-11-20T22:00:00+08:00"], "times": ["evening", "night"] }),
        "every value kept, in order; answers to questions not asked dropped"
    );
    assert_eq!(view.request.submitted.media.iter().map(|m| m.as_str()).collect::<Vec<_>>(), [photo]);
    // The bureau sees the answers with their questions, and the photo.
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let desk = StaffClient::login(&app.base, "desk").await;
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    let answers = case["request"]["answers"].as_array().expect("answers");
    let asked = answers.iter().find(|a| a["code"] == "times").expect("times answered");
    assert!(asked["question"].as_str().is_some_and(|q| !q.is_empty()), "{asked}");
    let values: Vec<&str> = asked["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["value"].as_str().expect("value"))
        .collect();
    assert_eq!(values, ["evening", "night"]);
    assert!(asked["values"][0]["name"].is_string(), "a listed value has its name: {asked}");
    assert_eq!(case["request"]["media"], json!([photo]));

    // Brackets as many clients send them, not percent-encoded.
    let http = reqwest::Client::new();
    let raw = format!(
        "api_key={}&service_code=030102&address_string={}&attribute[times][]=morning&attribute[times][]=day",
        enc(&key),
        enc("坪山区碧岭街道某小区")
    );
    let resp = http
        .post(format!("{}/open311/v2/requests.json", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(raw)
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("JSON");
    let second = body[0]["service_request_id"].as_str().expect("id").to_owned();
    let record = client.wait_for(&second, SOON).await;
    assert!(record["media_url"].is_null(), "{record}");
    let view = stored(&backend, &second).await;
    assert_eq!(
        view.request.submitted.attributes.get("times"),
        Some(&["morning".to_owned(), "day".to_owned()][..])
    );

    // A value the list does not have is refused, in either format, and nothing is recorded.
    let bad = [
        ("service_code", "030102"),
        ("lat", "22.742"),
        ("long", "114.387"),
        ("attribute[times][]", "night"),
        ("attribute[times][]", "noon"),
    ];
    let reply = client.post(&bad, None).await.expect("POST");
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let (code, description) = reply.error();
    assert_eq!(code, 400);
    assert!(description.contains("times") && description.contains("noon"), "{description}");
    let mut form: Vec<String> = bad.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    form.push(format!("api_key={}", enc(&key)));
    let resp = http
        .post(format!("{}/open311/v2/requests.xml", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.join("&"))
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let xml = resp.text().await.expect("body");
    assert!(xml.contains("<errors><error><code>400</code><description>") && xml.contains("noon"), "{xml}");
    // A media_url that is not an http(s) URL is refused too.
    let reply = client
        .post(
            &[
                ("service_code", "030102"),
                ("lat", "22.742"),
                ("long", "114.387"),
                ("media_url", "ftp://x/y.jpg"),
            ],
            None,
        )
        .await
        .expect("POST");
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.error().1.contains("media_url"), "{}", reply.body);
    app.stop().await;
    assert_eq!(backend.count_requests().await, 2, "the refused requests left nothing");
}
