//! Open311 GeoReport v2 under `/open311/v2/`, every resource as `.json` and `.xml`: discovery,
//! services, service definitions, POST and GET requests, tokens. Only POST needs an API key.
//!
//! A POST is answered with its `service_request_id` (our tracking number) only after the intake
//! queue confirmed the message; if the queue cannot, the client gets a 503 and nothing is kept.

mod errors;
mod format;
mod parse;
mod query;
mod read;
mod submit;
mod view;
mod xml;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use jiesu_domain::district::District;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{Queue, Store};

pub use errors::Open311Error;
pub use format::Format;
pub use parse::{Form, Submitter, new_request};
pub use view::datetime;

use crate::api_keys::ApiKeys;

/// The header a client sets so that a resent request is recognised and stored once.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header carrying the HTTP request id, copied onto the queue message for tracing.
pub const REQUEST_ID: &str = "x-request-id";

#[derive(Debug)]
pub struct Open311<S, Q> {
    pub store: S,
    pub queue: Q,
    pub district: LiveDistrict,
    pub keys: Arc<ApiKeys<S>>,
    /// The public base URL (`https://jiesu.example.gov.cn`) for discovery; empty: from `Host`.
    pub public_url: String,
    /// When the service list last changed, for discovery's `changeset`.
    pub changeset: chrono::DateTime<chrono::Utc>,
    /// The server's key, which tracking numbers are derived with.
    pub key: jiesu_domain::secret::ServerKey,
}

type Shared<S, Q> = Arc<Open311<S, Q>>;

/// `POST requests.{json,xml}`: what the intake role serves.
pub fn submit_routes<S: Store, Q: Queue>(state: Shared<S, Q>) -> Router {
    Router::new().route("/open311/v2/{file}", post(submit::submit::<S, Q>)).with_state(state)
}

/// Every GET resource: what the API role serves.
pub fn read_routes<S: Store, Q: Queue>(state: Shared<S, Q>) -> Router {
    Router::new()
        .route("/open311/v2/{file}", get(read::top::<S, Q>))
        .route("/open311/v2/services/{file}", get(read::definition::<S, Q>))
        .route("/open311/v2/requests/{file}", get(read::one::<S, Q>))
        .route("/open311/v2/tokens/{file}", get(read::token::<S, Q>))
        .with_state(state)
}

/// Refuses a `jurisdiction_id` naming another district (it is optional when there is one).
fn check_jurisdiction(district: &District, given: Option<&str>) -> Result<(), Open311Error> {
    match given.map(str::trim).filter(|j| !j.is_empty()) {
        Some(j) if j != district.areas().root().code.as_str() => {
            Err(Open311Error::not_found(format!("jurisdiction_id `{j}` is not served here")))
        }
        _ => Ok(()),
    }
}
