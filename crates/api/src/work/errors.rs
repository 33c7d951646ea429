//! The workflow's refusals as HTTP errors with stable codes, and the shared input checks.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use jiesu_domain::ValidationError;
use jiesu_domain::ports::StoreError;
use jiesu_domain::task::TaskTransitionError;
use jiesu_domain::workflow::WorkflowError;
use jiesu_workflow::ActError;
use serde::de::DeserializeOwned;

use crate::ApiError;

pub fn act_error(e: ActError) -> ApiError {
    use StatusCode as H;
    use WorkflowError as W;
    match e {
        ActError::Refused(w) => {
            let message = w.to_string();
            let (status, code) = match w {
                W::NotFound(_) => (H::NOT_FOUND, "not_found"),
                W::Forbidden(_) => (H::FORBIDDEN, "forbidden"),
                W::Task(TaskTransitionError::Binding) => (H::CONFLICT, "binding_task"),
                W::Task(TaskTransitionError::NotAnAssist) => (H::CONFLICT, "not_an_assist"),
                W::Task(TaskTransitionError::Illegal { .. }) | W::Request(_) => {
                    (H::CONFLICT, "illegal_transition")
                }
                W::AlreadyDisclaimed(_) => (H::CONFLICT, "already_disclaimed"),
                W::WrongStatus(..) => (H::CONFLICT, "wrong_status"),
                W::ExtensionPending => (H::CONFLICT, "extension_pending"),
                W::ExemptionConflict(_) => (H::CONFLICT, "exemption_conflict"),
                W::AlreadyInvolved(_) => (H::CONFLICT, "already_involved"),
                W::UnknownBureau(_) => (H::UNPROCESSABLE_ENTITY, "unknown_bureau"),
                W::Invalid(v) => return invalid(&v),
            };
            ApiError::new(status, code, message)
        }
        ActError::Contended => {
            ApiError::new(H::CONFLICT, "contended", "the request kept changing; try again")
        }
        ActError::Store(e) => store_error(e),
    }
}

impl From<ActError> for ApiError {
    fn from(e: ActError) -> Self {
        act_error(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        store_error(e)
    }
}

/// A store failure: 503 while the database is unavailable, else 500; the cause is logged here,
/// once, and never shown.
pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Unavailable(cause) => {
            tracing::warn!(error = %cause, "the database is unavailable");
            ApiError::unavailable("the database is unavailable; try again shortly")
        }
        other => {
            tracing::error!(error = %other, "staff API failed");
            ApiError::internal()
        }
    }
}

pub(crate) fn invalid(v: &ValidationError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", v.to_string())
}

/// The JSON body, or 400 `invalid_json` saying what was wrong with it (never echoing it).
pub(crate) fn body<T: DeserializeOwned>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.body_text()))
}

/// An optional text field parsed into a domain newtype.
pub(crate) fn optional<T>(
    raw: Option<String>,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ApiError> {
    raw.filter(|s| !s.trim().is_empty()).map(|s| parse(&s)).transpose().map_err(|e| invalid(&e))
}

pub(crate) fn required<T>(
    raw: &str,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<T, ApiError> {
    parse(raw).map_err(|e| invalid(&e))
}
