//! Who is calling: the `Staff` extractor every staff route starts from, the role-checking
//! `DistrictWide` and `Supervising`, the caller's `InScope`, and the role check.
//!
//! ```text
//! async fn my_tasks(InScope(scope): InScope, State(s): State<...>) -> Result<Json<...>, ApiError> {
//!     let tasks = s.store.list_tasks(&scope, &query).await?;   // the store query applies the scope
//!     ...
//! }
//! async fn approve(staff: Staff, ...) -> Result<..., ApiError> {
//!     let me = staff.require(&[StaffRole::Supervisor, StaffRole::Admin])?;   // else 403
//!     ...
//! }
//! ```
//!
//! The token comes from `Authorization: Bearer <token>` or, failing that, the `jiesu_session`
//! cookie. No token, an unknown, expired or revoked one, or a disabled account: 401
//! `unauthenticated` with `WWW-Authenticate: Bearer`. The extractor works in any router whatever
//! its state: the binary's router (`jiesu::routes`) puts an `Authenticator` into every request's
//! extensions.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiesu_auth::{Auth, SessionError};
use jiesu_domain::ports::Accounts;
use jiesu_domain::staff::{Principal, Scope, StaffRole};

use crate::ApiError;

/// The cookie that carries a staff session for the pages.
pub const SESSION_COOKIE: &str = "jiesu_session";

type Resolution<'a> = Pin<Box<dyn Future<Output = Result<Option<Principal>, SessionError>> + Send + 'a>>;

/// Resolves a token to a principal without naming the store type, so `Staff` needs no type
/// parameter.
trait Resolve: Send + Sync {
    fn resolve<'a>(&'a self, token: &'a str) -> Resolution<'a>;
}

impl<A: Accounts> Resolve for Auth<A> {
    fn resolve<'a>(&'a self, token: &'a str) -> Resolution<'a> {
        Box::pin(self.authenticate(token))
    }
}

/// What the `Staff` extractor asks; the binary's router (`jiesu::routes`) installs it as a request
/// extension.
#[derive(Clone)]
pub struct Authenticator(Arc<dyn Resolve>);

impl Authenticator {
    pub fn new<A: Accounts>(auth: Auth<A>) -> Self {
        Self(Arc::new(auth))
    }
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authenticator")
    }
}

/// A signed-in staff member. Use `Staff(me): Staff` as a handler argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff(pub Principal);

impl Staff {
    /// The principal, if their role is one of `roles`; otherwise 403 `forbidden`.
    pub fn require(self, roles: &[StaffRole]) -> Result<Principal, ApiError> {
        require_role(&self.0, roles)?;
        Ok(self.0)
    }
}

/// 403 `forbidden` unless the principal's role is one of `roles`.
pub fn require_role(principal: &Principal, roles: &[StaffRole]) -> Result<(), ApiError> {
    if principal.is(roles) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "your role does not allow this"))
    }
}

/// A signed-in operator, supervisor or admin (the district-wide roles); anyone else 403
/// `forbidden`, checked before anything else of the request is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictWide(pub Principal);

/// A signed-in supervisor or admin, who decide extensions, escalations and rules; anyone else 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervising(pub Principal);

impl DistrictWide {
    pub const ROLES: &[StaffRole] = &[StaffRole::Operator, StaffRole::Supervisor, StaffRole::Admin];
}

impl Supervising {
    pub const ROLES: &[StaffRole] = &[StaffRole::Supervisor, StaffRole::Admin];
}

async fn staff_in<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    roles: &[StaffRole],
) -> Result<Principal, Response> {
    let staff = Staff::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
    staff.require(roles).map_err(IntoResponse::into_response)
}

/// The scope a signed-in staff member's reads run in: their bureau's, or the whole district's for
/// the district-wide roles. Use `InScope(scope): InScope` where a handler asks the store itself;
/// the store applies it in SQL, so another bureau's rows are never read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InScope(pub Scope);

impl<S: Send + Sync> FromRequestParts<S> for InScope {
    type Rejection = StaffRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, StaffRejection> {
        let Staff(me) = Staff::from_request_parts(parts, state).await?;
        Ok(Self(me.scope()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DistrictWide {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        staff_in(parts, state, Self::ROLES).await.map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Supervising {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        staff_in(parts, state, Self::ROLES).await.map(Self)
    }
}

/// Why a request carries no usable session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRejection {
    /// 401 `unauthenticated`, with `WWW-Authenticate: Bearer`.
    Unauthenticated,
    /// 500: the sessions could not be read (logged where it happened).
    Internal,
}

impl IntoResponse for StaffRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthenticated => unauthenticated(),
            Self::Internal => ApiError::internal().into_response(),
        }
    }
}

pub(crate) fn unauthenticated() -> Response {
    let mut r = ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first").into_response();
    r.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

impl<S: Send + Sync> FromRequestParts<S> for Staff {
    type Rejection = StaffRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Resolved once per request, however many extractors ask.
        if let Some(staff) = parts.extensions.get::<Staff>() {
            return Ok(staff.clone());
        }
        let Some(auth) = parts.extensions.get::<Authenticator>().cloned() else {
            tracing::error!("the Staff extractor is used outside jiesu::routes::router: no Authenticator");
            return Err(StaffRejection::Internal);
        };
        let Some(token) = presented_token(&parts.headers) else {
            return Err(StaffRejection::Unauthenticated);
        };
        match auth.0.resolve(token).await {
            Ok(Some(principal)) => {
                let staff = Staff(principal);
                parts.extensions.insert(staff.clone());
                Ok(staff)
            }
            Ok(None) => Err(StaffRejection::Unauthenticated),
            Err(e) => {
                tracing::error!(error = %e, "cannot read staff sessions");
                Err(StaffRejection::Internal)
            }
        }
    }
}

/// The session token a request carries: a bearer token first, else the session cookie.
pub(crate) fn presented_token(headers: &HeaderMap) -> Option<&str> {
    bearer(headers).or_else(|| session_cookie(headers))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

/// A cookie's value among the request's cookies (empty values are none).
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_bearer_token_wins_over_the_cookie() {
        let h = headers(&[("authorization", "Bearer abc"), ("cookie", "jiesu_session=def")]);
        assert_eq!(presented_token(&h), Some("abc"));
        assert_eq!(presented_token(&headers(&[("authorization", "bearer  abc ")])), Some("abc"));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "lang=zh; jiesu_session=def; theme=dark")]);
        assert_eq!(presented_token(&h), Some("def"));
        let split = headers(&[("cookie", "lang=zh"), ("cookie", "jiesu_session=ghi")]);
        assert_eq!(presented_token(&split), Some("ghi"));
    }

    #[test]
    fn other_schemes_and_empty_values_carry_no_token() {
        assert_eq!(presented_token(&headers(&[("authorization", "Basic dXNlcjpwdw==")])), None);
        assert_eq!(presented_token(&headers(&[("authorization", "Bearer ")])), None);
        assert_eq!(presented_token(&headers(&[("cookie", "jiesu_session=")])), None);
        assert_eq!(presented_token(&headers(&[("cookie", "not_jiesu_session=x")])), None);
        assert_eq!(presented_token(&HeaderMap::new()), None);
    }
}
