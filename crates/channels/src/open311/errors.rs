//! Open311 errors: a list of `{code, description}` (XML: `<errors><error>`), with 400 for bad
//! input, 403 for a missing or bad API key, 404 for an unknown resource or service code.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::format::{Format, render};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Error {
    pub status: StatusCode,
    pub description: String,
}

impl Open311Error {
    pub fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Self { status, description: description.into() }
    }

    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }

    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }

    pub fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, description)
    }

    /// Nothing was recorded; the client should retry. The cause is logged where it happened.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily unable to handle the request; nothing was recorded, please retry",
        )
    }

    pub fn render(&self, format: Format) -> Response {
        let body = json!([{ "code": self.status.as_u16(), "description": self.description }]);
        render(format, self.status, "errors", &body)
    }
}
