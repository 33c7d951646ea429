//! The client applications' API keys (`/staff/admin/keys`): Open311 applications and the 12345
//! call centre. Listed with their channel, creation and last use; created with the key shown
//! once on the answer (only its hash is stored, as `jiesu api-key add` does); revoked, which
//! every process honours within its key cache time (a minute).

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::api_client::{ApiClient, ApiKey, ClientChannel};
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::{Accounts, ApiClientState, Cases, Store, StoreError};
use jiesu_words::Lang;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::layout::{self, Section, flash};
use super::super::session::Viewer;
use super::super::{Pages, State};
use super::{Admin, AdminForm, ShownOnce, Tab, shown_once, tabs, unreadable};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct KeysQuery {
    done: Option<String>,
}

fn channel_name(c: ClientChannel, lang: Lang) -> &'static str {
    match c {
        ClientChannel::Open311 => lang.pick("Open311 应用", "Open311 application"),
        ClientChannel::Hotline => lang.pick("12345 热线", "12345 hotline"),
    }
}

/// `GET /staff/admin/keys`.
pub(crate) async fn list<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Admin(viewer): Admin<S>,
    Query(q): Query<KeysQuery>,
) -> Response {
    let notice = match q.done.as_deref() {
        Some("revoked") => Some(flash(
            "ok",
            viewer.lang.pick(
                "密钥已吊销：一分钟内在所有服务进程失效。",
                "The key was revoked: every process refuses it within a minute.",
            ),
        )),
        _ => None,
    };
    render(&pages, &viewer, StatusCode::OK, notice).await
}

async fn render<S: Store + Cases + Accounts>(
    pages: &Pages<S>,
    viewer: &Viewer<S>,
    status: StatusCode,
    notice: Option<Markup>,
) -> Response {
    let lang = viewer.lang;
    let keys = match pages.work.workflow.store().api_clients().await {
        Ok(k) => k,
        Err(e) => return unreadable(lang, &e, "密钥", "The keys"),
    };
    let body = html! {
        h1 { (lang.pick("系统管理", "Administration")) }
        (tabs(Tab::Keys, lang))
        @if let Some(n) = notice { (n) }
        section.card aria-labelledby="h-keys" {
            h2 #h-keys { (lang.pick("接入密钥", "API keys")) }
            p.hint { (lang.pick(
                "Open311 应用和 12345 热线系统凭密钥提交诉求。最近使用时间精确到分钟。",
                "Open311 applications and the 12345 call centre post requests with a key. Last use is kept to the minute.",
            )) }
            @if keys.is_empty() {
                p.muted #no-keys { (lang.pick("还没有密钥。", "No key yet.")) }
            } @else {
                ul.rows #keys {
                    @for k in &keys { (key_row(viewer, k)) }
                }
            }
        }
        (create_form(viewer))
    };
    let title = lang.pick("接入密钥", "API keys");
    layout::respond(status, layout::page(viewer.chrome(), Section::Admin, title, body))
}

fn key_row<S>(v: &Viewer<S>, k: &ApiClientState) -> Markup {
    let lang = v.lang;
    let now = jiesu_domain::time::now();
    let at = |t| jiesu_words::time::local_time(t, now, lang);
    let c = &k.client;
    html! {
        li id={ "key-" (c.id) } {
            span.title { (c.name) }
            div.meta {
                span { (channel_name(c.channel, lang)) }
                span { (lang.pick("创建于 ", "created ")) (at(c.created_at)) }
                span {
                    (lang.pick("最近使用：", "last used: "))
                    @match k.last_used_at { Some(t) => (at(t)), None => (lang.pick("从未", "never")) }
                }
                @match k.revoked_at {
                    Some(t) => span.clock.late { (lang.pick("已吊销于 ", "revoked ")) (at(t)) },
                    None => span.clock.ok { (lang.pick("有效", "active")) },
                }
            }
            @if k.revoked_at.is_none() {
                form method="post" action={ "/staff/admin/keys/" (c.id) "/revoke" }
                    data-confirm=(lang.pick("确定吊销该密钥？使用它的系统将无法再提交诉求。", "Revoke this key? The system using it can no longer post requests.")) {
                    input type="hidden" name="csrf" value=(v.csrf.as_str());
                    button.danger type="submit" id={ "revoke-" (c.name) } { (lang.pick("吊销", "Revoke")) }
                }
            }
        }
    }
}

fn create_form<S>(v: &Viewer<S>) -> Markup {
    let lang = v.lang;
    html! {
        section.card aria-labelledby="h-new-key" {
            h2 #h-new-key { (lang.pick("新建密钥", "New key")) }
            form #new-key method="post" action="/staff/admin/keys" {
                input type="hidden" name="csrf" value=(v.csrf.as_str());
                label for="key-name" { (lang.pick("名称（使用该密钥的系统）", "Name (the system that will use it)")) }
                input type="text" id="key-name" name="name" required maxlength="100" autocomplete="off";
                label for="key-channel" { (lang.pick("渠道", "Channel")) }
                select id="key-channel" name="channel" {
                    @for ch in ClientChannel::ALL { option value=(ch.as_str()) { (channel_name(ch, lang)) } }
                }
                div.actions { button type="submit" id="create-key" { (lang.pick("创建", "Create")) } }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewKey {
    #[serde(default)]
    name: String,
    #[serde(default)]
    channel: String,
}

/// `POST /staff/admin/keys`: the answer shows the key, once; it is not in any URL or log.
pub(crate) async fn create<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    posted: AdminForm<S, NewKey>,
) -> Response {
    let AdminForm { viewer, form, client } = posted;
    let lang = viewer.lang;
    let now = jiesu_domain::time::now();
    let Ok(channel) = ClientChannel::parse(&form.channel) else {
        let why = lang.pick("请选择渠道。", "Choose a channel.");
        return render(&pages, &viewer, StatusCode::BAD_REQUEST, Some(flash("error", why))).await;
    };
    let Ok(new) = ApiClient::new(&form.name, channel, now) else {
        let why = lang.pick("请填写名称（最多 100 个字符）。", "Give a name (at most 100 characters).");
        return render(&pages, &viewer, StatusCode::BAD_REQUEST, Some(flash("error", why))).await;
    };
    // 160 bits from the thread-local CSPRNG (ChaCha, seeded from the operating system).
    let key = ApiKey::from_random(rand::random());
    let from = client.key();
    let entry =
        AuditEntry::new(Some(&viewer.me.username), AuditAction::KeyCreated, &new.name, channel.as_str(), now)
            .from_client(Some(from));
    match pages.work.workflow.store().insert_api_client(&new, &key.hash(), &entry).await {
        Ok(()) => {
            tracing::info!(client = %new.name, channel = channel.as_str(), "API key created");
            let shown = ShownOnce {
                tab: Tab::Keys,
                title: lang.pick("密钥已创建", "Key created"),
                summary: format!("{} · {}", new.name, channel_name(channel, lang)),
                warning: lang.pick(
                    "请立即复制并安全地交给对方系统的管理员：密钥只显示这一次，系统只保存它的摘要。",
                    "Copy it now and hand it safely to the other system's administrator: it is shown only this once; only its hash is kept.",
                ),
                label: lang.pick("密钥", "Key"),
                id: "new-key-value",
                value: key.expose(),
                back: ("/staff/admin/keys", lang.pick("返回密钥列表", "Back to the keys")),
            };
            shown_once(&viewer, &shown)
        }
        Err(StoreError::Conflict(_)) => {
            let why = lang.pick("已有同名的密钥。", "A key of that name exists.");
            render(&pages, &viewer, StatusCode::CONFLICT, Some(flash("error", why))).await
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot create an API key");
            let why = lang.pick("操作未能完成，请重试。", "That did not go through; try again.");
            render(&pages, &viewer, StatusCode::SERVICE_UNAVAILABLE, Some(flash("error", why))).await
        }
    }
}

/// `POST /staff/admin/keys/{id}/revoke`.
pub(crate) async fn revoke<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Path(id): Path<String>,
    posted: AdminForm<S, KeysQuery>,
) -> Response {
    let AdminForm { viewer, client, .. } = posted;
    let lang = viewer.lang;
    let not_found = || {
        layout::error_page(lang, StatusCode::NOT_FOUND, lang.pick("没有这个密钥。", "There is no such key."))
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else { return not_found() };
    let store = pages.work.workflow.store();
    let name = match store.api_clients().await {
        Ok(all) => match all.into_iter().find(|k| k.client.id == id) {
            Some(k) => k.client.name,
            None => return not_found(),
        },
        Err(e) => {
            tracing::error!(error = %e, "cannot read the API keys");
            return layout::error_page(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                lang.pick("操作未能完成，请重试。", "That did not go through; try again."),
            );
        }
    };
    let now = jiesu_domain::time::now();
    let from = client.key();
    let entry = AuditEntry::new(Some(&viewer.me.username), AuditAction::KeyRevoked, &name, "", now)
        .from_client(Some(from));
    match store.revoke_api_client(id, now, &entry).await {
        // Revoking a revoked key again changes nothing and is not an error.
        Ok(_) => Redirect::to("/staff/admin/keys?done=revoked").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot revoke an API key");
            layout::error_page(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                lang.pick("操作未能完成，请重试。", "That did not go through; try again."),
            )
        }
    }
}
