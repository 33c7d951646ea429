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
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

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

/// The hotline API's part of the OpenAPI document (`jiesu_api` serves the whole).
#[derive(OpenApi)]
#[openapi(paths(receive), modifiers(&ApiKeyScheme), tags((name = "hotline", description = "The 12345 hotline's call centre (热线).")))]
struct HotlineApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    HotlineApi::openapi()
}

/// The call centre authenticates with an API key as a bearer token.
struct ApiKeyScheme;

impl utoipa::Modify for ApiKeyScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API key of the hotline channel."));
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("api_key", SecurityScheme::Http(scheme.build()));
    }
}

/// What the call centre gets back: our tracking number for its order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub tracking_number: String,
    pub order_no: String,
}

/// The hotline's error body: `{"error": {"code", "field", "message"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HotlineErrorBody {
    pub error: HotlineErrorDetail,
}

/// A stable code (`unauthorized`, `invalid_json`, `invalid_field`, `invalid_body`, `unavailable`),
/// the order's field at fault for `invalid_field`, and a message for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct HotlineErrorDetail {
    pub code: String,
    pub field: Option<String>,
    pub message: String,
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
        let error = HotlineErrorDetail {
            code: self.code.to_owned(),
            field: self.field.map(str::to_owned),
            message: self.message,
        };
        let body = HotlineErrorBody { error };
        (self.status, Json(body)).into_response()
    }
}

/// Receive a work order (工单)
///
/// Sending the same order again (after a network error, say) returns the same tracking number
/// and stores it once.
#[utoipa::path(
    post, operation_id = "hotline_work_order", path = "/hotline/v1/work-orders", tag = "hotline",
    security(("api_key" = [])), request_body = WorkOrder,
    responses(
        (status = 200, description = "Received: our tracking number.", body = Receipt),
        (status = 400, description = "Invalid JSON or an invalid field (`field` names it).", body = HotlineErrorBody),
        (status = 401, description = "No valid API key.", body = HotlineErrorBody),
        (status = 413, description = "The body is too large.", body = HotlineErrorBody),
        (status = 503, description = "Nothing was recorded: retry.", body = HotlineErrorBody),
    ),
)]
async fn receive<S: Store, Q: Queue>(
    State(s): State<Arc<Hotline<S, Q>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Receipt>, HotlineError> {
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
    tracing::debug!(request.id = %request.id, tracking = %request.tracking, client = %client.name, "work order received");
    Ok(Json(Receipt { tracking_number: request.tracking.as_str().to_owned(), order_no }))
}
