//! Who is looking, in which language, with which form token; and the check every POST passes.
//!
//! - `Viewer`: the signed-in staff member (the `jiesu_session` cookie, through the same
//!   `Staff` extractor the API uses), the page language (`jiesu_lang` cookie, `?lang=` wins) and
//!   the session's form token. Without a session: 303 to `/staff/login?next=<this page>`.
//! - `Checked<T>`: a POSTed form (urlencoded) whose `csrf` field is the session's form token,
//!   read into `T`; otherwise 403 and the handler never runs.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::{AUTHORIZATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::ports::{Accounts, Cases, Store};
use jiesu_domain::secret::FormToken;
use jiesu_domain::staff::Principal;
use jiesu_words::Lang;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Pages;
use super::layout::{self, Chrome};
pub(crate) use crate::staff::cookie;
use crate::staff::{Staff, StaffRejection, session_cookie};

/// The language preference cookie (not a secret; read by pages only).
const LANG_COOKIE: &str = "jiesu_lang";

/// The signed-in staff member looking at a page.
#[derive(Debug, Clone)]
pub(crate) struct Viewer<S> {
    pub me: Principal,
    pub lang: Lang,
    pub csrf: FormToken,
    /// The path (and query) asked for: where a language switch comes back to.
    pub here: String,
    _store: PhantomData<fn() -> S>,
}

impl<S> Viewer<S> {
    pub fn chrome(&self) -> Chrome<'_> {
        Chrome { me: Some(&self.me), lang: self.lang, csrf: Some(self.csrf.as_str()), here: &self.here }
    }
}

#[derive(Deserialize)]
struct LangParam {
    lang: Option<String>,
}

/// `?lang=` if given, else the cookie, else Chinese.
pub(crate) fn language(parts: &Parts) -> Lang {
    let asked = Query::<LangParam>::try_from_uri(&parts.uri).ok().and_then(|Query(p)| p.lang);
    Lang::from_param(asked.as_deref().or_else(|| cookie(&parts.headers, LANG_COOKIE)))
}

fn here(parts: &Parts) -> String {
    parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned())
}

impl<S: Store + Cases + Accounts> FromRequestParts<Arc<Pages<S>>> for Viewer<S> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<Pages<S>>) -> Result<Self, Response> {
        let here = here(parts);
        let lang = language(parts);
        // Pages are for browsers, signed in by the cookie alone: the form token is derived from
        // it, so a request with a bearer token (which would win in `Staff`) is not a page's.
        let cookie_only = parts.headers.get(AUTHORIZATION).is_none();
        let token = session_cookie(&parts.headers).filter(|_| cookie_only).map(str::to_owned);
        let staff = match token {
            Some(_) => Staff::from_request_parts(parts, state).await,
            None => Err(StaffRejection::Unauthenticated),
        };
        match (staff, token) {
            (Ok(Staff(me)), Some(token)) => {
                let csrf = FormToken::derive(&state.key, &token);
                Ok(Self { me, lang, csrf, here, _store: PhantomData })
            }
            (Ok(_), None) | (Err(StaffRejection::Unauthenticated), _) => {
                let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
                Err(Redirect::to(&format!("/staff/login?next={next}")).into_response())
            }
            (Err(StaffRejection::Internal), _) => Err(layout::error_page(
                lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                lang.pick(
                    "系统暂时无法读取登录状态，请稍后再试。",
                    "Sign-in cannot be checked just now; try again shortly.",
                ),
            )),
        }
    }
}

/// A POSTed form of a signed-in viewer that carried the session's form token.
#[derive(Debug)]
pub(crate) struct Checked<S, T> {
    pub viewer: Viewer<S>,
    pub form: T,
}

/// 403 for a form without its token: nothing was done.
pub(crate) fn forged(lang: Lang) -> Response {
    layout::error_page(
        lang,
        StatusCode::FORBIDDEN,
        lang.pick(
            "表单已失效（可能已退出登录或页面过旧），未做任何更改。请返回刷新页面后重试。",
            "This form has expired (you may have signed out, or the page is old); nothing was changed. Go back, reload the page and try again.",
        ),
    )
}

/// The `csrf` field of an urlencoded body.
pub(crate) fn csrf_field(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned())
}

impl<S: Store + Cases + Accounts, T: DeserializeOwned> FromRequest<Arc<Pages<S>>> for Checked<S, T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<Pages<S>>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let lang = viewer.lang;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !csrf_field(&bytes).is_some_and(|given| viewer.csrf.matches(&given)) {
            return Err(forged(lang));
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            layout::error_page(
                lang,
                StatusCode::BAD_REQUEST,
                lang.pick("表单内容无法读取。", "The form could not be read."),
            )
        })?;
        Ok(Self { viewer, form })
    }
}

#[derive(Deserialize)]
pub(crate) struct Back {
    back: Option<String>,
}

/// A path inside the staff pages to go back to; anything else (another site, `//host`) is
/// `/staff`.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/staff") && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/staff".to_owned(),
    }
}

/// `GET /staff/lang/{zh|en}?back=...`: remembers the language and goes back. Not a state change
/// of anything but the browser's preference, so a link (no form token) is enough.
pub(crate) async fn switch_language(Path(lang): Path<String>, Query(q): Query<Back>) -> Response {
    let lang = if lang == "en" { "en" } else { "zh" };
    let mut r = Redirect::to(&safe_next(q.back.as_deref())).into_response();
    let cookie = format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_staff_paths_are_gone_back_to() {
        assert_eq!(safe_next(Some("/staff/tasks/1?x=2")), "/staff/tasks/1?x=2");
        assert_eq!(safe_next(Some("//evil.example/staff")), "/staff");
        assert_eq!(safe_next(Some("https://evil.example/staff")), "/staff");
        assert_eq!(safe_next(Some("/staff\\..\\x")), "/staff");
        assert_eq!(safe_next(None), "/staff");
    }

    #[test]
    fn the_token_is_read_from_an_urlencoded_body() {
        assert_eq!(csrf_field(b"note=a%26b&csrf=ABC"), Some("ABC".to_owned()));
        assert_eq!(csrf_field(b"note=csrf"), None);
    }
}
