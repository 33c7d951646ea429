//! `GET /wechat` (URL verification) and `POST /wechat` (message pushes, plain or safe mode).
//!
//! Every push is checked before anything else: its signature, its timestamp (within the allowed
//! clock skew), and its nonce (one signed query, one message: in plain mode the signature does
//! not cover the body, so a query replayed with another body must be refused). The answer always
//! leaves within WeChat's five seconds.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use jiesu_domain::contact::OpenId;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{ChannelSessions, PendingPhoto, PendingPhotos, Queue, Saved, Store, StoreError};
use jiesu_domain::request::Channel;
use jiesu_words::{Lang, bureau_name};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::conversation::{Action, Input, State as Conversation, Suggestion, step_with};
use super::crypto::{Cipher, same, signature};
use super::message::{self, Push};
use super::photos::Downloads;
use crate::publish::Intake;

#[derive(Debug, Clone)]
pub struct WechatConfig {
    pub token: String,
    /// Safe mode's key; `None` when the account only uses plain mode.
    pub cipher: Option<Cipher>,
    /// The account's original id (gh_...), the sender of our replies.
    pub account: String,
    pub max_skew: chrono::Duration,
    pub draft_ttl: chrono::Duration,
    /// How long a push may take, from its arrival, before we answer "busy": WeChat gives up after
    /// five seconds.
    pub deadline: Duration,
}

#[derive(Debug)]
pub struct Wechat<S, Q> {
    pub store: S,
    pub queue: Q,
    pub district: LiveDistrict,
    pub config: WechatConfig,
    /// The server's key, which tracking numbers are derived with.
    pub key: jiesu_domain::secret::ServerKey,
    /// 秒回: a question it answers is answered before a request is drafted (none: never).
    pub answers: Option<jiesu_answers::LiveAnswers>,
    /// Where citizens reach Jiesu: each request's private link (its page, and its return visit
    /// once resolved) starts with it.
    pub public_url: String,
    /// Photos are downloaded into the photo store after the reply (`photos`); none: the draft
    /// keeps WeChat's temporary link, as when the account's secret is not configured.
    pub photos: Option<Downloads>,
}

type Shared<S, Q> = Arc<Wechat<S, Q>>;

pub fn routes<S: Store + ChannelSessions + PendingPhotos, Q: Queue>(state: Shared<S, Q>) -> Router {
    Router::new().route("/wechat", get(verify::<S, Q>).post(receive::<S, Q>)).with_state(state)
}

#[derive(Debug, Deserialize)]
pub struct Params {
    signature: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    echostr: Option<String>,
    encrypt_type: Option<String>,
    msg_signature: Option<String>,
}

const BUSY: &str = "系统繁忙，请稍后再试。";

fn refuse(status: StatusCode, why: &'static str) -> Response {
    (status, why).into_response()
}

/// Why a push is refused: a status and a short reason (WeChat only looks at the status).
type Refusal = (StatusCode, &'static str);

/// Checks the query's signature and timestamp; returns (timestamp, nonce).
fn check<'a, S, Q>(s: &Wechat<S, Q>, p: &'a Params) -> Result<(&'a str, &'a str), Refusal> {
    let (Some(sig), Some(ts), Some(nonce)) =
        (p.signature.as_deref(), p.timestamp.as_deref(), p.nonce.as_deref())
    else {
        return Err((StatusCode::BAD_REQUEST, "signature, timestamp and nonce are required"));
    };
    if !same(sig, &signature(&[&s.config.token, ts, nonce])) {
        return Err((StatusCode::FORBIDDEN, "invalid signature"));
    }
    let sent = ts.parse::<i64>().ok().and_then(|t| chrono::DateTime::<Utc>::from_timestamp(t, 0));
    match sent {
        Some(t) if (Utc::now() - t).abs() <= s.config.max_skew => Ok((ts, nonce)),
        Some(_) => Err((StatusCode::FORBIDDEN, "stale timestamp")),
        None => Err((StatusCode::BAD_REQUEST, "timestamp must be Unix seconds")),
    }
}

async fn verify<S, Q>(State(s): State<Shared<S, Q>>, Query(p): Query<Params>) -> Response {
    match check(&s, &p) {
        // The platform sends echostr once, when the URL is configured; echo it verbatim.
        Ok(_) => p.echostr.unwrap_or_default().into_response(),
        Err(r) => r.into_response(),
    }
}

async fn receive<S: Store + ChannelSessions + PendingPhotos, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // WeChat waits 5 seconds for the passive reply; everything that touches the database counts
    // against one budget, the replay check included, so a slow database still gets an answer out.
    let answer_by = tokio::time::Instant::now() + s.config.deadline;
    let (ts, nonce) = match check(&s, &p) {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let Ok(body) = std::str::from_utf8(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "the body is not UTF-8");
    };
    let safe = p.encrypt_type.as_deref() == Some("aes");
    let xml = if safe {
        let Some(cipher) = &s.config.cipher else {
            return refuse(StatusCode::BAD_REQUEST, "safe mode is not configured");
        };
        let Some(encrypt) = message::parse(body).ok().and_then(|e| e.encrypt) else {
            return refuse(StatusCode::BAD_REQUEST, "no Encrypt element");
        };
        let msg_sig = p.msg_signature.as_deref().unwrap_or_default();
        if !same(msg_sig, &signature(&[&s.config.token, ts, nonce, &encrypt])) {
            return refuse(StatusCode::FORBIDDEN, "invalid msg_signature");
        }
        match cipher.decrypt(&encrypt) {
            Ok(xml) => xml,
            Err(_) => return refuse(StatusCode::BAD_REQUEST, "cannot decrypt the message"),
        }
    } else {
        body.to_owned()
    };
    let Ok(push) = message::parse(&xml) else {
        return refuse(StatusCode::BAD_REQUEST, "not a WeChat message");
    };
    let key = push.key();
    let seen = format!("{ts}:{nonce}");
    let claim = s.store.claim_nonce(Channel::Wechat, &seen, &key, jiesu_domain::time::now());
    match tokio::time::timeout_at(answer_by, claim).await {
        Ok(Ok(first)) if first == key => {}
        Ok(Ok(_)) => return refuse(StatusCode::FORBIDDEN, "replayed nonce"),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot check a WeChat nonce");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "please retry");
        }
        Err(_) => {
            // Nothing was done: the citizen is asked to send it again.
            tracing::error!(deadline = ?s.config.deadline, "a WeChat nonce check took too long");
            return render(&s.config, &push, BUSY, safe);
        }
    }
    let text = match tokio::time::timeout_at(answer_by, handle(&s, &push, &key, &headers)).await {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot handle a WeChat message");
            BUSY.to_owned()
        }
        Err(_) => {
            tracing::error!(deadline = ?s.config.deadline, "a WeChat message took too long");
            BUSY.to_owned()
        }
    };
    render(&s.config, &push, &text, safe)
}

/// The passive reply (encrypted in safe mode), or `success` to answer nothing.
fn render(config: &WechatConfig, push: &Push, text: &str, safe: bool) -> Response {
    if text.is_empty() {
        return "success".into_response();
    }
    let now = Utc::now().timestamp();
    let from = if config.account.is_empty() { push.to.as_str() } else { config.account.as_str() };
    let reply = message::text_reply(&push.from, from, now, text);
    let body = match (&config.cipher, safe) {
        (Some(cipher), true) => {
            let encrypt = cipher.encrypt(&reply, rand::random());
            let (ts, nonce) = (now.to_string(), rand::random::<u32>().to_string());
            let sig = signature(&[&config.token, &ts, &nonce, &encrypt]);
            message::encrypted_reply(&encrypt, &sig, &ts, &nonce)
        }
        _ => reply,
    };
    ([(axum::http::header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response()
}

/// The session key: a hash of the OpenID, so the sessions table holds no personal identifier.
fn user_key(openid: &OpenId) -> String {
    Sha256::digest(openid.expose().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the intake queue: {0}")]
    Queue(#[from] jiesu_domain::ports::QueueError),
    #[error("the session keeps changing")]
    Contention,
}

async fn handle<S: Store + ChannelSessions + PendingPhotos, Q: Queue>(
    s: &Wechat<S, Q>,
    push: &Push,
    key: &str,
    headers: &HeaderMap,
) -> Result<String, Failure> {
    // WeChat's retry of a message we handled: the same answer, nothing done twice.
    if let Some(reply) = s.store.recorded_reply(Channel::Wechat, key).await? {
        return Ok(reply);
    }
    let Ok(openid) = OpenId::parse(&push.from) else {
        return Ok(String::new());
    };
    let user = user_key(&openid);
    let photo = ours(s, push, key, headers);
    for _ in 0..5 {
        let session = s.store.session(Channel::Wechat, &user).await?;
        let mut state: Conversation =
            session.as_ref().and_then(|x| serde_json::from_str(&x.state).ok()).unwrap_or_default();
        let now = jiesu_domain::time::now();
        let today = now.with_timezone(&jiesu_domain::time::LOCAL).date_naive();
        let kb = s.answers.as_ref().map(jiesu_answers::LiveAnswers::current);
        let suggest = |q: &str| {
            kb.as_ref()?
                .answer(q, today)
                .map(|h| Suggestion { entry: h.id().to_owned(), answer: h.entry.answer.clone() })
        };
        let input = match &photo {
            Some(p) => Input::Image(p.url.clone()),
            None => Input::from_push(push),
        };
        let reply = match step_with(&mut state, input, now, s.config.draft_ttl, &suggest) {
            Action::Reply(text) => text,
            Action::Silent => String::new(),
            Action::Status => status(s, &state, &openid).await?,
            Action::Mine => format!(
                "我的诉求（您通过本公众号反映的全部诉求，链接30天内有效）：{}",
                mine_link(s, &openid, now)
            ),
            Action::Submit(draft) => {
                state.last = Some(draft.tracking(&s.key));
                let request = match draft.into_request(&s.key, openid.clone(), &s.district.current(), now) {
                    Ok(r) => r,
                    Err(e) => return Ok(format!("提交失败：{e}。请修改后再试。")),
                };
                // Told "received" only once the queue confirmed; if the session save below loses a
                // race, the redone step resends the same draft, which the dispatcher stores once.
                Intake::for_http(&s.queue, headers).send([&request]).await?;
                tracing::debug!(request.id = %request.id, tracking = %request.tracking, "WeChat request received");
                let link = private_link(s, &request.tracking, request.id);
                format!(
                    "已受理！工单编号：{}\n我们会尽快派给承办单位处理。查看进度、办结后评价：{link}\n回复“查询”也可查看进度。\n我的诉求：{}",
                    request.tracking.grouped(),
                    mine_link(s, &openid, now)
                )
            }
            Action::Answered(offered) => {
                state.last = Some(offered.tracking(&s.key));
                let entry = offered.entry.clone();
                let Ok(request) = offered.into_request(&s.key, openid.clone(), &s.district.current(), now)
                else {
                    return Ok(String::new());
                };
                // A consultation answered at once (直办): stored closed, counted, never dispatched.
                Intake::for_http(&s.queue, headers).send([&request]).await?;
                tracing::debug!(request.id = %request.id, entry = %entry, "WeChat question answered by the knowledge base");
                format!(
                    "好的，已为您记录为直接办结，工单编号：{}。如还有其他问题，可以随时发送。",
                    request.tracking.grouped()
                )
            }
        };
        // The draft names the photo: its download is recorded before the reply, so it is never
        // lost (a photo over the limit is not kept, so not fetched).
        let kept = |p: &Ours| state.draft.as_ref().is_some_and(|d| d.photos.contains(&p.url));
        if let Some(p) = photo.as_ref().filter(|p| kept(p)) {
            s.store.queue_photo(&p.pending, now).await?;
        }
        let json = serde_json::to_string(&state).unwrap_or_default();
        match s
            .store
            .save_session(Channel::Wechat, &user, session.map(|x| x.version), &json, key, &reply, now)
            .await?
        {
            Saved::Saved => {
                if let (Some(downloads), Some(_)) = (&s.photos, &photo) {
                    downloads.queued();
                }
                return Ok(reply);
            }
            Saved::AlreadyHandled => {
                return Ok(s.store.recorded_reply(Channel::Wechat, key).await?.unwrap_or(reply));
            }
            Saved::Conflict => continue, // another message of this user got in first: redo the step
        }
    }
    Err(Failure::Contention)
}

/// A photo the citizen sent, named in our photo store: its URL there, and what to download.
#[derive(Debug)]
struct Ours {
    url: String,
    pending: PendingPhoto,
}

/// The photo store's name and URL for an image push, when downloads are on and it carries a
/// `MediaId` (else the draft keeps WeChat's link, `Input::from_push`).
fn ours<S, Q>(s: &Wechat<S, Q>, push: &Push, key: &str, headers: &HeaderMap) -> Option<Ours> {
    s.photos.as_ref()?;
    if push.msg_type != "image" {
        return None;
    }
    let media_id = push.media_id.as_deref().map(str::trim).filter(|m| !m.is_empty())?;
    let name = jiesu_media::MediaDir::name_beforehand(&s.key.photo_name(key))?;
    let base = crate::base_url(&s.public_url, headers);
    let pending = PendingPhoto {
        name: name.clone(),
        media_id: media_id.to_owned(),
        pic_url: push.pic_url.clone().unwrap_or_default(),
        attempts: 0,
    };
    Some(Ours { url: format!("{base}/media/{name}"), pending })
}

async fn status<S: Store, Q>(
    s: &Wechat<S, Q>,
    state: &Conversation,
    openid: &OpenId,
) -> Result<String, StoreError> {
    let Some(tracking) = &state.last else {
        return Ok("您还没有通过本公众号提交过诉求。".into());
    };
    let Some(view) = s.store.request_by_tracking(tracking).await? else {
        return Ok(format!("工单 {} 已受理，正在派单，请稍后查询。", tracking.grouped()));
    };
    let lead = jiesu_domain::task::current_lead(&view.tasks);
    let who =
        lead.map(|t| bureau_name(&s.district.current(), &t.bureau, Lang::Zh)).unwrap_or_else(|| "—".into());
    let by = view
        .expected_at
        .map(|t| {
            format!("预计办结：{}。", t.with_timezone(&jiesu_domain::time::LOCAL).format("%Y-%m-%d %H:%M"))
        })
        .unwrap_or_default();
    let link = private_link(s, tracking, view.request.submitted.id);
    Ok(format!(
        "工单 {}：{}。承办单位：{who}。{by}\n详情：{link}\n我的诉求：{}",
        tracking.grouped(),
        view.request.status.name_zh(),
        mine_link(s, openid, jiesu_domain::time::now())
    ))
}

/// The citizen's list of requests (我的诉求), behind a sealed link that names nobody.
fn mine_link<S, Q>(s: &Wechat<S, Q>, openid: &OpenId, now: chrono::DateTime<Utc>) -> String {
    crate::web::mine::link(s.public_url.trim_end_matches('/'), &s.key, openid, now)
}

/// The request's private link: its page for whoever holds it, with no phone digits to give.
fn private_link<S, Q>(
    s: &Wechat<S, Q>,
    tracking: &jiesu_domain::ids::TrackingNumber,
    id: jiesu_domain::ids::RequestId,
) -> String {
    crate::web::visit_link(s.public_url.trim_end_matches('/'), tracking, &s.key.visit_secret(id))
}
