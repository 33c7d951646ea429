//! The administration pages (`/staff/admin`, administrators only): staff accounts, the client
//! applications' API keys, and the audit log. Everything an administrator did from a shell
//! (`jiesu user ...`, `jiesu api-key ...`) can be done here, and every change is in the audit log
//! with who made it and from which address.
//!
//! | page | what |
//! |---|---|
//! | `GET /staff/admin`, `POST /staff/admin/users`, `POST /staff/admin/users/{username}/{action}` | accounts: create; disable, enable, role, password, unlock |
//! | `GET/POST /staff/admin/keys`, `POST /staff/admin/keys/{id}/revoke` | API keys: list, create (shown once), revoke |
//! | `GET/POST /staff/admin/webhooks`, `POST /staff/admin/webhooks/{id}/remove` | client applications' webhooks: list, register (secret shown once), remove |
//! | `GET /staff/admin/district` (`q`) | the district in force, read-only: the files' state, bureaus, areas, categories, rules with their source |
//! | `GET/POST /staff/admin/calendar` (`year`) | the working-day calendar: a year's days, set a day |
//! | `GET /staff/admin/audit`, `GET /staff/admin/audit.csv` | the audit log, filtered; the same as CSV |

pub(super) mod audit;
pub(super) mod calendar;
pub(super) mod district;
pub(super) mod keys;
pub(super) mod users;
pub(super) mod webhooks;

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use jiesu_domain::ports::{Accounts, Cases, LoginClient, Store};
use jiesu_domain::staff::StaffRole;
use jiesu_words::Lang;
use maud::{Markup, html};
use serde::de::DeserializeOwned;

use super::Pages;
use super::layout;
use super::session::{Checked, Viewer};

/// Who may open these pages.
pub(crate) const ADMIN: &[StaffRole] = &[StaffRole::Admin];

/// The administration's sections, as tabs on each of its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tab {
    Users,
    Keys,
    Webhooks,
    District,
    Calendar,
    Audit,
}

/// An administrator at an administration page: anyone else gets the 403 page before the handler
/// runs, so no handler can forget to ask.
pub(crate) struct Admin<S>(pub Viewer<S>);

impl<S: Store + Cases + Accounts> FromRequestParts<Arc<Pages<S>>> for Admin<S> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<Pages<S>>) -> Result<Self, Response> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        if viewer.me.is(ADMIN) { Ok(Self(viewer)) } else { Err(forbidden(viewer.lang)) }
    }
}

/// An administrator's form (its token checked, as every page form's), with the address it came
/// from for the audit log.
pub(crate) struct AdminForm<S, T> {
    pub viewer: Viewer<S>,
    pub form: T,
    pub client: LoginClient,
}

impl<S: Store + Cases + Accounts, T: DeserializeOwned> FromRequest<Arc<Pages<S>>> for AdminForm<S, T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<Pages<S>>) -> Result<Self, Response> {
        let ip = crate::client::client_ip(req.extensions(), req.headers(), &state.trusted_proxies);
        let Checked { viewer, form } = Checked::from_request(req, state).await?;
        if !viewer.me.is(ADMIN) {
            return Err(forbidden(viewer.lang));
        }
        Ok(Self { viewer, form, client: LoginClient::from_ip(ip) })
    }
}

pub(super) fn forbidden(lang: Lang) -> Response {
    let why = lang
        .pick("系统管理页面只对系统管理员开放。", "The administration pages are for administrators only.");
    layout::error_page(lang, StatusCode::FORBIDDEN, why)
}

/// The page a failed read answers with: what could not be read, in words (the cause is logged).
pub(super) fn unreadable(lang: Lang, error: &dyn std::fmt::Display, zh: &str, en: &str) -> Response {
    tracing::error!(%error, what = en, "an administration page cannot read what it shows");
    let why = match lang {
        Lang::Zh => format!("暂时无法读取{zh}，请稍后再试。"),
        Lang::En => format!("{en} cannot be read just now; try again shortly."),
    };
    layout::error_page(lang, StatusCode::SERVICE_UNAVAILABLE, &why)
}

/// A secret shown once, on the answer to the form that made it (an API key, a webhook's signing
/// secret): what it is for, the warning to copy it now, the value in a read-only field the browser
/// neither remembers nor spell-checks, and the way back to the list.
pub(super) struct ShownOnce<'a> {
    pub tab: Tab,
    /// The page's title and the card's heading.
    pub title: &'a str,
    /// What was made (`name · channel`).
    pub summary: String,
    pub warning: &'a str,
    pub label: &'a str,
    /// The field's id (the tests read the value by it).
    pub id: &'a str,
    pub value: &'a str,
    pub back: (&'a str, &'a str),
}

pub(super) fn shown_once<S>(viewer: &Viewer<S>, s: &ShownOnce<'_>) -> Response {
    let lang = viewer.lang;
    let body = html! {
        h1 { (lang.pick("系统管理", "Administration")) }
        (tabs(s.tab, lang))
        section.card #created aria-labelledby="h-created" {
            h2 #h-created { (s.title) }
            p { (s.summary) }
            p.flash.warn role="status" { (s.warning) }
            label for=(s.id) { (s.label) }
            input type="text" id=(s.id) readonly value=(s.value) autocomplete="off" spellcheck="false";
            p { a href=(s.back.0) { (s.back.1) } }
        }
    };
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), layout::Section::Admin, s.title, body))
}

pub(super) fn tabs(current: Tab, lang: Lang) -> Markup {
    let here = |t: Tab| (t == current).then_some("page");
    html! {
        nav.tabs aria-label=(lang.pick("系统管理", "Administration")) {
            a href="/staff/admin" aria-current=[here(Tab::Users)] { (lang.pick("用户", "Users")) }
            a href="/staff/admin/keys" aria-current=[here(Tab::Keys)] { (lang.pick("接入密钥", "API keys")) }
            a href="/staff/admin/webhooks" aria-current=[here(Tab::Webhooks)] { (lang.pick("回调地址", "Webhooks")) }
            a href="/staff/admin/district" aria-current=[here(Tab::District)] { (lang.pick("区划与职责", "District")) }
            a href="/staff/admin/calendar" aria-current=[here(Tab::Calendar)] { (lang.pick("工作日历", "Calendar")) }
            a href="/staff/admin/audit" aria-current=[here(Tab::Audit)] { (lang.pick("审计日志", "Audit log")) }
        }
    }
}
