//! Client applications' webhooks (`/staff/admin/webhooks`): each with its client, URL, the
//! notices it asked for and whether its client's key is still good; registered with the secret
//! shown once on the answer (the client's receiver checks every call with it, as `jiesu webhook
//! add` prints it); removed, after which its pending calls are given up.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::api_client::ClientChannel;
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::{Accounts, ApiClientState, Cases, RegisteredWebhook, Store, StoreError, Webhooks};
use jiesu_domain::webhook::{TOPICS, Webhook, WebhookSecret, WebhookUrl};
use jiesu_words::Lang;
use jiesu_words::history::topic_name;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::layout::{self, Section, flash};
use super::super::session::Viewer;
use super::super::{Pages, State};
use super::{Admin, AdminForm, ShownOnce, Tab, shown_once, tabs, unreadable};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

/// `GET /staff/admin/webhooks`.
pub(crate) async fn list<S: Store + Cases + Accounts + Webhooks>(
    axum::extract::State(pages): State<S>,
    Admin(viewer): Admin<S>,
    Query(q): Query<Done>,
) -> Response {
    let notice = match q.done.as_deref() {
        Some("removed") => Some(flash(
            "ok",
            viewer.lang.pick(
                "回调地址已删除，尚未发出的回调不再发送。",
                "The webhook was removed: its calls not yet made will not be.",
            ),
        )),
        _ => None,
    };
    render(&pages, &viewer, StatusCode::OK, notice).await
}

async fn render<S: Store + Cases + Accounts + Webhooks>(
    pages: &Pages<S>,
    viewer: &Viewer<S>,
    status: StatusCode,
    notice: Option<Markup>,
) -> Response {
    let lang = viewer.lang;
    let store = pages.work.workflow.store();
    let (hooks, clients) = match (store.webhooks().await, store.api_clients().await) {
        (Ok(h), Ok(c)) => (h, c),
        (Err(e), _) | (_, Err(e)) => return unreadable(lang, &e, "回调地址", "The webhooks"),
    };
    let clients: Vec<ApiClientState> = clients
        .into_iter()
        .filter(|c| c.revoked_at.is_none() && c.client.channel == ClientChannel::Open311)
        .collect();
    let body = html! {
        h1 { (lang.pick("系统管理", "Administration")) }
        (tabs(Tab::Webhooks, lang))
        @if let Some(n) = notice { (n) }
        @if !pages.webhooks_on {
            p.flash.warn #webhooks-off role="status" { (lang.pick(
                "本部署未开启回调（notify.webhooks.enabled = false）：登记的地址会保留，但不会收到回调。",
                "Webhooks are off in this deployment (notify.webhooks.enabled = false): registrations are kept, but no calls are made.",
            )) }
        }
        section.card aria-labelledby="h-hooks" {
            h2 #h-hooks { (lang.pick("回调地址", "Webhooks")) }
            p.hint { (lang.pick(
                "接入系统登记地址后，非保密诉求的受理、派单、协调、办结、重办、结案通知会推送到该地址，每次都以签名密钥签名（HMAC-SHA256），对方未收到时自动重试。",
                "Once a client application registers a URL, the receipt, dispatch, coordination, resolution, reopening and closure notices of non-confidential requests are sent to it, each signed with its secret (HMAC-SHA256), and tried again until it answers.",
            )) }
            @if hooks.is_empty() {
                p.muted #no-webhooks { (lang.pick("还没有回调地址。", "No webhook yet.")) }
            } @else {
                ul.rows #webhooks {
                    @for h in &hooks { (row(viewer, h)) }
                }
            }
        }
        (create_form(viewer, &clients))
    };
    layout::respond(
        status,
        layout::page(viewer.chrome(), Section::Admin, lang.pick("回调地址", "Webhooks"), body),
    )
}

fn topics_in_words(topics: &[String], lang: Lang) -> String {
    if topics.is_empty() {
        return lang.pick("全部通知", "every notice").to_owned();
    }
    topics.iter().map(|t| topic_name(t, lang)).collect::<Vec<_>>().join(lang.pick("、", ", "))
}

fn row<S>(v: &Viewer<S>, r: &RegisteredWebhook) -> Markup {
    let lang = v.lang;
    let now = jiesu_domain::time::now();
    let h = &r.webhook;
    html! {
        li id={ "webhook-" (h.id) } {
            span.title { (r.client_name) }
            div.meta {
                span.url { (h.url.as_str()) }
                span { (topics_in_words(&h.topics, lang)) }
                span { (lang.pick("登记于 ", "registered ")) (jiesu_words::time::local_time(h.created_at, now, lang)) }
                @if r.active() {
                    span.clock.ok { (lang.pick("有效", "active")) }
                } @else {
                    span.clock.late { (lang.pick("密钥已吊销，不再推送", "key revoked: no calls")) }
                }
            }
            form method="post" action={ "/staff/admin/webhooks/" (h.id) "/remove" }
                data-confirm=(lang.pick("确定删除该回调地址？尚未发出的回调将不再发送。", "Remove this webhook? Calls not yet made will not be.")) {
                input type="hidden" name="csrf" value=(v.csrf.as_str());
                button.danger type="submit" aria-label={ (lang.pick("删除回调 ", "Remove the webhook ")) (h.url.as_str()) } {
                    (lang.pick("删除", "Remove"))
                }
            }
        }
    }
}

fn create_form<S>(v: &Viewer<S>, clients: &[ApiClientState]) -> Markup {
    let lang = v.lang;
    html! {
        section.card aria-labelledby="h-new-webhook" {
            h2 #h-new-webhook { (lang.pick("登记回调地址", "Register a webhook")) }
            @if clients.is_empty() {
                p.muted #no-clients { (lang.pick(
                    "没有有效的 Open311 接入密钥：请先在“接入密钥”中为该系统新建密钥。",
                    "No Open311 application has a good key: create one under API keys first.",
                )) }
            } @else {
                form #new-webhook method="post" action="/staff/admin/webhooks" {
                    input type="hidden" name="csrf" value=(v.csrf.as_str());
                    label for="webhook-client" { (lang.pick("接入系统", "Client application")) }
                    select id="webhook-client" name="client" {
                        @for c in clients { option value=(c.client.id) { (c.client.name) } }
                    }
                    label for="webhook-url" { (lang.pick("地址（https://…）", "URL (https://…)")) }
                    input type="url" id="webhook-url" name="url" required maxlength="500" autocomplete="off"
                        placeholder="https://app.example.cn/jiesu/hook";
                    fieldset {
                        legend { (lang.pick("推送哪些通知（不选：全部）", "Which notices (none ticked: all)")) }
                        @for t in TOPICS {
                            label.check {
                                input type="checkbox" name="topics" value=(t);
                                " " (topic_name(t, lang))
                            }
                        }
                    }
                    div.actions { button type="submit" id="create-webhook" { (lang.pick("登记", "Register")) } }
                }
            }
        }
    }
}

/// The registration form: its fields as sent, in order (each ticked box sends `topics` once,
/// which a struct cannot take).
#[derive(Debug, Default)]
struct NewWebhook {
    client: String,
    url: String,
    topics: Vec<String>,
}

impl NewWebhook {
    fn read(fields: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (k, v) in fields {
            match k.as_str() {
                "client" => form.client = v,
                "url" => form.url = v,
                "topics" => form.topics.push(v),
                _ => {}
            }
        }
        form
    }
}

/// `POST /staff/admin/webhooks`: the answer shows the secret, once.
pub(crate) async fn create<S: Store + Cases + Accounts + Webhooks>(
    axum::extract::State(pages): State<S>,
    posted: AdminForm<S, Vec<(String, String)>>,
) -> Response {
    let AdminForm { viewer, form, client } = posted;
    let form = NewWebhook::read(form);
    let lang = viewer.lang;
    let now = jiesu_domain::time::now();
    let refuse = |status, zh, en| (status, flash("error", lang.pick(zh, en)));
    let hook = match (uuid::Uuid::parse_str(&form.client), WebhookUrl::parse(&form.url)) {
        (Err(_), _) => {
            Err(refuse(StatusCode::BAD_REQUEST, "请选择接入系统。", "Choose a client application."))
        }
        (_, Err(_)) => Err(refuse(
            StatusCode::BAD_REQUEST,
            "地址须为 https:// 开头的完整网址（http 仅限本机）。",
            "The URL must be a full https:// address (http only to this machine).",
        )),
        (Ok(owner), Ok(url)) => {
            // 256 bits from the thread-local CSPRNG (ChaCha, seeded from the operating system).
            let secret = WebhookSecret::from_random(rand::random());
            Webhook::new(owner, url, &form.topics, secret, now).map_err(|_| {
                refuse(StatusCode::BAD_REQUEST, "请选择列出的通知。", "Choose among the notices listed.")
            })
        }
    };
    let hook = match hook {
        Ok(h) => h,
        Err((status, why)) => return render(&pages, &viewer, status, Some(why)).await,
    };
    let store = pages.work.workflow.store();
    let name = match store.api_clients().await {
        Ok(all) => all.into_iter().find(|c| c.client.id == hook.client).map(|c| c.client.name),
        Err(e) => return unreadable(lang, &e, "接入密钥", "The keys"),
    };
    let name = name.unwrap_or_default();
    let entry =
        AuditEntry::new(Some(&viewer.me.username), AuditAction::WebhookAdded, &name, hook.url.as_str(), now)
            .from_client(Some(client.key()));
    match store.add_webhook(&hook, &entry).await {
        Ok(()) => {
            tracing::info!(client = %name, webhook = %hook.id, "webhook registered");
            created(&viewer, &name, &hook)
        }
        Err(StoreError::Conflict(_)) => {
            let why = lang.pick(
                "该系统已登记过这个地址，或它的密钥已吊销。",
                "That application has registered this URL already, or its key was revoked.",
            );
            render(&pages, &viewer, StatusCode::CONFLICT, Some(flash("error", why))).await
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot register a webhook");
            let why = lang.pick("操作未能完成，请重试。", "That did not go through; try again.");
            render(&pages, &viewer, StatusCode::SERVICE_UNAVAILABLE, Some(flash("error", why))).await
        }
    }
}

/// The answer to a registration: the secret, shown this once.
fn created<S>(viewer: &Viewer<S>, name: &str, hook: &Webhook) -> Response {
    let lang = viewer.lang;
    let shown = ShownOnce {
        tab: Tab::Webhooks,
        title: lang.pick("回调地址已登记", "Webhook registered"),
        summary: format!("{name} · {} · {}", hook.url.as_str(), topics_in_words(&hook.topics, lang)),
        warning: lang.pick(
            "请立即复制签名密钥并安全地交给对方系统的管理员：它只显示这一次。对方用它校验每次回调的 X-Jiesu-Signature。",
            "Copy the signing secret now and hand it safely to the other system's administrator: it is shown only this once. Their receiver checks each call's X-Jiesu-Signature with it.",
        ),
        label: lang.pick("签名密钥", "Signing secret"),
        id: "new-webhook-secret",
        value: hook.secret.expose(),
        back: ("/staff/admin/webhooks", lang.pick("返回回调地址列表", "Back to the webhooks")),
    };
    shown_once(viewer, &shown)
}

/// `POST /staff/admin/webhooks/{id}/remove`.
pub(crate) async fn remove<S: Store + Cases + Accounts + Webhooks>(
    axum::extract::State(pages): State<S>,
    Path(id): Path<String>,
    posted: AdminForm<S, Done>,
) -> Response {
    let AdminForm { viewer, client, .. } = posted;
    let lang = viewer.lang;
    let not_found = || {
        layout::error_page(
            lang,
            StatusCode::NOT_FOUND,
            lang.pick("没有这个回调地址。", "There is no such webhook."),
        )
    };
    let unwell = || {
        layout::error_page(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            lang.pick("操作未能完成，请重试。", "That did not go through; try again."),
        )
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else { return not_found() };
    let store = pages.work.workflow.store();
    let found = match store.webhooks().await {
        Ok(all) => all.into_iter().find(|w| w.webhook.id == id),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the webhooks");
            return unwell();
        }
    };
    let Some(found) = found else { return not_found() };
    let now = jiesu_domain::time::now();
    let entry = AuditEntry::new(
        Some(&viewer.me.username),
        AuditAction::WebhookRemoved,
        &found.client_name,
        found.webhook.url.as_str(),
        now,
    )
    .from_client(Some(client.key()));
    match store.remove_webhook(id, &entry).await {
        Ok(_) => Redirect::to("/staff/admin/webhooks?done=removed").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot remove a webhook");
            unwell()
        }
    }
}
