//! The endpoint the SMS provider pushes citizens' replies to: `POST /notify/sms/replies?key=…`.
//! The key is a secret the district puts in the callback URL it gives the provider (in the
//! query, not the path, so the access log never shows it); a wrong key answers 404, as if there
//! were no such endpoint. A reply of TD puts the phone on the opt-out list (a keyed digest, never
//! the number), in the store before the provider is told it was taken; a store that is unwell
//! answers 503, so the provider pushes the reply again.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiesu_model::secret::ServerKey;
use jiesu_ports::{Notifications, OptOut};

use crate::sms::replies::{Provider, answer, is_opt_out, parse};

/// What the endpoint needs.
#[derive(Debug, Clone)]
pub struct Replies<S> {
    pub store: S,
    pub key: ServerKey,
    pub provider: Provider,
    /// The callback URL's `key`.
    pub secret: String,
}

pub fn routes<S: Notifications>(replies: Replies<S>) -> Router {
    Router::new().route("/notify/sms/replies", post(receive::<S>)).with_state(Arc::new(replies))
}

/// Compares without stopping at the first difference, so the time taken tells nothing of the key.
fn same(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn receive<S: Notifications>(
    State(r): State<Arc<Replies<S>>>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let given = q.get("key").map_or("", String::as_str);
    if r.secret.is_empty() || !same(given, &r.secret) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let replies = match parse(r.provider, &body) {
        Ok(replies) => replies,
        Err(why) => {
            tracing::warn!(why, "an SMS reply push is not in the provider's format");
            return (StatusCode::BAD_REQUEST, Json(answer(r.provider, false))).into_response();
        }
    };
    let now = chrono::Utc::now();
    for reply in replies.iter().filter(|x| is_opt_out(&x.text)) {
        match r.store.opt_out(&OptOut::phone(&reply.phone, &r.key), now).await {
            // Never the number: the log says only that someone opted out.
            Ok(new) => tracing::info!(new, "a citizen replied TD: no more text messages to them"),
            Err(e) => {
                tracing::warn!(error = %e, "cannot record an SMS opt-out; the provider will push it again");
                return (StatusCode::SERVICE_UNAVAILABLE, Json(answer(r.provider, false))).into_response();
            }
        }
    }
    Json(answer(r.provider, true)).into_response()
}
