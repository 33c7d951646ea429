//! Signing in and out, and changing one's own password.
//!
//! The sign-in form has no session to derive its token from, so it gets one of its own: a
//! random value in a `jiesu_login` cookie (HttpOnly, SameSite=Strict, this path only) and, in
//! the form, the token derived from it. Another site can neither read the cookie nor make the
//! browser send it, so it cannot sign a browser in to an account of its choosing (login CSRF).

use axum::Form;
use axum::extract::Query;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use jiesu_auth::password::MIN_CHARS;
use jiesu_auth::{LoginError, Password};
use jiesu_domain::ports::{Accounts, Cases, LoginClient, SessionKind, Store};
use jiesu_domain::secret::FormToken;
use jiesu_words::Lang;
use jiesu_words::time::local_time;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Chrome, Section, flash};
use super::session::{Checked, Viewer, cookie, forged, language, safe_next};
use super::{Pages, State};
use crate::auth::cookie as session_cookie_header;
use crate::staff::session_cookie;

const LOGIN_COOKIE: &str = "jiesu_login";

#[derive(Debug, Deserialize)]
pub(crate) struct Next {
    next: Option<String>,
    /// Set after a password change: say so above the form.
    changed: Option<String>,
}

fn login_page(
    lang: Lang,
    here: &str,
    csrf: &str,
    next: &str,
    username: &str,
    notice: Option<Markup>,
) -> Markup {
    let c = Chrome { me: None, lang, csrf: None, here };
    let body = html! {
        div.card.narrow {
            h1 { (lang.pick("工作人员登录", "Staff sign-in")) }
            @if let Some(n) = notice { (n) }
            form #login method="post" action="/staff/login" hx-boost="false" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                label for="username" { (lang.pick("用户名", "Username")) }
                input #username type="text" name="username" value=(username) autocomplete="username" required autofocus;
                label for="password" { (lang.pick("密码", "Password")) }
                input #password type="password" name="password" autocomplete="current-password" required;
                div.actions { button #sign-in type="submit" { (lang.pick("登录", "Sign in")) } }
            }
            p.hint { (lang.pick("账号由系统管理员开设。忘记密码请联系本单位管理员。", "Accounts are made by the administrator. If you forgot your password, ask your bureau's administrator.")) }
        }
    };
    layout::page(c, Section::None, lang.pick("登录", "Sign in"), body)
}

/// A fresh pre-login value, or the one the browser already holds.
fn login_value(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, LOGIN_COOKIE) {
        Some(v) if v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) => (v.to_owned(), false),
        _ => (uuid::Uuid::new_v4().simple().to_string(), true),
    }
}

fn login_token<S>(pages: &Pages<S>, value: &str) -> FormToken {
    FormToken::derive(&pages.key, &format!("login:{value}"))
}

fn with_login_cookie(mut r: Response, value: &str, secure: bool) -> Response {
    let secure = if secure { "; Secure" } else { "" };
    let c = format!(
        "{LOGIN_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/staff/login; Max-Age=86400{secure}"
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(SET_COOKIE, v);
    }
    r
}

/// `GET /staff/login`.
pub(crate) async fn form<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    parts: Parts,
    Query(q): Query<Next>,
) -> Response {
    let lang = language(&parts);
    let (value, fresh) = login_value(&parts.headers);
    let next = safe_next(q.next.as_deref());
    let notice = q.changed.map(|_| {
        flash(
            "ok",
            lang.pick(
                "密码已修改，请用新密码重新登录。",
                "Your password was changed: sign in with the new one.",
            ),
        )
    });
    let here = parts.uri.to_string();
    let markup = login_page(lang, &here, login_token(&pages, &value).as_str(), &next, "", notice);
    let r = layout::respond(StatusCode::OK, markup);
    if fresh { with_login_cookie(r, &value, pages.secure_cookie) } else { r }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Credentials {
    username: String,
    password: String,
    next: Option<String>,
    csrf: Option<String>,
}

fn when(until: DateTime<Utc>, lang: Lang) -> String {
    local_time(until, jiesu_domain::time::now(), lang)
}

/// `POST /staff/login`: a session cookie and on to the page asked for, or the form again with
/// what went wrong in words.
pub(crate) async fn submit<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    extensions: Extensions,
    parts: Parts,
    Form(f): Form<Credentials>,
) -> Response {
    let lang = language(&parts);
    let Some(value) = cookie(&parts.headers, LOGIN_COOKIE) else { return forged(lang) };
    if !f.csrf.as_deref().is_some_and(|given| login_token(&pages, value).matches(given)) {
        return forged(lang);
    }
    let next = safe_next(f.next.as_deref());
    let client =
        LoginClient::from_ip(crate::client::client_ip(&extensions, &parts.headers, &pages.trusted_proxies));
    let refused = |status: StatusCode, message: String| {
        let notice = flash("error", &message);
        let markup = login_page(
            lang,
            "/staff/login",
            login_token(&pages, value).as_str(),
            &next,
            &f.username,
            Some(notice),
        );
        layout::respond(status, markup)
    };
    match pages.auth.login(&f.username, &f.password, client, SessionKind::Cookie).await {
        Ok(session) => {
            let max_age = pages.auth.settings().token_ttl.num_seconds();
            let mut r = Redirect::to(&next).into_response();
            let set = session_cookie_header(session.token.expose(), max_age, pages.secure_cookie);
            match HeaderValue::from_str(&set) {
                Ok(v) => r.headers_mut().insert(SET_COOKIE, v),
                Err(_) => return layout::error_page(lang, StatusCode::INTERNAL_SERVER_ERROR, "—"),
            };
            r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(LoginError::InvalidCredentials) => refused(
            StatusCode::UNAUTHORIZED,
            lang.pick("用户名或密码不正确。", "Unknown username or wrong password.").to_owned(),
        ),
        Err(LoginError::Locked { until }) => refused(
            StatusCode::LOCKED,
            match lang {
                Lang::Zh => format!(
                    "登录失败次数过多，此账号在本设备上已暂时锁定，请于 {} 后再试。",
                    when(until, lang)
                ),
                Lang::En => format!(
                    "Too many failed sign-ins: this account is locked on this device until {}.",
                    when(until, lang)
                ),
            },
        ),
        Err(LoginError::Throttled(t)) => {
            let secs = t.retry_after().as_secs().max(1);
            refused(
                StatusCode::TOO_MANY_REQUESTS,
                match lang {
                    Lang::Zh => format!("尝试登录过于频繁，请 {secs} 秒后再试。"),
                    Lang::En => format!("Too many sign-in attempts: try again in {secs} seconds."),
                },
            )
        }
        Err(LoginError::Busy) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            lang.pick("系统繁忙，请稍后再试。", "The server is busy: try again in a moment.").to_owned(),
        ),
        Err(LoginError::Unexpected(e)) => {
            tracing::error!(error = %e, "page sign-in failed unexpectedly");
            refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                lang.pick(
                    "系统暂时无法登录，请稍后再试。",
                    "Sign-in is unavailable just now; try again shortly.",
                )
                .to_owned(),
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Nothing {}

/// `POST /staff/logout`: ends the session, clears the cookie, back to the sign-in form.
pub(crate) async fn logout<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    headers: HeaderMap,
    checked: Checked<S, Nothing>,
) -> Response {
    let lang = checked.viewer.lang;
    if let Some(token) = session_cookie(&headers)
        && let Err(e) = pages.auth.logout(token).await
    {
        tracing::error!(error = %e, "page sign-out failed unexpectedly");
        return layout::error_page(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            lang.pick("退出失败，请重试。", "Sign-out failed; try again."),
        );
    }
    let mut r = Redirect::to("/staff/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&session_cookie_header("", 0, pages.secure_cookie)) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r
}

fn password_page(v: &Viewer<impl Sized>, notice: Option<Markup>) -> Markup {
    let lang = v.lang;
    let body = html! {
        div.card.narrow {
            h1 { (lang.pick("修改密码", "Change password")) }
            p.muted { (v.me.username.as_str()) }
            @if let Some(n) = notice { (n) }
            form #password-form method="post" action="/staff/password" hx-boost="false" {
                input type="hidden" name="csrf" value=(v.csrf.as_str());
                label for="current" { (lang.pick("当前密码", "Current password")) }
                input #current type="password" name="current" autocomplete="current-password" required;
                label for="new" { (lang.pick("新密码", "New password")) " " span.hint { (match lang { Lang::Zh => format!("至少 {MIN_CHARS} 个字符"), Lang::En => format!("at least {MIN_CHARS} characters") }) } }
                input #new type="password" name="new" autocomplete="new-password" required minlength=(MIN_CHARS);
                label for="repeat" { (lang.pick("再次输入新密码", "New password again")) }
                input #repeat type="password" name="repeat" autocomplete="new-password" required minlength=(MIN_CHARS);
                div.actions { button #change type="submit" { (lang.pick("修改密码", "Change password")) } }
            }
            p.hint { (lang.pick("修改后所有设备上的登录都会结束，需要用新密码重新登录。", "Changing it ends your sessions on every device: sign in again with the new one.")) }
            p { a #to-notice-settings href="/staff/notifications" { (lang.pick("通知方式：企业微信、邮件或每日汇总", "How I am notified: WeCom, email or a daily digest")) } }
        }
    };
    layout::page(v.chrome(), Section::Account, lang.pick("修改密码", "Change password"), body)
}

/// `GET /staff/password`.
pub(crate) async fn password_form<S: Store + Cases + Accounts>(viewer: Viewer<S>) -> Response {
    layout::respond(StatusCode::OK, password_page(&viewer, None))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewPassword {
    current: String,
    new: String,
    repeat: String,
}

/// `POST /staff/password`: the current password is checked as a sign-in is (same throttles and
/// lockout), then the new one set, which ends every session of the account.
pub(crate) async fn change_password<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    extensions: Extensions,
    headers: HeaderMap,
    checked: Checked<S, NewPassword>,
) -> Response {
    let Checked { viewer, form: f } = checked;
    let lang = viewer.lang;
    let again = |status: StatusCode, message: &str| {
        layout::respond(status, password_page(&viewer, Some(flash("error", message))))
    };
    if f.new != f.repeat {
        return again(
            StatusCode::BAD_REQUEST,
            lang.pick("两次输入的新密码不一致。", "The two new passwords differ."),
        );
    }
    let Ok(new) = Password::new(f.new.as_str()) else {
        return again(
            StatusCode::BAD_REQUEST,
            &match lang {
                Lang::Zh => format!("新密码太短：至少 {MIN_CHARS} 个字符。"),
                Lang::En => format!("The new password is too short: at least {MIN_CHARS} characters."),
            },
        );
    };
    let client =
        LoginClient::from_ip(crate::client::client_ip(&extensions, &headers, &pages.trusted_proxies));
    let username = viewer.me.username.as_str();
    match pages.auth.login(username, &f.current, client, SessionKind::Cookie).await {
        // The check made a session of its own; the password change below ends it with the rest.
        Ok(_) => {}
        Err(LoginError::InvalidCredentials) => {
            return again(
                StatusCode::UNAUTHORIZED,
                lang.pick("当前密码不正确。", "The current password is wrong."),
            );
        }
        Err(_) => {
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                lang.pick(
                    "暂时无法核对当前密码，请稍后再试。",
                    "The current password cannot be checked just now; try again later.",
                ),
            );
        }
    }
    let by = jiesu_auth::By::staff(&viewer.me.username, client);
    if let Err(e) =
        pages.auth.change(&viewer.me.username, jiesu_auth::AccountChange::Password(new), &by).await
    {
        tracing::error!(error = %e, "cannot change a password");
        return again(
            StatusCode::INTERNAL_SERVER_ERROR,
            lang.pick("密码修改失败，请重试。", "The password could not be changed; try again."),
        );
    }
    let mut r = Redirect::to("/staff/login?changed=1").into_response();
    if let Ok(v) = HeaderValue::from_str(&session_cookie_header("", 0, pages.secure_cookie)) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r
}
