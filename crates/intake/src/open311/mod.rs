//! Open311 GeoReport v2 under `/open311/v2/`. Only POST needs an API key; reading is public.
//!
//! A POST is answered with its `service_request_id` (our tracking number) only after the intake
//! queue confirmed the message; if the queue cannot, the client gets a 503 and nothing is kept.

mod errors;
mod parse;
mod view;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use jiesu_domain::district::District;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::messages::{INTAKE_QUEUE, NEW_REQUEST, encode_new_request};
use jiesu_domain::ports::{Message, Queue, Store};
use serde_json::json;

pub use errors::Open311Error;
pub use parse::{Form, Submitter, new_request};

use crate::api_keys::{ApiKeys, KeyError};

/// The header a client sets so that a resent request is recognised and stored once.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header carrying the HTTP request id, copied onto the queue message for tracing.
pub const REQUEST_ID: &str = "x-request-id";

#[derive(Debug)]
pub struct Open311<S, Q> {
    pub store: S,
    pub queue: Q,
    pub district: Arc<District>,
    pub keys: ApiKeys<S>,
}

type Shared<S, Q> = Arc<Open311<S, Q>>;

/// `POST /open311/v2/requests.json`: what the intake role serves.
pub fn submit_routes<S: Store, Q: Queue>(state: Shared<S, Q>) -> Router {
    Router::new().route("/open311/v2/requests.json", post(submit::<S, Q>)).with_state(state)
}

/// `GET /open311/v2/requests/{id}.json`: what the API role serves.
pub fn read_routes<S: Store, Q: Queue>(state: Shared<S, Q>) -> Router {
    Router::new().route("/open311/v2/requests/{file}", get(read_one::<S, Q>)).with_state(state)
}

async fn submit<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        // Too large, or the connection broke while reading: say so as Open311 does.
        Err(rejection) => {
            return Open311Error::new(rejection.status(), rejection.body_text()).into_response();
        }
    };
    match accept(&s, &headers, &body).await {
        Ok(tracking) => {
            let notice =
                format!("已受理，工单编号 {} / Received, tracking number {}", tracking.grouped(), tracking);
            Json(json!([{ "service_request_id": tracking.as_str(), "service_notice": notice, "account_id": null }]))
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn accept<S: Store, Q: Queue>(
    s: &Open311<S, Q>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<TrackingNumber, Open311Error> {
    let form = Form::parse(body)?;
    let client = s.keys.authenticate(form.get("api_key")).await.map_err(|e| match e {
        KeyError::Missing => Open311Error::forbidden("api_key is required"),
        KeyError::Invalid => Open311Error::forbidden("api_key is not valid"),
        KeyError::Unavailable => {
            tracing::warn!("cannot check an API key: the database is unavailable");
            Open311Error::unavailable()
        }
    })?;
    let idempotency_key = headers.get(IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok());
    let who = Submitter { client: &client, idempotency_key };
    let request = new_request(&form, &s.district, &who, jiesu_domain::time::now())?;
    let request_id = headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let message = Message::new(request.id.as_uuid(), NEW_REQUEST, encode_new_request(&request))
        .with_header("request_id", request_id);
    s.queue.send(INTAKE_QUEUE, &[message]).await.map_err(|e| {
        tracing::error!(error = %e, request.id = %request.id, "the intake queue did not accept a request");
        Open311Error::unavailable()
    })?;
    tracing::info!(request.id = %request.id, tracking = %request.tracking, client = %client.name, "request received");
    Ok(request.tracking)
}

async fn read_one<S: Store, Q: Queue>(State(s): State<Shared<S, Q>>, Path(file): Path<String>) -> Response {
    let result = async {
        let Some(id) = file.strip_suffix(".json") else {
            return Err(Open311Error::not_found("unknown format: use .json"));
        };
        let not_found = || Open311Error::not_found(format!("no service request with id `{id}`"));
        let tracking = TrackingNumber::parse(id).map_err(|_| not_found())?;
        let view = s.store.request_by_tracking(&tracking).await.map_err(|e| {
            tracing::error!(error = %e, "cannot read a request");
            Open311Error::unavailable()
        })?;
        view.map(|v| view::record(&v, &s.district)).ok_or_else(not_found)
    }
    .await;
    match result {
        Ok(record) => Json([record]).into_response(),
        Err(e) => e.into_response(),
    }
}
