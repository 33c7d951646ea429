//! Intake adapters. Each channel speaks its own protocol exactly and ends in the same place: a
//! validated `NewRequest` on the intake queue, confirmed by the queue before the citizen is told
//! it was received.
//!
//! - `open311`: GeoReport v2 (`/open311/v2/...`), for client applications with an API key.
//! - `web`: the citizens' form (`/`) and tracking page (`/track`), with photo uploads.
//! - `wechat`: the WeChat official account (`/wechat`).
//! - `hotline`: the 12345 call centre's work orders (`/hotline/v1/work-orders`, CSV exports).

pub mod api_keys;
pub mod hotline;
pub mod open311;
pub mod web;
pub mod wechat;

pub use api_keys::ApiKeys;

use axum::http::HeaderMap;

/// The base URL clients reach us at: configured, or from the request (behind a proxy,
/// `X-Forwarded-Proto` and `X-Forwarded-Host` say how the client called).
pub fn base_url(configured: &str, headers: &HeaderMap) -> String {
    if !configured.is_empty() {
        return configured.trim_end_matches('/').to_owned();
    }
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = get("x-forwarded-host").or_else(|| get("host")).unwrap_or("localhost");
    let scheme = get("x-forwarded-proto").unwrap_or("http");
    format!("{scheme}://{host}")
}
