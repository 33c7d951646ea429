//! The lifecycle benchmark (`scripts/lifecycle`): virtual people drive whole requests over HTTP
//! the way the district's people do, and every step is timed.
//!
//! One lifecycle: a citizen submits over Open311 → the dispatcher stores and routes it (polled
//! as the desk sees it) → where the rules could not place it, the desk dispatches it → the lead
//! bureau's clerk opens the task and claims it → a share of clerks disclaim ("not ours") and the
//! next candidate opens and claims it (or the desk places it again) → progress note → resolved
//! → the desk approves the result (结案审核) → the desk's phone return visit closes it.
//!
//! Staff sign in once each, as `{prefix}{bureau code}` and `{prefix}desk`, all with one password.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::client::enc;

/// How long the dispatcher may take to store and route one request before the lifecycle fails.
const ROUTING_PATIENCE: Duration = Duration::from_secs(60);
/// How often the desk looks again while a request is on its way through the dispatcher.
const POLL: Duration = Duration::from_millis(20);

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub base: String,
    pub api_key: String,
    /// Staff usernames are `{prefix}{bureau}` and `{prefix}desk`.
    pub prefix: String,
    pub password: String,
    /// Lifecycles driven at once, each by its own virtual citizen and staff.
    pub users: usize,
    pub duration: Duration,
    /// Of every thousand lifecycles, how many the first bureau disclaims.
    pub disclaims_per_mille: u32,
    /// Categories and places to report (drawn from a real history, so routing is realistic).
    pub samples: Vec<Sample>,
    /// Bureaus whose clerks sign in before the clock starts (others sign in on first use).
    pub bureaus: Vec<String>,
    /// The bureau the desk dispatches to when neither the rules nor a disclaim found one.
    pub fallback: String,
}

/// One place and category a citizen reports.
#[derive(Debug, Clone)]
pub struct Sample {
    pub category: String,
    pub lat: f64,
    pub lon: f64,
}

impl Sample {
    /// Parses `category|lat|lon` lines (what `psql -At` and `sqlite3` print).
    pub fn parse_lines(text: &str) -> Vec<Self> {
        text.lines()
            .filter_map(|l| {
                let mut f = l.split('|');
                Some(Self {
                    category: f.next()?.trim().to_owned(),
                    lat: f.next()?.trim().parse().ok()?,
                    lon: f.next()?.trim().parse().ok()?,
                })
            })
            .collect()
    }
}

/// The timed steps, in lifecycle order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    Routed,
    Place,
    Open,
    Claim,
    Disclaim,
    Progress,
    Resolve,
    Review,
    Visit,
}

const STEPS: [Step; 10] = [
    Step::Submit,
    Step::Routed,
    Step::Place,
    Step::Open,
    Step::Claim,
    Step::Disclaim,
    Step::Progress,
    Step::Resolve,
    Step::Review,
    Step::Visit,
];

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Self::Submit => "submit (Open311 POST)",
            Self::Routed => "stored and routed (async)",
            Self::Place => "desk dispatches",
            Self::Open => "clerk opens the task",
            Self::Claim => "claim",
            Self::Disclaim => "disclaim → next bureau",
            Self::Progress => "progress note",
            Self::Resolve => "resolve",
            Self::Review => "desk approves result",
            Self::Visit => "return visit closes",
        }
    }

    fn index(self) -> usize {
        STEPS.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// How a lifecycle ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Closed,
    /// Every candidate disclaimed: it went to coordination (协调中; not a failure).
    Escalated,
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Tally {
    pub closed: u64,
    pub escalated: u64,
    pub disclaimed: u64,
    pub placed: u64,
    pub elapsed: Duration,
    latencies: Vec<Vec<Duration>>,
    pub errors: Vec<String>,
}

impl Tally {
    /// How many times a step was timed.
    pub fn count(&self, step: Step) -> usize {
        self.latencies.get(step.index()).map_or(0, Vec::len)
    }

    /// Quantile `q` (0..=1) of a step's latencies.
    pub fn quantile(&self, step: Step, q: f64) -> Option<Duration> {
        let mut v = self.latencies.get(step.index())?.clone();
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        Some(v[rank - 1])
    }

    pub fn per_second(&self) -> f64 {
        self.closed as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// A table for the README: lifecycles per second, then p50/p95/p99 of every step.
    pub fn report(&self) -> String {
        let ms = |d: Option<Duration>| {
            d.map_or_else(|| "-".to_owned(), |d| format!("{:.1}", d.as_secs_f64() * 1e3))
        };
        let mut out = format!(
            "lifecycles closed: {} in {:.1} s = {:.1}/s; disclaimed {}, placed by the desk {}, to coordination {}, \
             failed {}\n\n| step | n | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n",
            self.closed,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.disclaimed,
            self.placed,
            self.escalated,
            self.errors.len(),
        );
        for step in STEPS {
            if self.count(step) == 0 {
                continue;
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                step.name(),
                self.count(step),
                ms(self.quantile(step, 0.5)),
                ms(self.quantile(step, 0.95)),
                ms(self.quantile(step, 0.99)),
                ms(self.quantile(step, 1.0)),
            );
        }
        for e in self.errors.iter().take(5) {
            let _ = writeln!(out, "error: {e}");
        }
        out
    }
}

/// Runs the plan: `users` loops of back-to-back lifecycles until the duration is over (a
/// lifecycle under way when time is up still finishes, and counts).
pub async fn run(plan: &Plan) -> Tally {
    assert!(!plan.samples.is_empty(), "the benchmark needs at least one sample place");
    let people = Arc::new(People::new(plan));
    for who in plan.bureaus.iter().map(String::as_str).chain(["desk"]) {
        if let Err(e) = people.user(who).await {
            return Tally { errors: vec![e], ..Tally::default() };
        }
    }
    let shared = Arc::new(Mutex::new(Tally { latencies: vec![Vec::new(); STEPS.len()], ..Tally::default() }));
    let started = Instant::now();
    let stop = started + plan.duration;
    let mut loops = Vec::new();
    for user in 0..plan.users {
        let (people, shared, plan) = (people.clone(), shared.clone(), plan.clone());
        loops.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(user as u64);
            while Instant::now() < stop {
                let mut timed = Vec::new();
                let outcome = lifecycle(&people, &plan, &mut rng, &mut timed).await;
                let failed = outcome.is_err();
                {
                    let mut t = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    for (step, d) in &timed {
                        t.latencies[step.index()].push(*d);
                    }
                    t.disclaimed += u64::from(timed.iter().any(|(s, _)| *s == Step::Disclaim));
                    t.placed += timed.iter().filter(|(s, _)| *s == Step::Place).count() as u64;
                    match outcome {
                        Ok(Ending::Closed) => t.closed += 1,
                        Ok(Ending::Escalated) => t.escalated += 1,
                        Err(e) => t.errors.push(e),
                    }
                }
                if failed {
                    // A failing server is not hammered in a tight loop.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }));
    }
    for l in loops {
        let _ = l.await;
    }
    let mut tally = std::mem::take(&mut *shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    tally.elapsed = started.elapsed();
    tally
}

type Timed = Vec<(Step, Duration)>;

async fn lifecycle(p: &People, plan: &Plan, rng: &mut StdRng, timed: &mut Timed) -> Result<Ending, String> {
    let sample = &plan.samples[rng.random_range(0..plan.samples.len())];
    let tracking = p.submit(sample, rng, timed).await?;
    let desk = p.user("desk").await?;
    let mut case = routed(p, &desk, &tracking, timed).await?;
    let mut disclaim = rng.random_range(0..1000) < plan.disclaims_per_mille;
    loop {
        if case["request"]["status"] == "awaiting_dispatch" {
            let body = json!({ "bureau": plan.fallback, "note": "人工分拨" });
            case = p
                .timed(timed, Step::Place, &desk, &format!("/api/v1/requests/{tracking}/dispatch"), body)
                .await?;
        }
        if case["request"]["status"] == "escalated" {
            return Ok(Ending::Escalated);
        }
        let (bureau, task) =
            lead_task(&case).ok_or_else(|| format!("{tracking}: no dispatched lead task: {case}"))?;
        let clerk = p.user(&bureau).await?;
        let t = Instant::now();
        p.call(reqwest::Method::GET, &format!("/api/v1/tasks/{task}"), &clerk, None).await?;
        timed.push((Step::Open, t.elapsed()));
        p.timed(timed, Step::Claim, &clerk, &format!("/api/v1/tasks/{task}/claim"), json!({})).await?;
        if disclaim {
            disclaim = false;
            let body = json!({ "reason": "not_our_area", "explanation": "该事项不属本单位职责" });
            let answer = p
                .timed(timed, Step::Disclaim, &clerk, &format!("/api/v1/tasks/{task}/disclaim"), body)
                .await?;
            case = answer["case"].clone();
            continue;
        }
        p.progress(&clerk, &task, timed).await?;
        let body = json!({ "result": "已到现场处理完毕" });
        let done =
            p.timed(timed, Step::Resolve, &clerk, &format!("/api/v1/tasks/{task}/resolve"), body).await?;
        assists(p, &tracking, &done["case"], timed).await?;
        break;
    }
    p.timed(
        timed,
        Step::Review,
        &desk,
        &format!("/api/v1/requests/{tracking}/review"),
        json!({ "approve": true }),
    )
    .await?;
    let body = json!({ "solved": true, "satisfaction": "satisfied", "comment": "处理及时" });
    let closed =
        p.timed(timed, Step::Visit, &desk, &format!("/api/v1/requests/{tracking}/visit"), body).await?;
    match closed["request"]["status"].as_str() {
        Some("closed") => Ok(Ending::Closed),
        other => Err(format!("{tracking}: the return visit left it {other:?}")),
    }
}

/// Assisting bureaus (协办) the rules brought in: each one's clerk claims and resolves its part,
/// and only then is the request resolved.
async fn assists(p: &People, tracking: &str, case: &Value, timed: &mut Timed) -> Result<(), String> {
    if case["request"]["status"] == "resolved" {
        return Ok(());
    }
    let owed: Vec<(String, String, bool)> = case["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["role"] == "assist" && (t["state"] == "dispatched" || t["state"] == "claimed"))
        .filter_map(|t| {
            Some((
                t["bureau"]["code"].as_str()?.to_owned(),
                t["id"].as_str()?.to_owned(),
                t["state"] == "dispatched",
            ))
        })
        .collect();
    for (bureau, task, unclaimed) in owed {
        let clerk = p.user(&bureau).await?;
        if unclaimed {
            p.timed(timed, Step::Claim, &clerk, &format!("/api/v1/tasks/{task}/claim"), json!({})).await?;
        }
        let body = json!({ "result": "已配合处理完毕" });
        p.timed(timed, Step::Resolve, &clerk, &format!("/api/v1/tasks/{task}/resolve"), body).await?;
    }
    let (_, case) = p
        .send(reqwest::Method::GET, &format!("/api/v1/requests/{tracking}"), &p.user("desk").await?, None)
        .await?;
    match case["request"]["status"].as_str() {
        Some("resolved") => Ok(()),
        other => Err(format!("{tracking}: still {other:?} after every task resolved: {case}")),
    }
}

/// Waits until the desk sees the request routed: a lead task dispatched, or waiting for the desk.
async fn routed(p: &People, desk: &str, tracking: &str, timed: &mut Timed) -> Result<Value, String> {
    let t = Instant::now();
    loop {
        let (status, case) =
            p.send(reqwest::Method::GET, &format!("/api/v1/requests/{tracking}"), desk, None).await?;
        if status == StatusCode::OK
            && (case["request"]["status"] == "awaiting_dispatch" || lead_task(&case).is_some())
        {
            timed.push((Step::Routed, t.elapsed()));
            return Ok(case);
        }
        if status != StatusCode::OK && status != StatusCode::NOT_FOUND {
            return Err(format!("GET case {tracking}: {status} {case}"));
        }
        if t.elapsed() > ROUTING_PATIENCE {
            return Err(format!("{tracking} not routed within {ROUTING_PATIENCE:?}: {case}"));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The lead bureau's dispatched task: (bureau code, task id).
fn lead_task(case: &Value) -> Option<(String, String)> {
    case["tasks"].as_array()?.iter().find_map(|t| {
        (t["role"] == "lead" && t["state"] == "dispatched")
            .then(|| Some((t["bureau"]["code"].as_str()?.to_owned(), t["id"].as_str()?.to_owned())))?
    })
}

/// Values fetched once per key (sessions per user, answers per category), even when wanted by
/// several lifecycles at once.
type Once<T> = tokio::sync::Mutex<HashMap<String, Arc<OnceCell<T>>>>;

/// The HTTP side: one connection pool, and each staff member signed in once.
#[derive(Debug)]
struct People {
    http: reqwest::Client,
    base: String,
    api_key: String,
    prefix: String,
    password: String,
    tokens: Once<String>,
    definitions: Once<Vec<(String, String)>>,
}

impl People {
    fn new(plan: &Plan) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(plan.users * 2)
            .build()
            .expect("HTTP client");
        Self {
            http,
            base: plan.base.clone(),
            api_key: plan.api_key.clone(),
            prefix: plan.prefix.clone(),
            password: plan.password.clone(),
            tokens: tokio::sync::Mutex::default(),
            definitions: tokio::sync::Mutex::default(),
        }
    }

    /// A session token for `{prefix}{who}`, signing in on first use.
    async fn user(&self, who: &str) -> Result<String, String> {
        let cell = self.tokens.lock().await.entry(who.to_owned()).or_default().clone();
        let username = format!("{}{who}", self.prefix);
        cell.get_or_try_init(|| async {
            let resp = self
                .http
                .post(format!("{}/api/v1/auth/login", self.base))
                .json(&json!({ "username": username, "password": self.password }))
                .send()
                .await
                .map_err(|e| format!("sign in {username}: {e}"))?;
            let status = resp.status();
            let body: Value = resp.json().await.map_err(|e| format!("sign in {username}: {e}"))?;
            body["token"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("sign in {username}: {status} {body}"))
        })
        .await
        .cloned()
    }

    async fn submit(&self, s: &Sample, rng: &mut StdRng, timed: &mut Timed) -> Result<String, String> {
        let phone = format!("139{:08}", rng.random_range(0..100_000_000u32));
        let description = format!("基准测试诉求 {}：现场情况需要处理", rng.random_range(0..1_000_000u32));
        let mut fields = vec![
            ("api_key".to_owned(), self.api_key.clone()),
            ("service_code".to_owned(), s.category.clone()),
            ("lat".to_owned(), s.lat.to_string()),
            ("long".to_owned(), s.lon.to_string()),
            ("description".to_owned(), description),
            ("phone".to_owned(), phone),
        ];
        fields.extend(self.answers(&s.category).await?);
        let fields =
            fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        let t = Instant::now();
        let resp = self
            .http
            .post(format!("{}/open311/v2/requests.json", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(fields)
            .send()
            .await
            .map_err(|e| format!("POST request: {e}"))?;
        let status = resp.status();
        let body: Value = resp.json().await.map_err(|e| format!("POST request: {e}"))?;
        timed.push((Step::Submit, t.elapsed()));
        body[0]["service_request_id"]
            .as_str()
            .filter(|_| status.is_success())
            .map(str::to_owned)
            .ok_or_else(|| format!("POST request: {status} {body}"))
    }

    /// What a citizen answers to the category's required questions (`attribute[code]` fields),
    /// from its Open311 service definition: the first choice, or a plausible value.
    async fn answers(&self, category: &str) -> Result<Vec<(String, String)>, String> {
        let cell = self.definitions.lock().await.entry(category.to_owned()).or_default().clone();
        cell.get_or_try_init(|| async {
            let url = format!("{}/open311/v2/services/{category}.json", self.base);
            let fail = |e: &dyn std::fmt::Display| format!("GET {url}: {e}");
            let body: Value =
                self.http.get(&url).send().await.map_err(|e| fail(&e))?.json().await.map_err(|e| fail(&e))?;
            let definition = if body.is_array() { &body[0] } else { &body };
            let attributes = definition["attributes"].as_array().cloned().unwrap_or_default();
            Ok(attributes
                .iter()
                .filter(|a| a["required"] == true)
                .filter_map(|a| {
                    let value = match a["datatype"].as_str()? {
                        "singlevaluelist" | "multivaluelist" => a["values"][0]["key"].as_str()?.to_owned(),
                        "number" => "2".to_owned(),
                        "datetime" => "2026-11-20T22:00:00+08:00".to_owned(),
                        _ => "有".to_owned(),
                    };
                    Some((format!("attribute[{}]", a["code"].as_str()?), value))
                })
                .collect())
        })
        .await
        .cloned()
    }

    async fn progress(&self, token: &str, task: &str, timed: &mut Timed) -> Result<(), String> {
        let form = reqwest::multipart::Form::new().text("note", "已安排人员到场核实");
        let t = Instant::now();
        let resp = self
            .http
            .post(format!("{}/api/v1/tasks/{task}/progress", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .map_err(|e| format!("progress: {e}"))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| format!("progress: {e}"))?;
        timed.push((Step::Progress, t.elapsed()));
        if status.is_success() { Ok(()) } else { Err(format!("progress {task}: {status} {body}")) }
    }

    /// A timed JSON POST that must succeed.
    async fn timed(
        &self,
        timed: &mut Timed,
        step: Step,
        token: &str,
        path: &str,
        body: Value,
    ) -> Result<Value, String> {
        let t = Instant::now();
        let answer = self.call(reqwest::Method::POST, path, token, Some(body)).await?;
        timed.push((step, t.elapsed()));
        Ok(answer)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        match self.send(method.clone(), path, token, body).await? {
            (status, v) if status.is_success() => Ok(v),
            (status, v) => Err(format!("{method} {path}: {status} {v}")),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), String> {
        let mut req = self.http.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| format!("{method} {path}: {e}"))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| format!("{method} {path}: {e}"))?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    }
}
