//! Staff for end-to-end tests: accounts made directly in the test's database (as `jiesu user add`
//! does), and a small JSON client that signs in and calls the staff API as a staff member would.

use std::time::Duration;

use jiesu_auth::{Auth, AuthSettings, By, Password};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::staff::{StaffRole, User, Username};
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::backend::{Backend, Kind};

pub const PASSWORD: &str = "correct horse battery";

impl Backend {
    /// Creates a staff account with `PASSWORD`.
    pub async fn add_staff(&self, username: &str, role: StaffRole, bureau: Option<&str>) {
        let user = User::new(
            Username::parse(username).expect("username"),
            role,
            bureau.map(|b| BureauCode::parse(b).expect("bureau code")),
            jiesu_domain::time::now(),
        )
        .expect("valid account");
        let password = Password::new(PASSWORD).expect("password");
        match self.kind {
            Kind::Embedded { .. } => {
                let pools =
                    SqlitePools::open(&self.database_url, &SqliteSettings::default()).await.expect("open");
                pools.migrate().await.expect("migrate");
                let auth = Auth::new(SqliteStore::new(pools.clone()), AuthSettings::default());
                auth.add_user(&user, &password, &By::command_line()).await.expect("add user");
                pools.close().await;
            }
            Kind::AtScale { .. } => {
                let settings = PgSettings { max_connections: 1, ..PgSettings::default() };
                let store = PgStore::connect(&self.database_url, &settings).await.expect("connect");
                store.migrate().await.expect("migrate");
                Auth::new(store.clone(), AuthSettings::default())
                    .add_user(&user, &password, &By::command_line())
                    .await
                    .expect("add");
                store.close().await;
            }
        }
    }
}

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct StaffClient {
    pub base: String,
    pub username: String,
    pub token: String,
    http: reqwest::Client,
}

impl StaffClient {
    pub async fn login(base: &str, username: &str) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("HTTP client");
        let resp = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .expect("POST login");
        assert_eq!(resp.status(), StatusCode::OK, "{username} signs in");
        let body: Value = resp.json().await.expect("JSON");
        let token = body["token"].as_str().expect("token").to_owned();
        Self { base: base.to_owned(), username: username.to_owned(), token, http }
    }

    async fn answer(resp: reqwest::Response) -> (StatusCode, Value) {
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp =
            self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.expect("GET");
        Self::answer(resp).await
    }

    /// GETs a listing (`path` has a query) and, when its answer has `next`, the page after it;
    /// insists on 200 for both, and returns the first.
    pub async fn get_next(&self, path: &str) -> Value {
        let (status, first) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{} GET {path}: {first}", self.username);
        if let Some(next) = first["next"].as_str() {
            let (status, second) = self.get(&format!("{path}&after={next}")).await;
            assert_eq!(status, StatusCode::OK, "{} GET {path} after {next}: {second}", self.username);
        }
        first
    }

    /// GETs `path` until it answers 200 with JSON for which `ready` holds (the escalation service
    /// works asynchronously), at most 20 s.
    pub async fn get_until(&self, path: &str, ready: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..100 {
            let (status, v) = self.get(path).await;
            if status == StatusCode::OK && ready(&v) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{path} never became ready");
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        Self::answer(resp).await
    }

    pub async fn post_form(&self, path: &str, form: reqwest::multipart::Form) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .expect("POST multipart");
        Self::answer(resp).await
    }

    /// POSTs and insists on 200, returning the body.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
        let (status, v) = self.post(path, body).await;
        assert_eq!(status, StatusCode::OK, "{} POST {path}: {v}", self.username);
        v
    }

    /// The id of this staff member's task on the request with `tracking`, in one of `states`.
    pub async fn task_for(&self, tracking: &str, states: &str) -> Option<String> {
        let (status, v) = self.get(&format!("/api/v1/tasks?state={states}&page_size=200")).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .find(|t| t["request"]["tracking"] == tracking)
            .map(|t| t["id"].as_str().expect("id").to_owned())
    }
}

/// The bureau claims and resolves the request's task, and the desk approves the result: its
/// return visit is due. Answers the task's id.
pub async fn work_to_review(bureau: &StaffClient, desk: &StaffClient, id: &str) -> String {
    let task = bureau.task_for(id, "dispatched").await.expect("a task");
    bureau.ok(&format!("/api/v1/tasks/{task}/claim"), serde_json::json!({})).await;
    bureau.ok(&format!("/api/v1/tasks/{task}/resolve"), serde_json::json!({ "result": "灯具已更换" })).await;
    desk.ok(&format!("/api/v1/requests/{id}/review"), serde_json::json!({ "approve": true })).await;
    task
}

/// A request's whole round through the staff API: the bureau claims and resolves its task, the
/// desk approves the result and records the return visit (`solved`, `satisfaction`).
pub async fn work_to_visit(
    bureau: &StaffClient,
    desk: &StaffClient,
    id: &str,
    solved: bool,
    satisfaction: &str,
) {
    work_to_review(bureau, desk, id).await;
    let visit = serde_json::json!({ "solved": solved, "satisfaction": satisfaction });
    desk.ok(&format!("/api/v1/requests/{id}/visit"), visit).await;
}

/// Each of `candidates` (bureau, username), in turn, disclaims the request ("not our function");
/// then waits, as `watcher`, until the escalation service has called its meeting, and answers the
/// meeting's id.
pub async fn declined_by_all(
    base: &str,
    tracking: &str,
    candidates: &[(&str, &str)],
    watcher: &StaffClient,
) -> String {
    for (bureau, name) in candidates {
        let who = StaffClient::login(base, name).await;
        let task = who.task_for(tracking, "dispatched").await.unwrap_or_else(|| panic!("{bureau}'s task"));
        who.ok(
            &format!("/api/v1/tasks/{task}/disclaim"),
            serde_json::json!({ "reason": "not_our_function", "explanation": format!("{bureau}：非本单位职责") }),
        )
        .await;
    }
    let case = watcher
        .get_until(&format!("/api/v1/requests/{tracking}"), |c| {
            c["meetings"].as_array().is_some_and(|m| !m.is_empty())
        })
        .await;
    case["meetings"][0]["id"].as_str().expect("the meeting's id").to_owned()
}
