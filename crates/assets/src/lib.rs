//! The pages' static files, embedded in the binary and served at `/assets/{name}`: front-end
//! packages vendored from npm (`vendor/`, each file checked against `vendor/SHA256SUMS` by this
//! crate's tests) and Jiesu's own style sheets (`static/`). Nothing is fetched from a CDN and
//! nothing is built at run time.
//!
//! Pages link an asset with `href(name)`, which appends the first hex digits of its SHA-256
//! (`/assets/htmx.min.js?v=d6fdc75f20`): a link with the current digest is cached for a year
//! (`immutable`), so a new release's file is fetched once and never revalidated, and an old page's
//! link after an upgrade is revalidated instead of served stale.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Its name under `/assets/`.
    pub name: &'static str,
    /// Where it comes from in the repository (a vendored package's file, or `static/...`).
    pub source: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! vendored {
    ($name:literal, $source:literal, $type:literal) => {
        Asset {
            name: $name,
            source: $source,
            content_type: $type,
            bytes: include_bytes!(concat!("../../../vendor/", $source)),
        }
    };
}

macro_rules! own {
    ($name:literal, $type:literal) => {
        Asset {
            name: $name,
            source: concat!("static/", $name),
            content_type: $type,
            bytes: include_bytes!(concat!("../static/", $name)),
        }
    };
}

/// Every served file. axe-core is vendored too but only the browser tests load it.
pub static ASSETS: &[Asset] = &[
    vendored!("htmx.min.js", "htmx.org/dist/htmx.min.js", "text/javascript; charset=utf-8"),
    vendored!("echarts.min.js", "echarts/dist/echarts.min.js", "text/javascript; charset=utf-8"),
    vendored!("weui.min.css", "weui/dist/style/weui.min.css", "text/css; charset=utf-8"),
    vendored!("leaflet.js", "leaflet/dist/leaflet.js", "text/javascript; charset=utf-8"),
    vendored!("leaflet.css", "leaflet/dist/leaflet.css", "text/css; charset=utf-8"),
    own!("staff.css", "text/css; charset=utf-8"),
    own!("staff.js", "text/javascript; charset=utf-8"),
    own!("console.js", "text/javascript; charset=utf-8"),
    own!("citizen.css", "text/css; charset=utf-8"),
    own!("citizen.js", "text/javascript; charset=utf-8"),
    own!("report-map.js", "text/javascript; charset=utf-8"),
];

/// Each asset's short digest, computed once.
static DIGESTS: LazyLock<Vec<String>> =
    LazyLock::new(|| ASSETS.iter().map(|a| short_digest(a.bytes)).collect());

fn short_digest(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().take(5).map(|b| format!("{b:02x}")).collect()
}

fn find(name: &str) -> Option<(usize, &'static Asset)> {
    ASSETS.iter().enumerate().find(|(_, a)| a.name == name)
}

/// The URL a page links `name` with. Panics on a name that is not embedded: that is a bug in
/// the page, caught by the first test that renders it.
pub fn href(name: &str) -> String {
    let (i, _) = find(name).unwrap_or_else(|| panic!("no embedded asset `{name}`"));
    format!("/assets/{name}?v={}", DIGESTS[i])
}

/// `GET /assets/{name}`.
pub fn routes() -> Router {
    Router::new().route("/assets/{name}", get(serve))
}

async fn serve(Path(name): Path<String>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let Some((i, asset)) = find(&name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let digest = &DIGESTS[i];
    let etag = format!("\"{digest}\"");
    let current = query.as_deref().and_then(|q| q.strip_prefix("v=")) == Some(digest.as_str());
    let cache = if current { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut h = HeaderMap::new();
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    if headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    h.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    (h, asset.bytes).into_response()
}

#[cfg(test)]
mod tests;
