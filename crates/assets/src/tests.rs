use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::Request;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use super::*;

const SUMS: &str = include_str!("../../../vendor/SHA256SUMS");
const MANIFEST: &str = include_str!("../../../vendor/npm.toml");

fn recorded() -> BTreeMap<&'static str, &'static str> {
    SUMS.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once("  "))
        .map(|(sum, file)| (file, sum))
        .collect()
}

#[test]
fn every_vendored_file_is_the_one_recorded() {
    let sums = recorded();
    for a in ASSETS.iter().filter(|a| !a.source.starts_with("static/")) {
        let actual: String = Sha256::digest(a.bytes).iter().map(|b| format!("{b:02x}")).collect();
        let expected =
            sums.get(a.source).unwrap_or_else(|| panic!("{} is not in vendor/SHA256SUMS", a.source));
        assert_eq!(&actual, expected, "{} differs from what scripts/vendor copied", a.source);
    }
}

#[test]
fn the_sums_were_written_for_the_versions_the_manifest_pins() {
    let manifest: toml::Table = MANIFEST.parse().expect("vendor/npm.toml");
    let pinned: Vec<String> = manifest["package"]
        .as_array()
        .expect("[[package]]")
        .iter()
        .map(|p| {
            format!("# {} {}", p["name"].as_str().expect("name"), p["version"].as_str().expect("version"))
        })
        .collect();
    let written: Vec<String> = SUMS.lines().filter(|l| l.starts_with('#')).map(str::to_owned).collect();
    assert_eq!(written, pinned, "run scripts/vendor after changing vendor/npm.toml");
}

async fn get(uri: &str, etag: Option<&str>) -> Response {
    let mut req = Request::get(uri);
    if let Some(e) = etag {
        req = req.header(IF_NONE_MATCH, e);
    }
    routes().oneshot(req.body(Body::empty()).expect("request")).await.expect("response")
}

#[tokio::test]
async fn a_current_link_is_cached_for_good_and_a_stale_one_revalidated() {
    let link = href("htmx.min.js");
    let r = get(&link, None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert!(r.headers()[CACHE_CONTROL].to_str().expect("ascii").contains("immutable"));
    let etag = r.headers()[ETAG].to_str().expect("ascii").to_owned();

    let stale = get("/assets/htmx.min.js?v=0000000000", None).await;
    assert_eq!(stale.headers()[CACHE_CONTROL], "no-cache");
    assert_eq!(get("/assets/htmx.min.js", Some(&etag)).await.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(get("/assets/nothing.js", None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get("/assets/..%2FCargo.toml", None).await.status(), StatusCode::NOT_FOUND);
}
