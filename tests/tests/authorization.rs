//! Staff reach only their own bureau's tasks: every endpoint that takes an id refuses another
//! bureau's staff (404, exactly as for an id that does not exist) or the wrong role (403), and
//! refuses everyone without a session (401). Nothing the refused calls asked for happens. The
//! OpenAPI document names every route, and every route it names exists.

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::rules::Proposal;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(
    another_bureau_reaches_none_of_a_tasks_ids_and_nothing_changes,
    roles_are_kept_apart_on_the_tasks_own_request,
    every_documented_route_exists_and_wants_a_session,
);

const LAMP: [(&str, &str); 4] =
    [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", "13812345678")];

struct Setup {
    tracking: String,
    task: String,
    extension: String,
    exemption: String,
    proposal: String,
}

/// A lamp request, its lead task claimed by urban management, an extension and a final reply
/// pending, and a rule a coordination meeting on it proposed.
async fn setup(backend: &Backend, base: &str) -> Setup {
    let key = backend.api_key("e2e").await;
    let citizen = Open311Client::new(base, &key);
    let tracking = citizen.post(&LAMP, None).await.expect("POST").id();
    citizen.wait_for(&tracking, std::time::Duration::from_secs(15)).await;
    let um = StaffClient::login(base, "um-staff").await;
    let task = um.task_for(&tracking, "dispatched").await.expect("task");
    um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    let asked =
        um.ok(&format!("/api/v1/tasks/{task}/extension"), json!({ "days": 2, "reason": "等待配件" })).await;
    let extension = asked["case"]["extensions"][0]["id"].as_str().expect("extension").to_owned();
    let replied = um.ok(&format!("/api/v1/tasks/{task}/final-reply"), json!({ "reply": "已多次答复" })).await;
    let exemption = replied["case"]["exemptions"][0]["id"].as_str().expect("exemption").to_owned();
    let rule =
        Proposal { categories: &["010101"], areas: &["pingshan.kengzi"], lead: "transport", assists: &[] };
    let proposal = backend.propose_rule(&tracking, rule).await.id.to_string();
    Setup { tracking, task, extension, exemption, proposal }
}

/// Every id-taking endpoint, with a body that would be valid for its owner.
fn endpoints(s: &Setup) -> Vec<(&'static str, String, Value)> {
    let (t, r, e, p, x) = (&s.task, &s.tracking, &s.extension, &s.proposal, &s.exemption);
    let visit = "00000000-0000-7000-8000-000000000000";
    vec![
        ("GET", format!("/api/v1/tasks/{t}"), Value::Null),
        ("POST", format!("/api/v1/tasks/{t}/claim"), json!({})),
        ("POST", format!("/api/v1/tasks/{t}/progress"), json!({ "note": "进展" })),
        ("POST", format!("/api/v1/tasks/{t}/resolve"), json!({ "result": "已办结" })),
        (
            "POST",
            format!("/api/v1/tasks/{t}/disclaim"),
            json!({ "reason": "not_our_function", "explanation": "非本单位" }),
        ),
        ("POST", format!("/api/v1/tasks/{t}/extension"), json!({ "days": 1, "reason": "延期" })),
        ("POST", format!("/api/v1/tasks/{t}/appeal"), json!({ "visit_id": visit, "reason": "申诉" })),
        ("POST", format!("/api/v1/tasks/{t}/final-reply"), json!({ "reply": "最终答复" })),
        ("POST", format!("/api/v1/tasks/{t}/release"), json!({})),
        ("POST", format!("/api/v1/tasks/{t}/disclaim-review"), json!({ "accept": true })),
        ("GET", format!("/api/v1/requests/{r}"), Value::Null),
        ("POST", format!("/api/v1/requests/{r}/dispatch"), json!({ "bureau": "water" })),
        ("POST", format!("/api/v1/requests/{r}/transfer"), json!({ "bureau": "water" })),
        ("POST", format!("/api/v1/requests/{r}/assists"), json!({ "bureau": "water" })),
        ("POST", format!("/api/v1/requests/{r}/review"), json!({ "approve": true })),
        ("POST", format!("/api/v1/requests/{r}/visit"), json!({ "solved": true })),
        ("POST", format!("/api/v1/extensions/{e}/decision"), json!({ "approve": true })),
        ("POST", format!("/api/v1/exemptions/{x}/decision"), json!({ "grant": true, "note": "同意" })),
        ("GET", format!("/api/v1/rules/proposed/{p}"), Value::Null),
        ("POST", format!("/api/v1/rules/proposed/{p}/accept"), json!({})),
        ("POST", format!("/api/v1/rules/proposed/{p}/decline"), json!({ "note": "不同意" })),
    ]
}

async fn call(who: &StaffClient, method: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    if method == "GET" { who.get(path).await } else { who.post(path, body.clone()).await }
}

async fn another_bureau_reaches_none_of_a_tasks_ids_and_nothing_changes(backend: Backend) {
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("mr-staff", StaffRole::BureauStaff, Some("market-regulation")).await;
    backend.add_staff("mr-admin", StaffRole::BureauAdmin, Some("market-regulation")).await;
    let app = backend.start(Roles::ALL).await;
    let s = setup(&backend, &app.base).await;
    let um = StaffClient::login(&app.base, "um-staff").await;
    let (_, before) = um.get(&format!("/api/v1/tasks/{}", s.task)).await;

    for outsider in ["mr-staff", "mr-admin"] {
        let other = StaffClient::login(&app.base, outsider).await;
        for (method, path, body) in endpoints(&s) {
            let (status, answer) = call(&other, method, &path, &body).await;
            let supervisors = ["/api/v1/extensions/", "/api/v1/exemptions/", "/api/v1/rules/"];
            let expected = if supervisors.iter().any(|p| path.starts_with(p)) {
                (StatusCode::FORBIDDEN, "forbidden") // only supervisors decide these at all
            } else {
                (StatusCode::NOT_FOUND, "not_found") // as if the id did not exist
            };
            assert_eq!(
                (status, answer["error"]["code"].as_str().unwrap_or_default()),
                expected,
                "{outsider} {method} {path}: {answer}"
            );
        }
        let (_, listed) = other.get("/api/v1/tasks").await;
        assert!(
            listed["tasks"]
                .as_array()
                .expect("tasks")
                .iter()
                .all(|t| t["bureau"]["code"] == "market-regulation")
        );
        let (_, widened) = other.get("/api/v1/tasks?bureau=urban-management").await;
        assert_eq!(widened["tasks"], json!([]), "a filter cannot widen a bureau's view");
    }
    // Unknown ids answer the same.
    let other = StaffClient::login(&app.base, "mr-staff").await;
    let (status, _) = other.get("/api/v1/tasks/00000000-0000-7000-8000-000000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, after) = um.get(&format!("/api/v1/tasks/{}", s.task)).await;
    assert_eq!(after["state"], "claimed");
    assert_eq!(after["case"]["history"], before["case"]["history"], "no refused call wrote anything");
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let (_, proposal) = boss.get(&format!("/api/v1/rules/proposed/{}", s.proposal)).await;
    assert_eq!(proposal["state"], "proposed", "no refused call decided the rule: {proposal}");
    app.stop().await;
}

async fn roles_are_kept_apart_on_the_tasks_own_request(backend: Backend) {
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start(Roles::ALL).await;
    let s = setup(&backend, &app.base).await;
    let (um, desk, boss) = (
        StaffClient::login(&app.base, "um-staff").await,
        StaffClient::login(&app.base, "desk").await,
        StaffClient::login(&app.base, "boss").await,
    );
    let t = &s.task;
    let r = &s.tracking;
    let refusals: Vec<(&StaffClient, &str, String, Value)> = vec![
        (&desk, "POST", format!("/api/v1/tasks/{t}/resolve"), json!({ "result": "代办" })),
        (&boss, "POST", format!("/api/v1/tasks/{t}/progress"), json!({ "note": "代办" })),
        (&um, "POST", format!("/api/v1/requests/{r}/review"), json!({ "approve": true })),
        (&um, "POST", format!("/api/v1/requests/{r}/transfer"), json!({ "bureau": "water" })),
        (&um, "POST", format!("/api/v1/tasks/{t}/disclaim-review"), json!({ "accept": true })),
        (&um, "GET", "/api/v1/desk".to_owned(), Value::Null),
        (&um, "POST", format!("/api/v1/extensions/{}/decision", s.extension), json!({ "approve": true })),
        (&desk, "POST", format!("/api/v1/extensions/{}/decision", s.extension), json!({ "approve": true })),
        (&um, "GET", "/api/v1/exemptions".to_owned(), Value::Null),
        (&um, "GET", "/api/v1/notifications/undelivered".to_owned(), Value::Null),
        (&desk, "GET", "/api/v1/notifications/undelivered".to_owned(), Value::Null),
        (
            &um,
            "POST",
            format!("/api/v1/exemptions/{}/decision", s.exemption),
            json!({ "grant": true, "note": "x" }),
        ),
        (
            &desk,
            "POST",
            format!("/api/v1/exemptions/{}/decision", s.exemption),
            json!({ "grant": true, "note": "x" }),
        ),
        (&desk, "POST", format!("/api/v1/tasks/{t}/final-reply"), json!({ "reply": "代答" })),
        (&um, "GET", "/api/v1/rules/proposed".to_owned(), Value::Null),
        (&desk, "GET", format!("/api/v1/rules/proposed/{}", s.proposal), Value::Null),
        (&desk, "POST", format!("/api/v1/rules/proposed/{}/accept", s.proposal), json!({})),
        (&um, "POST", format!("/api/v1/rules/proposed/{}/decline", s.proposal), json!({})),
        (&desk, "POST", format!("/api/v1/rules/proposed/{}/preview", s.proposal), json!({})),
    ];
    for (who, method, path, body) in refusals {
        let (status, answer) = call(who, method, &path, &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{} {method} {path}: {answer}", who.username);
        assert_eq!(answer["error"]["code"], "forbidden");
    }
    // District-wide roles read every bureau's tasks.
    for who in [&desk, &boss] {
        let (status, _) = who.get(&format!("/api/v1/tasks/{t}")).await;
        assert_eq!(status, StatusCode::OK, "{}", who.username);
    }
    app.stop().await;
}

async fn every_documented_route_exists_and_wants_a_session(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let http = reqwest::Client::new();
    let doc: Value = http
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, ops) in paths {
        let concrete = path
            .replace("{id}", "00000000-0000-7000-8000-000000000000")
            .replace("{tracking}", "SYWX6P00NTRM");
        for method in ops.as_object().expect("operations").keys() {
            let url = format!("{}{concrete}", app.base);
            let req = if method == "get" { http.get(&url) } else { http.post(&url).json(&json!({})) };
            let status = req.send().await.expect("call").status();
            let expected =
                if path == "/api/v1/auth/login" { StatusCode::BAD_REQUEST } else { StatusCode::UNAUTHORIZED };
            assert_eq!(status, expected, "{method} {path}");
            checked += 1;
        }
    }
    // The routes `jiesu_api::work::routes` and `jiesu_api::auth::routes` register (besides the
    // document itself): 41 work operations (the operators' 秒回 search the newest) and 3 sign-in
    // ones; and the hotline's work orders, which want an API key. A new route must be documented
    // (tests/tests/openapi.rs checks the document against the router).
    assert_eq!(checked, 45, "every operation of the staff and hotline APIs is documented");
    app.stop().await;
}
