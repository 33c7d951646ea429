//! Photos over HTTP: served back by name, and the base of the URLs they are given.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::MediaDir;

/// `/media/{name}`: a stored photo, with the type its bytes say.
pub fn routes(media: MediaDir) -> Router {
    Router::new().route("/media/{name}", get(photo)).with_state(media)
}

async fn photo(State(media): State<MediaDir>, Path(name): Path<String>) -> Response {
    match media.get(&name).await {
        Some((bytes, kind)) => (
            [
                (header::CONTENT_TYPE, kind.content_type()),
                (header::CACHE_CONTROL, "private, max-age=86400"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The base URL clients reach us at: configured, or from the request (behind a proxy,
/// `X-Forwarded-Proto` and `X-Forwarded-Host` say how the client called). A photo's URL is made
/// from it, and the channels use it for the addresses they give out.
pub fn base_url(configured: &str, headers: &HeaderMap) -> String {
    if !configured.is_empty() {
        return configured.trim_end_matches('/').to_owned();
    }
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = get("x-forwarded-host").or_else(|| get("host")).unwrap_or("localhost");
    let scheme = get("x-forwarded-proto").unwrap_or("http");
    format!("{scheme}://{host}")
}
