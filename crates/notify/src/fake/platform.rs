//! Fake WeChat and 企业微信 servers (feature `fake`): real HTTP servers on localhost that issue
//! access tokens for the right credentials only, refuse a message whose token they never issued
//! (40014) or have expired (42001), check the fields the real APIs require (the `agentid`, a
//! recipient, a text card's title, description and link; a template's id and its fields'
//! lengths; a customer-service message's text), serve WeChat's temporary media (a photo by its
//! `MediaId`, 40007 for one it does not hold), and count what they accept. Like the real ones
//! they absorb a repeat: 企业微信's duplicate check (same card, same recipients, within the
//! interval) and WeChat's `client_msg_id` (same OpenID and id within ten minutes) accept it
//! without delivering it again, and the fake counts those apart.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::Mode;
use crate::platform::wechat::fit;

/// A message a fake delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    /// `message/send` (企业微信), `template/send` or `custom/send` (WeChat).
    pub api: &'static str,
    /// The recipients as sent: the OpenID, or 企业微信's `touser|toparty|totag`.
    pub to: String,
    pub body: Value,
    pub at: Instant,
}

#[derive(Debug, Default)]
struct Ledger {
    /// Tokens issued and still valid, and those the test expired.
    valid: Vec<String>,
    expired: HashSet<String>,
    fetches: usize,
    delivered: Vec<Delivered>,
    /// Repeats absorbed by the platform's duplicate check, by what identified them.
    seen: HashMap<String, Instant>,
    absorbed: usize,
    rejected: Vec<String>,
    /// Recipients the platform refuses, with the code (an OpenID that unfollowed: 43004).
    refused: HashMap<String, i64>,
    /// WeChat's temporary media by `MediaId`, and how many downloads it served.
    media: HashMap<String, Vec<u8>>,
    media_served: usize,
}

#[derive(Debug, Clone)]
struct Fake {
    state: Arc<Mutex<(Ledger, Mode)>>,
    /// The credentials it issues tokens for: (corp id or app id, secret), and 企业微信's agent id.
    id: String,
    secret: String,
    agent_id: i64,
}

impl Fake {
    fn with<T>(&self, f: impl FnOnce(&mut Ledger, &mut Mode) -> T) -> T {
        let mut g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (s, m) = &mut *g;
        f(s, m)
    }

    fn error(&self, code: i64, why: &str) -> Response {
        self.with(|s, _| s.rejected.push(format!("{code}: {why}")));
        Json(json!({ "errcode": code, "errmsg": why })).into_response()
    }

    /// The token for these credentials: the one still valid, else a new one.
    fn issue(&self) -> Response {
        let token = self.with(|s, _| {
            s.fetches += 1;
            if let Some(t) = s.valid.iter().find(|t| !s.expired.contains(*t)) {
                return t.clone();
            }
            let t = format!("fake-token-{}-{}", s.fetches, uuid::Uuid::new_v4().simple());
            s.valid.push(t.clone());
            t
        });
        Json(json!({ "errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200 }))
            .into_response()
    }

    /// Why a message's token is refused, if it is: down first, then the token.
    fn gate(&self, token: Option<&String>, invalid: i64) -> Option<Response> {
        if self.with(|_, m| *m == Mode::Down) {
            return Some(StatusCode::SERVICE_UNAVAILABLE.into_response());
        }
        let Some(token) = token else { return Some(self.error(41001, "access_token missing")) };
        let (known, expired) = self.with(|s, _| (s.valid.contains(token), s.expired.contains(token)));
        if expired {
            return Some(self.error(42001, "access_token expired"));
        }
        if !known {
            return Some(self.error(invalid, "invalid access_token"));
        }
        match self.with(|_, m| m.clone()) {
            Mode::Refuse(code) => Some(self.error(code.parse().unwrap_or(-1), "refused")),
            _ => None,
        }
    }

    /// Delivers, unless `key` was seen within `window` (a repeat the platform absorbs).
    fn deliver(&self, api: &'static str, to: &str, body: Value, key: Option<(String, Duration)>) -> Response {
        let n = self.with(|s, _| {
            if let Some((key, window)) = key {
                let now = Instant::now();
                if s.seen.get(&key).is_some_and(|at| now.duration_since(*at) < window) {
                    s.absorbed += 1;
                    return None;
                }
                s.seen.insert(key, now);
            }
            s.delivered.push(Delivered { api, to: to.to_owned(), body, at: Instant::now() });
            Some(s.delivered.len())
        });
        let msgid = n.map_or_else(|| "repeat".to_owned(), |n| format!("fake-msg-{n}"));
        Json(json!({ "errcode": 0, "errmsg": "ok", "msgid": msgid })).into_response()
    }

    fn refused_code(&self, who: &str) -> Option<i64> {
        self.with(|s, _| s.refused.get(who).copied())
    }
}

/// A running fake platform: its address, its counts, and its switches.
#[derive(Debug, Clone)]
pub struct PlatformHandle {
    pub addr: SocketAddr,
    fake: Fake,
}

impl PlatformHandle {
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The messages delivered, in order.
    pub fn delivered(&self) -> Vec<Delivered> {
        self.fake.with(|s, _| s.delivered.clone())
    }

    /// How many times a token was fetched.
    pub fn fetches(&self) -> usize {
        self.fake.with(|s, _| s.fetches)
    }

    /// Repeats accepted but not delivered again.
    pub fn absorbed(&self) -> usize {
        self.fake.with(|s, _| s.absorbed)
    }

    /// Calls refused for a bad credential, token or field.
    pub fn rejected(&self) -> Vec<String> {
        self.fake.with(|s, _| s.rejected.clone())
    }

    pub fn set_mode(&self, mode: Mode) {
        self.fake.with(|_, m| *m = mode);
    }

    /// Ends every token issued so far: the next message with one gets 42001.
    pub fn expire_tokens(&self) {
        self.fake.with(|s, _| {
            let all: Vec<String> = s.valid.drain(..).collect();
            s.expired.extend(all);
        });
    }

    /// Holds `bytes` as the temporary media `media_id` (a photo a citizen sent), for
    /// `/cgi-bin/media/get`.
    pub fn add_media(&self, media_id: &str, bytes: Vec<u8>) {
        self.fake.with(|s, _| s.media.insert(media_id.to_owned(), bytes));
    }

    /// How many media downloads it served.
    pub fn media_served(&self) -> usize {
        self.fake.with(|s, _| s.media_served)
    }

    /// Refuses every message to `who` (an OpenID, a 企业微信 member) with `code`.
    pub fn refuse(&self, who: &str, code: i64) {
        self.fake.with(|s, _| s.refused.insert(who.to_owned(), code));
    }
}

async fn serve(app: axum::Router, fake: Fake) -> std::io::Result<PlatformHandle> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(PlatformHandle { addr, fake })
}

fn fake(id: &str, secret: &str, agent_id: i64) -> Fake {
    Fake {
        state: Arc::new(Mutex::new((Ledger::default(), Mode::Up))),
        id: id.to_owned(),
        secret: secret.to_owned(),
        agent_id,
    }
}

type Params = Query<HashMap<String, String>>;

/// A fake 企业微信 (or 政务微信) with one application.
#[derive(Debug)]
pub struct FakeWeCom;

impl FakeWeCom {
    pub async fn start(corp_id: &str, secret: &str, agent_id: i64) -> std::io::Result<PlatformHandle> {
        let f = fake(corp_id, secret, agent_id);
        let app = axum::Router::new()
            .route("/cgi-bin/gettoken", get(wecom_token))
            .route("/cgi-bin/message/send", post(wecom_send))
            .with_state(f.clone());
        serve(app, f).await
    }
}

async fn wecom_token(State(f): State<Fake>, Query(q): Params) -> Response {
    if f.with(|_, m| *m == Mode::Down) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if q.get("corpid") != Some(&f.id) {
        return f.error(40013, "invalid corpid");
    }
    if q.get("corpsecret") != Some(&f.secret) {
        return f.error(40001, "invalid secret");
    }
    f.issue()
}

async fn wecom_send(State(f): State<Fake>, Query(q): Params, body: axum::body::Bytes) -> Response {
    if let Some(refused) = f.gate(q.get("access_token"), 40014) {
        return refused;
    }
    let Ok(b) = serde_json::from_slice::<Value>(&body) else { return f.error(47001, "data format error") };
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    if b["agentid"].as_i64() != Some(f.agent_id) {
        return f.error(40056, "invalid agentid");
    }
    let to = format!("{}|{}|{}", text(&b["touser"]), text(&b["toparty"]), text(&b["totag"]));
    if to == "||" {
        return f.error(81013, "user & party & tag all invalid");
    }
    if let Some(code) = f.refused_code(&to) {
        return f.error(code, "recipients refused");
    }
    if b["msgtype"] != "textcard" {
        return f.error(40008, "invalid message type");
    }
    let card = &b["textcard"];
    for field in ["title", "description", "url"] {
        if text(&card[field]).is_empty() {
            return f.error(41016, &format!("missing textcard.{field}"));
        }
    }
    let window = (b["enable_duplicate_check"] == 1).then(|| {
        let secs = b["duplicate_check_interval"].as_u64().unwrap_or(1800);
        (format!("{to}\n{card}"), Duration::from_secs(secs))
    });
    f.deliver("message/send", &to, b, window)
}

/// A fake WeChat official account.
#[derive(Debug)]
pub struct FakeWeChat;

impl FakeWeChat {
    pub async fn start(app_id: &str, secret: &str) -> std::io::Result<PlatformHandle> {
        let f = fake(app_id, secret, 0);
        let app = axum::Router::new()
            .route("/cgi-bin/stable_token", post(wechat_token))
            .route("/cgi-bin/token", get(wechat_plain_token))
            .route("/cgi-bin/media/get", get(wechat_media))
            .route("/cgi-bin/message/template/send", post(wechat_template))
            .route("/cgi-bin/message/custom/send", post(wechat_custom))
            .with_state(f.clone());
        serve(app, f).await
    }
}

async fn wechat_token(State(f): State<Fake>, body: axum::body::Bytes) -> Response {
    if f.with(|_, m| *m == Mode::Down) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let Ok(b) = serde_json::from_slice::<Value>(&body) else { return f.error(47001, "data format error") };
    if b["grant_type"] != "client_credential" {
        return f.error(40002, "invalid grant_type");
    }
    if b["appid"] != f.id.as_str() {
        return f.error(40013, "invalid appid");
    }
    if b["secret"] != f.secret.as_str() {
        return f.error(40125, "invalid appsecret");
    }
    f.issue()
}

/// `GET /cgi-bin/token`, the older token call: the same credentials, in the query.
async fn wechat_plain_token(State(f): State<Fake>, Query(q): Params) -> Response {
    if f.with(|_, m| *m == Mode::Down) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if q.get("grant_type").map(String::as_str) != Some("client_credential") {
        return f.error(40002, "invalid grant_type");
    }
    if q.get("appid") != Some(&f.id) {
        return f.error(40013, "invalid appid");
    }
    if q.get("secret") != Some(&f.secret) {
        return f.error(40125, "invalid appsecret");
    }
    f.issue()
}

/// `GET /cgi-bin/media/get`: a known media's bytes as `image/jpeg` for a valid token, else
/// WeChat's JSON error (40007 for a media id it does not hold).
async fn wechat_media(State(f): State<Fake>, Query(q): Params) -> Response {
    if let Some(refused) = f.gate(q.get("access_token"), 40001) {
        return refused;
    }
    let id = q.get("media_id").cloned().unwrap_or_default();
    let Some(bytes) = f.with(|s, _| s.media.get(&id).cloned()) else {
        return f.error(40007, "invalid media_id");
    };
    f.with(|s, _| s.media_served += 1);
    ([(axum::http::header::CONTENT_TYPE, "image/jpeg")], bytes).into_response()
}

/// The body, once the token and the recipient pass.
fn wechat_checked(
    f: &Fake,
    q: &HashMap<String, String>,
    body: &[u8],
) -> Result<(String, Value), Box<Response>> {
    if let Some(refused) = f.gate(q.get("access_token"), 40001) {
        return Err(Box::new(refused));
    }
    let Ok(b) = serde_json::from_slice::<Value>(body) else {
        return Err(Box::new(f.error(47001, "data format error")));
    };
    let openid = b["touser"].as_str().unwrap_or_default().to_owned();
    if openid.is_empty() {
        return Err(Box::new(f.error(40003, "invalid openid")));
    }
    if let Some(code) = f.refused_code(&openid) {
        return Err(Box::new(f.error(code, "refused")));
    }
    Ok((openid, b))
}

async fn wechat_template(State(f): State<Fake>, Query(q): Params, body: axum::body::Bytes) -> Response {
    let (openid, b) = match wechat_checked(&f, &q, &body) {
        Ok(ok) => ok,
        Err(refused) => return *refused,
    };
    if b["template_id"].as_str().unwrap_or_default().is_empty() {
        return f.error(40037, "invalid template_id");
    }
    let Some(data) = b["data"].as_object().filter(|d| !d.is_empty()) else {
        return f.error(47003, "argument invalid! data");
    };
    for (key, field) in data {
        let value = field["value"].as_str().unwrap_or_default();
        if fit(key, value) != value {
            return f.error(47003, &format!("argument invalid! data.{key}.value invalid"));
        }
    }
    let key = b["client_msg_id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(|id| (format!("{openid}\n{id}"), Duration::from_secs(600)));
    f.deliver("template/send", &openid, b, key)
}

async fn wechat_custom(State(f): State<Fake>, Query(q): Params, body: axum::body::Bytes) -> Response {
    let (openid, b) = match wechat_checked(&f, &q, &body) {
        Ok(ok) => ok,
        Err(refused) => return *refused,
    };
    if b["msgtype"] != "text" || b["text"]["content"].as_str().unwrap_or_default().is_empty() {
        return f.error(44004, "empty content");
    }
    f.deliver("custom/send", &openid, b, None)
}
