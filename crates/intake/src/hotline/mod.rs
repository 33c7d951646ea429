//! The 12345 hotline: the call centre pushes each work order to `POST /hotline/v1/work-orders`
//! (JSON, `Authorization: Bearer <API key>`) and gets our tracking number back; sending the same
//! order again (after a network error, say) returns the same number and stores it once. A
//! nightly export is loaded with `jiesu import hotline FILE.csv` (see `import`).
//!
//! Errors are JSON with a stable code: `{"error": {"code", "field", "message"}}`.

pub mod csv;
mod import;
pub mod order;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use jiesu_domain::api_client::ClientChannel;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{Queue, Store};
use serde_json::json;

pub use import::{ImportReport, Outcome, import};
pub use order::{FieldError, WorkOrder};

use crate::api_keys::{ApiKeys, KeyError};
use crate::publish::Intake;

#[derive(Debug)]
pub struct Hotline<S, Q> {
    pub store: S,
    pub queue: Q,
    pub district: LiveDistrict,
    pub keys: Arc<ApiKeys<S>>,
    /// The server's key, which tracking numbers are derived with.
    pub key: jiesu_domain::secret::ServerKey,
}

pub fn routes<S: Store, Q: Queue>(state: Arc<Hotline<S, Q>>) -> Router {
    Router::new().route("/hotline/v1/work-orders", post(receive::<S, Q>)).with_state(state)
}

/// The hotline's error reply.
#[derive(Debug)]
pub struct HotlineError {
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
    message: String,
}

impl HotlineError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, field: None, message: message.into() }
    }
}

impl From<FieldError> for HotlineError {
    fn from(e: FieldError) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_field",
            field: Some(e.field),
            message: e.message,
        }
    }
}

impl IntoResponse for HotlineError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "field": self.field, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

async fn receive<S: Store, Q: Queue>(
    State(s): State<Arc<Hotline<S, Q>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, HotlineError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let client = s.keys.authenticate(token, ClientChannel::Hotline).await.map_err(|e| match e {
        KeyError::Missing | KeyError::Invalid => HotlineError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid `Authorization: Bearer <API key>` is required",
        ),
        KeyError::Unavailable => {
            HotlineError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "please retry")
        }
    })?;
    let body = body.map_err(|r| HotlineError::new(r.status(), "invalid_body", r.body_text()))?;
    let order: WorkOrder = serde_json::from_slice(&body)
        .map_err(|e| HotlineError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))?;
    let order_no = order.order_no.trim().to_owned();
    let request = order.into_request(&s.key, &s.district.current(), jiesu_domain::time::now())?;
    Intake::for_http(&s.queue, &headers).send([&request]).await.map_err(|e| {
        tracing::error!(error = %e, request.id = %request.id, "the intake queue did not accept a work order");
        HotlineError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "nothing was recorded; please retry",
        )
    })?;
    tracing::info!(request.id = %request.id, tracking = %request.tracking, client = %client.name, "work order received");
    Ok(Json(json!({ "tracking_number": request.tracking.as_str(), "order_no": order_no })))
}
