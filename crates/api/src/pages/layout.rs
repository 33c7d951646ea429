//! The frame every staff page shares: the top bar (the district's name, the sections the role
//! works in, who is signed in, sign-out, the language switch), the style sheet and scripts
//! (served by Jiesu itself, `jiesu_assets`), and the error page.

use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use jiesu_domain::staff::Principal;
use jiesu_words::Lang;
use maud::{DOCTYPE, Markup, html};

/// What the frame needs to know about the viewer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chrome<'a> {
    /// Nobody is signed in on the sign-in page.
    pub me: Option<&'a Principal>,
    pub lang: Lang,
    /// The session's form token, for the sign-out form.
    pub csrf: Option<&'a str>,
    /// This page's path and query, where the language switch comes back to.
    pub here: &'a str,
}

/// Which top-bar section a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Inbox,
    Desk,
    Meetings,
    Answers,
    Console,
    Admin,
    Account,
    None,
}

fn role_name(p: &Principal, lang: Lang) -> &'static str {
    role_label(p.role, lang)
}

/// A role in words.
pub(crate) fn role_label(role: jiesu_domain::staff::StaffRole, lang: Lang) -> &'static str {
    use jiesu_domain::staff::StaffRole as R;
    match role {
        R::Operator => lang.pick("分拨员", "operator"),
        R::BureauStaff => lang.pick("承办人员", "bureau staff"),
        R::BureauAdmin => lang.pick("单位管理员", "bureau admin"),
        R::Supervisor => lang.pick("督办人员", "supervisor"),
        R::Admin => lang.pick("系统管理员", "administrator"),
    }
}

/// A whole page. `title` is the page's own name; the site's follows it in the tab title.
pub(crate) fn page(c: Chrome<'_>, section: Section, title: &str, body: Markup) -> Markup {
    let lang = c.lang;
    let (other, other_name) = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let back: String = form_urlencoded::byte_serialize(c.here.as_bytes()).collect();
    let current = |s: Section| if s == section { Some("page") } else { None };
    html! {
        (DOCTYPE)
        html lang=(lang.pick("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=r#"{"scrollIntoViewOnBoost":false,"historyCacheSize":0}"#;
                title { (title) " · " (lang.pick("接诉即办工作台", "Jiesu workbench")) }
                link rel="stylesheet" href=(jiesu_assets::href("staff.css"));
                script src=(jiesu_assets::href("htmx.min.js")) defer {}
                script src=(jiesu_assets::href("staff.js")) defer {}
            }
            body hx-boost="true" {
                a.skip href="#main" { (lang.pick("跳到正文", "Skip to content")) }
                header.bar {
                    div.bar-in {
                        a.brand href="/staff" { (lang.pick("接诉即办", "Jiesu")) small { (lang.pick("工作台", "workbench")) } }
                        @if let Some(me) = c.me {
                            nav aria-label=(lang.pick("栏目", "Sections")) {
                                @if me.bureau.is_some() {
                                    a href="/staff/inbox" aria-current=[current(Section::Inbox)] { (lang.pick("待办", "Inbox")) }
                                } @else {
                                    a href="/staff/desk" aria-current=[current(Section::Desk)] { (lang.pick("分拨台", "Desk")) }
                                    a href="/staff/inbox" aria-current=[current(Section::Inbox)] { (lang.pick("全部任务", "All tasks")) }
                                }
                                a href="/staff/meetings" aria-current=[current(Section::Meetings)] { (lang.pick("协调会", "Meetings")) }
                                a #nav-answers href="/staff/answers" aria-current=[current(Section::Answers)] { (lang.pick("知识库", "Answers")) }
                                @if me.is(crate::staff::Supervising::ROLES) {
                                    // A whole page load: the console's charts load their script.
                                    a #nav-console href="/staff/console" hx-boost="false" aria-current=[current(Section::Console)] { (lang.pick("督办台", "Console")) }
                                }
                                @if me.is(super::admin::ADMIN) {
                                    a #nav-admin href="/staff/admin" aria-current=[current(Section::Admin)] { (lang.pick("系统管理", "Admin")) }
                                }
                            }
                            div.who {
                                a href="/staff/password" aria-current=[current(Section::Account)] title=(role_name(me, lang)) {
                                    (me.username.as_str())
                                }
                                @if let Some(csrf) = c.csrf {
                                    form method="post" action="/staff/logout" {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button.link type="submit" style="color:#fff" { (lang.pick("退出", "Sign out")) }
                                    }
                                }
                                a href={ "/staff/lang/" (other) "?back=" (back) } hx-boost="false" lang=(lang.pick("en", "zh-CN")) { (other_name) }
                            }
                        } @else {
                            div.who {
                                a href={ "/staff/lang/" (other) "?back=" (back) } hx-boost="false" lang=(lang.pick("en", "zh-CN")) { (other_name) }
                            }
                        }
                    }
                }
                main #main { (body) }
                footer.foot { (lang.pick("示例数据：坪山区（样例区划与部门）。", "Sample data: Pingshan district (sample areas and bureaus).")) }
            }
        }
    }
}

/// A rendered page, never cached (it shows one person's work).
pub(crate) fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut r = (status, axum::response::Html(markup.into_string())).into_response();
    r.headers_mut().insert(CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    r
}

/// An error as a page: what happened in words and a way back.
pub(crate) fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => lang.pick("没有找到", "Not found"),
        StatusCode::FORBIDDEN => lang.pick("无法完成", "Not allowed"),
        _ => lang.pick("出错了", "Something went wrong"),
    };
    let c = Chrome { me: None, lang, csrf: None, here: "/staff" };
    let body = html! {
        div.card.narrow {
            h1 { (title) }
            p #error-message { (message) }
            p { a href="/staff" { (lang.pick("返回工作台", "Back to the workbench")) } }
        }
    };
    respond(status, page(c, Section::None, title, body))
}

/// A notice above a page's content: `ok`, `warn` or `error`.
pub(crate) fn flash(kind: &str, message: &str) -> Markup {
    let role = if kind == "error" { "alert" } else { "status" };
    html! { div #flash class={ "flash " (kind) } role=(role) { (message) } }
}

/// A search box over the picker `target` (progressive: `staff.js` filters its options).
pub(crate) fn filter_box(target: &str, label: &str, lang: Lang) -> Markup {
    html! {
        input.filter type="search" id={ (target) "-search" } data-filter={ "#" (target) } aria-label=(label)
            placeholder=(lang.pick("输入以筛选…", "Type to filter…")) autocomplete="off";
    }
}
