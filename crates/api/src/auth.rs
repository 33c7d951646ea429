//! Staff sign-in over HTTP (the `api` role):
//!
//! - `POST /api/v1/auth/login` with `{"username", "password"}`: 200
//!   `{"token", "expires_at", "user": {"username", "role", "bureau"}}`; with `?cookie=true` the
//!   token goes into the `jiesu_session` cookie (HttpOnly, SameSite=Strict, Path=/, Secure when
//!   the public URL is https) instead of the body, for the staff pages. 401
//!   `invalid_credentials`, 423 `account_locked` (this client address only, with `locked_until`
//!   and `Retry-After`), 429 `too_many_attempts` (the address or username throttle, with
//!   `Retry-After`), 503 `busy` (every password check taken for the whole wait; `Retry-After`),
//!   400 `invalid_json`.
//! - `POST /api/v1/auth/logout`: ends the session the request carries (bearer or cookie); 204.
//! - `GET /api/v1/me`: the signed-in staff member.
//!
//! Login takes JSON only: a cross-site HTML form cannot send `application/json` without a CORS
//! preflight (which this server never grants), so no other site can sign a browser in. Cookie
//! sessions are SameSite=Strict, so other sites cannot use them either. Neither the password
//! nor the token is ever logged; the JSON error for a bad body does not echo the body.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, RETRY_AFTER, SET_COOKIE};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use jiesu_auth::{Auth, LoginError};
use jiesu_domain::ports::{Accounts, LoginClient, SessionKind};
use jiesu_domain::staff::Principal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::{SESSION_COOKIE, Staff, presented_token, unauthenticated};

/// What the sign-in routes need.
#[derive(Debug)]
pub(crate) struct SignIn<A> {
    auth: Auth<A>,
    /// Mark the session cookie `Secure` (the service is reached over https).
    secure_cookie: bool,
    /// Peers whose `X-Forwarded-For` is believed (see `crate::client`).
    trusted_proxies: Vec<IpAddr>,
}

/// The sign-in routes. `secure_cookie`: whether the public URL is https; `trusted_proxies`: the
/// reverse proxies whose `X-Forwarded-For` names the client (none by default).
pub fn routes<A: Accounts>(auth: Auth<A>, secure_cookie: bool, trusted_proxies: Vec<IpAddr>) -> Router {
    Router::new()
        .route("/api/v1/auth/login", post(login::<A>))
        .route("/api/v1/auth/logout", post(logout::<A>))
        .route("/api/v1/me", get(me))
        .with_state(Arc::new(SignIn { auth, secure_cookie, trusted_proxies }))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct Credentials {
    username: String,
    #[schema(format = Password)]
    password: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LoginOptions {
    /// Put the token in the session cookie rather than in the body.
    #[serde(default)]
    cookie: bool,
}

/// A staff member.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub username: String,
    /// staff, operator, supervisor, admin.
    pub role: String,
    /// The bureau of a bureau's staff; null for district-wide roles.
    pub bureau: Option<String>,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAnswer {
    pub expires_at: DateTime<Utc>,
    pub user: User,
    /// The bearer token; absent with `?cookie=true` (it is in the cookie).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// 423: the account is locked for this client address.
#[derive(Debug, Serialize, ToSchema)]
pub struct LockedBody {
    pub error: Locked,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Locked {
    /// `account_locked`.
    pub code: String,
    pub message: String,
    pub locked_until: DateTime<Utc>,
}

/// Sign in (登录)
///
/// Answers a bearer token. With `?cookie=true` the token is set as the `jiesu_session` cookie
/// (HttpOnly, SameSite=Strict) instead, for the staff pages. After repeated failures from one
/// client address the account is locked for that address only, for a while; too many attempts
/// from one address (or on one username) in a minute are answered 429 before any password is
/// checked.
#[utoipa::path(
    post, operation_id = "login", path = "/api/v1/auth/login", tag = "staff", security(()),
    params(LoginOptions), request_body = Credentials,
    responses(
        (status = 200, body = LoginAnswer), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 423, body = LockedBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody),
    ),
)]
pub(crate) async fn login<A: Accounts>(
    State(s): State<Arc<SignIn<A>>>,
    extensions: Extensions,
    headers: HeaderMap,
    options: Result<Query<LoginOptions>, QueryRejection>,
    body: Result<Json<Credentials>, JsonRejection>,
) -> Response {
    let Ok(Query(options)) = options else {
        return ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "cookie must be true or false")
            .into_response();
    };
    let Ok(Json(credentials)) = body else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "send Content-Type: application/json with {\"username\": ..., \"password\": ...}",
        )
        .into_response();
    };
    let kind = if options.cookie { SessionKind::Cookie } else { SessionKind::Bearer };
    let client = LoginClient::from_ip(crate::client::client_ip(&extensions, &headers, &s.trusted_proxies));
    let session = match s.auth.login(&credentials.username, &credentials.password, client, kind).await {
        Ok(session) => session,
        Err(LoginError::InvalidCredentials) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "unknown username or wrong password",
            )
            .into_response();
        }
        Err(LoginError::Locked { until }) => return locked(until),
        Err(LoginError::Throttled(t)) => {
            let wait = t.retry_after().as_secs_f64().ceil().max(1.0);
            let message = "too many login attempts: wait a little and try again";
            let r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message);
            return retry_after(r.into_response(), wait as u64);
        }
        Err(LoginError::Busy) => {
            let message = "the server is busy checking other logins: try again in a moment";
            let r = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message);
            return retry_after(r.into_response(), 1);
        }
        Err(LoginError::Unexpected(e)) => {
            tracing::error!(error = %e, "login failed unexpectedly");
            return ApiError::internal().into_response();
        }
    };
    let mut body =
        LoginAnswer { expires_at: session.expires_at, user: user(&session.principal), token: None };
    let mut headers = HeaderMap::new();
    // A response with a credential in it must not be cached anywhere (RFC 6749 §5.1 does the same).
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if options.cookie {
        let max_age = s.auth.settings().token_ttl.num_seconds();
        match HeaderValue::from_str(&cookie(session.token.expose(), max_age, s.secure_cookie)) {
            Ok(v) => headers.insert(SET_COOKIE, v),
            Err(_) => return ApiError::internal().into_response(),
        };
    } else {
        body.token = Some(session.token.expose().to_owned());
    }
    (headers, Json(body)).into_response()
}

/// 423 Locked: the account exists and is locked; the client is told when to try again.
fn locked(until: DateTime<Utc>) -> Response {
    let wait = (until - jiesu_domain::time::now()).num_seconds().max(1);
    let body = LockedBody {
        error: Locked {
            code: "account_locked".to_owned(),
            message: "too many failed logins: the account is locked for a while".to_owned(),
            locked_until: until,
        },
    };
    let mut r = (StatusCode::LOCKED, Json(body)).into_response();
    r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(wait));
    r
}

fn retry_after(mut r: Response, secs: u64) -> Response {
    r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(secs));
    r
}

/// Sign out
///
/// Ends the session the request carries; 204 even if it had already ended (logging out twice is
/// not an error), 401 when there is no token at all. Clears the cookie either way.
#[utoipa::path(
    post, operation_id = "logout", path = "/api/v1/auth/logout", tag = "staff",
    responses(
        (status = 204, description = "Signed out."), (status = 401, body = ErrorBody),
    ),
)]
pub(crate) async fn logout<A: Accounts>(State(s): State<Arc<SignIn<A>>>, headers: HeaderMap) -> Response {
    let Some(token) = presented_token(&headers) else { return unauthenticated() };
    if let Err(e) = s.auth.logout(token).await {
        tracing::error!(error = %e, "logout failed unexpectedly");
        return ApiError::internal().into_response();
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie("", 0, s.secure_cookie)) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r
}

/// Who am I
#[utoipa::path(
    get, operation_id = "me", path = "/api/v1/me", tag = "staff",
    responses(
        (status = 200, body = User), (status = 401, body = ErrorBody),
    ),
)]
pub(crate) async fn me(Staff(me): Staff) -> Json<User> {
    Json(user(&me))
}

fn user(p: &Principal) -> User {
    User {
        username: p.username.as_str().to_owned(),
        role: p.role.as_str().to_owned(),
        bureau: p.bureau.as_ref().map(|b| b.as_str().to_owned()),
    }
}

/// The session cookie; an empty value with `Max-Age=0` deletes it.
pub(crate) fn cookie(token: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_session_cookie_is_http_only_strict_and_secure_over_https() {
        let c = super::cookie("tok", 3600, true);
        assert_eq!(c, "jiesu_session=tok; HttpOnly; SameSite=Strict; Path=/; Max-Age=3600; Secure");
        assert!(!super::cookie("tok", 3600, false).contains("Secure"));
    }
}
