//! `POST requests.{json,xml}`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiesu_domain::api_client::ClientChannel;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{Queue, Store};
use serde_json::json;

use super::errors::Open311Error;
use super::format::{Format, render};
use super::parse::{Form, Submitter, new_request};
use super::{IDEMPOTENCY_KEY, Open311, Shared, check_jurisdiction};
use crate::api_keys::KeyError;
use crate::publish::Intake;

pub async fn submit<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Path(file): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let format = match Format::split(&file) {
        Some(("requests", format)) => format,
        _ => return Open311Error::not_found(format!("cannot POST `{file}`")).render(Format::Json),
    };
    let body = match body {
        Ok(body) => body,
        // Too large, or the connection broke while reading: say so as Open311 does.
        Err(rejection) => return Open311Error::new(rejection.status(), rejection.body_text()).render(format),
    };
    match accept(&s, &headers, &body).await {
        Ok(tracking) => {
            let notice =
                format!("已受理，工单编号 {} / Received, tracking number {}", tracking.grouped(), tracking);
            // account_id is left out, not null: the published schema allows no null there.
            let body = json!([{ "service_request_id": tracking.as_str(), "service_notice": notice }]);
            render(format, StatusCode::OK, "service_requests", &body)
        }
        Err(e) => e.render(format),
    }
}

async fn accept<S: Store, Q: Queue>(
    s: &Open311<S, Q>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<TrackingNumber, Open311Error> {
    let form = Form::parse(body)?;
    let client =
        s.keys.authenticate(form.get("api_key"), ClientChannel::Open311).await.map_err(|e| match e {
            KeyError::Missing => Open311Error::forbidden("api_key is required"),
            KeyError::Invalid => Open311Error::forbidden("api_key is not valid"),
            KeyError::Unavailable => {
                tracing::warn!("cannot check an API key: the database is unavailable");
                Open311Error::unavailable()
            }
        })?;
    check_jurisdiction(&s.district.current(), form.get("jurisdiction_id"))?;
    let idempotency_key = headers.get(IDEMPOTENCY_KEY).map(|v| v.as_bytes());
    let who = Submitter { client: &client, idempotency_key, key: &s.key };
    let request = new_request(&form, &s.district.current(), &who, jiesu_domain::time::now())?;
    Intake::for_http(&s.queue, headers).send([&request]).await.map_err(|e| {
        tracing::error!(error = %e, request.id = %request.id, "the intake queue did not accept a request");
        Open311Error::unavailable()
    })?;
    tracing::debug!(request.id = %request.id, tracking = %request.tracking, client = %client.name, "request received");
    Ok(request.tracking)
}
