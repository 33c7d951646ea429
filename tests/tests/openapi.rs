//! `/api/v1/openapi.json` is generated from the code, valid for an independent validator (PyPI
//! `openapi-spec-validator`), and matches the router exactly.
//!
//! What the document covers (the rule): every route under `/api/` (the staff API) and under
//! `/hotline/` (the call centre's API), except the document itself. The other routes are not
//! APIs with a JSON contract of their own: the citizens' pages (`/`, `/requests`, `/track`,
//! `/media/...`), the staff pages (`/staff/...`, HTML forms over the same handlers) and their
//! static files (`/assets/...`), Open311 (described by its own GeoReport v2 standard), the WeChat callback
//! (WeChat's XML protocol), and `/healthz`, `/readyz`, `/metrics`.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use jiesu::Roles;
use jiesu::routes::{Context, HttpRoles, HttpSettings};
use jiesu_channels::api_keys::ApiKeys;
use jiesu_channels::hotline::Hotline;
use jiesu_channels::open311::Open311;
use jiesu_channels::web::Web;
use jiesu_channels::wechat::{Wechat, WechatConfig};
use jiesu_domain::live_district::LiveDistrict;
use jiesu_e2e::Backend;
use jiesu_e2e::peers::{openapi_python, run};
use jiesu_media::MediaDir;
use serde_json::Value;

/// Whether the document must describe a route at this path.
fn documented(path: &str) -> bool {
    (path.starts_with("/api/") || path.starts_with("/hotline/")) && path != "/api/v1/openapi.json"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_valid_openapi_and_lists_both_apis() {
    let backend = Backend::embedded().await;
    let app = backend.start(Roles::ALL).await;
    let answer = reqwest::get(format!("{}/api/v1/openapi.json", app.base)).await.expect("GET");
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let text = answer.text().await.expect("body");
    app.stop().await;
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/hotline/v1/work-orders"]["post"].is_object(), "the hotline API is listed");
    assert!(doc["paths"]["/api/v1/tasks"]["get"].is_object(), "the staff API is listed");
    assert!(
        doc["components"]["schemas"]["WorkOrder"]["properties"]["order_no"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("工单编号")),
        "the domain's words are kept"
    );
    let mut file = tempfile::NamedTempFile::with_suffix(".json").expect("temporary file");
    file.write_all(text.as_bytes()).expect("write the document");
    let out = run(std::process::Command::new(openapi_python())
        .args(["-m", "openapi_spec_validator"])
        .arg(file.path()));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("OK"), "openapi-spec-validator: {said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_served_api_route_is_documented_and_every_documented_one_served() {
    let served: BTreeSet<(String, String)> =
        served_routes(&full_router().await).into_iter().filter(|(_, path)| documented(path)).collect();
    let doc = jiesu::routes::openapi_document();
    let mut listed = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        let item = serde_json::to_value(item).expect("a path item");
        for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
            if item.get(method).is_some() {
                listed.insert((method.to_owned(), path.clone()));
            }
        }
    }
    let undocumented: Vec<_> = served.difference(&listed).collect();
    let unserved: Vec<_> = listed.difference(&served).collect();
    assert!(undocumented.is_empty(), "served but not in the document: {undocumented:?}");
    assert!(unserved.is_empty(), "in the document but not served: {unserved:?}");
    // 3 sign-in routes, 41 of the work API, the hotline's one.
    assert_eq!(served.len(), 45, "{served:?}");
}

/// The routes (method, path) a router serves, read from its `Debug` form (axum has no other
/// way to list them): the path table maps route ids to paths, and each id's method router
/// names the methods it has a handler for. A route served for any method is reported as `any`.
fn served_routes(router: &axum::Router) -> Vec<(String, String)> {
    let text = format!("{router:?}");
    // Only the main path router: the fallback router after it holds the fallback's own routes.
    let main = text.split("fallback_router:").next().expect("a Router's Debug form");
    let (routes, paths) = main.split_once("node: Node { paths: {").expect("the path table");
    let mut served = Vec::new();
    for entry in paths.split("RouteId(").skip(1) {
        let (id, rest) = entry.split_once("): \"").expect("RouteId(n): \"path\"");
        let path = rest.split('"').next().expect("a quoted path");
        let endpoint = routes
            .split(&format!("RouteId({id}): "))
            .nth(1)
            .map(|e| e.split("RouteId(").next().unwrap_or(e))
            .unwrap_or_else(|| panic!("no endpoint for route {id} ({path})"));
        if endpoint.starts_with("Route(") {
            served.push(("any".to_owned(), path.to_owned()));
            continue;
        }
        for method in ["get", "head", "delete", "options", "patch", "post", "put", "trace", "connect"] {
            let handled =
                endpoint.split_once(&format!("{method}: ")).is_some_and(|(_, v)| !v.starts_with("None"));
            // A GET handler answers HEAD too; HEAD is not a route of its own.
            if handled && method != "head" {
                served.push((method.to_owned(), path.to_owned()));
            }
        }
    }
    assert!(served.iter().any(|(m, p)| m == "get" && p == "/healthz"), "the Debug form was read: {served:?}");
    served
}

/// The router `jiesu` serves with every role and every channel configured, WeChat included.
async fn full_router() -> axum::Router {
    let (store, queue, _guard) = jiesu_testkit::embedded().await;
    let district = LiveDistrict::new(jiesu_testkit::fixtures::district().clone());
    let key = jiesu_domain::secret::ServerKey::new(&[7; 32]).expect("a server key");
    let keys = Arc::new(ApiKeys::new(store.clone(), Duration::from_secs(60)));
    let media = || MediaDir::new(std::env::temp_dir());
    let web = Web::new(
        store.clone(),
        queue.clone(),
        district.clone(),
        media(),
        String::new(),
        1 << 20,
        key.clone(),
    );
    let hotline = Hotline {
        store: store.clone(),
        queue: queue.clone(),
        district: district.clone(),
        keys: keys.clone(),
        key: key.clone(),
    };
    let open311 = Open311 {
        store: store.clone(),
        queue: queue.clone(),
        district: district.clone(),
        keys,
        public_url: String::new(),
        changeset: jiesu_domain::time::now(),
        key: key.clone(),
    };
    let wechat = Wechat {
        store: store.clone(),
        queue: queue.clone(),
        district: district.clone(),
        config: WechatConfig {
            token: "token".to_owned(),
            cipher: None,
            account: "gh_test".to_owned(),
            max_skew: chrono::Duration::minutes(5),
            draft_ttl: chrono::Duration::minutes(30),
            deadline: Duration::from_secs(4),
        },
        key: key.clone(),
        answers: None,
        public_url: String::new(),
        photos: None,
    };
    let policy = jiesu_domain::workflow::Policy::default();
    let work = jiesu_api::work::WorkApi {
        workflow: jiesu_workflow::Workflow::new(store.clone(), district.clone(), policy),
        media: media(),
        public_url: String::new(),
        max_photo_bytes: 1 << 20,
        rules: jiesu_workflow::RulebookService::new(store.clone(), district.clone()),
        weights: Default::default(),
        answers: None,
    };
    let ops = jiesu_api::ops::Ops {
        queue: queue.clone(),
        checks: jiesu_api::ops::ReadyChecks { database: true, queue: true },
        metrics: jiesu_api::ops::Metrics::default(),
    };
    let ctx = Context {
        store: store.clone(),
        district,
        open311: Arc::new(open311),
        hotline: Arc::new(hotline),
        web: Arc::new(web),
        wechat: Some(Arc::new(wechat)),
        media: media(),
        auth: jiesu_auth::Auth::new(store, jiesu_auth::AuthSettings::default()),
        work: Arc::new(work),
        ops,
        key: jiesu_domain::secret::test_key(),
    };
    let settings = HttpSettings {
        body_limit: 1 << 20,
        request_timeout: Duration::from_secs(10),
        secure_cookies: false,
        trusted_proxies: Vec::new(),
        sms_replies: None,
        webhooks_on: false,
    };
    jiesu::routes::router(ctx, HttpRoles { intake: true, api: true }, &settings)
}
