//! The staff API's own extractors: a JSON body, a query string and an id in the path, each
//! refusing in the API's error format (400 `invalid_json`, 400 `invalid_query`, 404 "no such
//! ..."), so handlers take typed input and start from the checked values.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use jiesu_domain::escalation::{EscalationId, MeetingId, ProposalId};
use jiesu_domain::ids::TaskId;
use jiesu_domain::workflow::{ExemptionId, ExtensionId};
use serde::de::DeserializeOwned;

use super::errors::body;
use crate::ApiError;

/// A JSON request body; a malformed one is 400 `invalid_json` saying what was wrong with it
/// (never echoing it).
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        body(Json::from_request(req, state).await).map(JsonBody)
    }
}

/// A query string; a malformed one is 400 `invalid_query`.
#[derive(Debug)]
pub(crate) struct QueryOf<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryOf<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::from_request_parts(parts, state)
            .await
            .map(|Query(q)| QueryOf(q))
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))
    }
}

/// An id the path names; one that is not a UUID is "no such ...", like one that does not exist.
pub(crate) trait PathId: Sized {
    /// What the id names, for the 404: "task", "meeting", ...
    const WHAT: &'static str;
    fn from_uuid(id: uuid::Uuid) -> Self;
}

/// The path's single `{id}`, parsed (see `PathId`).
#[derive(Debug)]
pub(crate) struct IdPath<T>(pub T);

impl<T: PathId, S: Send + Sync> FromRequestParts<S> for IdPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let not_found = || ApiError::not_found(format!("no such {}", T::WHAT));
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| not_found())?;
        raw.parse::<uuid::Uuid>().map(|u| IdPath(T::from_uuid(u))).map_err(|_| not_found())
    }
}

macro_rules! path_id {
    ($($t:ty => $what:literal),* $(,)?) => {$(
        impl PathId for $t {
            const WHAT: &'static str = $what;
            fn from_uuid(id: uuid::Uuid) -> Self {
                <$t>::from_uuid(id)
            }
        }
    )*};
}

path_id!(
    TaskId => "task",
    EscalationId => "escalation",
    MeetingId => "meeting",
    ProposalId => "proposed rule",
    ExtensionId => "extension",
    ExemptionId => "exemption",
);
