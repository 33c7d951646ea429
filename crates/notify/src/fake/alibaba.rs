//! A fake Dysmsapi: `POST /?...` with the V3 signature, as Alibaba Cloud checks it: every
//! `x-acs-*` header and `host` signed, the body's hash as `x-acs-content-sha256` says, the
//! signature recomputed from the query and headers as received, `x-acs-date` within 15 minutes,
//! a nonce used once, `PhoneNumbers`, `SignName` and `TemplateCode` present and `TemplateParam`
//! a JSON object of strings.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::{Handle, Mode, Received, Shared, serve};
use crate::sign::alibaba::{Key, Request, sign};

/// A fake account: the key pair the fake checks signatures with.
#[derive(Debug)]
pub struct FakeAlibaba;

impl FakeAlibaba {
    pub async fn start(access_key_id: &str, access_key_secret: &str) -> std::io::Result<Handle> {
        Self::start_on(([127, 0, 0, 1], 0).into(), access_key_id, access_key_secret).await
    }

    /// As `start`, on `addr` (the benchmark's fake listens where the server was told it is).
    pub async fn start_on(
        addr: std::net::SocketAddr,
        access_key_id: &str,
        access_key_secret: &str,
    ) -> std::io::Result<Handle> {
        let shared = Shared::new();
        let keys = (access_key_id.to_owned(), access_key_secret.to_owned());
        let app = axum::Router::new()
            .route("/", post(receive))
            .with_state((shared.clone(), std::sync::Arc::new(keys)));
        serve(app, shared, addr).await
    }
}

type Fake = (Shared, std::sync::Arc<(String, String)>);

fn refuse(shared: &Shared, status: StatusCode, code: &str, why: String) -> Response {
    shared.with(|s| s.rejected.push(format!("{code}: {why}")));
    let body = json!({ "Code": code, "Message": why, "RequestId": "fake" });
    (status, axum::Json(body)).into_response()
}

/// `name=value` pairs of the raw query, percent-decoded.
fn pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.replace('+', "%2B").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn receive(
    State((shared, keys)): State<Fake>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if shared.with(|s| s.mode == Mode::Down) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let query = pairs(raw.as_deref().unwrap_or_default());
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let Some((id, signature)) =
        header("authorization").strip_prefix("ACS3-HMAC-SHA256 ").and_then(parse_authorization)
    else {
        return refuse(
            &shared,
            StatusCode::BAD_REQUEST,
            "IncompleteSignature",
            "no ACS3 Authorization".into(),
        );
    };
    if id.0 != keys.0 {
        return refuse(&shared, StatusCode::NOT_FOUND, "InvalidAccessKeyId.NotFound", id.0);
    }
    let signed: Vec<String> = id.1;
    for required in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ] {
        if !signed.iter().any(|h| h == required) {
            return refuse(
                &shared,
                StatusCode::BAD_REQUEST,
                "IncompleteSignature",
                format!("{required} not signed"),
            );
        }
    }
    if header("x-acs-content-sha256") != crate::sign::alibaba::content_sha256(&body) {
        return refuse(
            &shared,
            StatusCode::BAD_REQUEST,
            "InvalidParameter.ContentSha256",
            "body hash".into(),
        );
    }
    let signed_values: Vec<(String, String)> = signed.iter().map(|h| (h.clone(), header(h))).collect();
    let heads: Vec<(&str, &str)> = signed_values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let q: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let expected = sign(
        Key { access_key_id: &keys.0, access_key_secret: &keys.1 },
        Request { method: "POST", path: "/", query: &q, headers: &heads, body: &body },
    );
    if expected.signature != signature {
        return refuse(&shared, StatusCode::BAD_REQUEST, "SignatureDoesNotMatch", "signature".into());
    }
    let fresh = DateTime::parse_from_rfc3339(&header("x-acs-date"))
        .is_ok_and(|t| (Utc::now() - t.with_timezone(&Utc)).num_minutes().abs() <= 15);
    if !fresh {
        return refuse(&shared, StatusCode::BAD_REQUEST, "InvalidTimeStamp.Expired", header("x-acs-date"));
    }
    if !shared.with(|s| s.nonces.insert(header("x-acs-signature-nonce"))) {
        return refuse(&shared, StatusCode::BAD_REQUEST, "SignatureNonceUsed", "nonce".into());
    }
    let (Some(phone), Some(template), Some(_sign_name)) =
        (param("PhoneNumbers"), param("TemplateCode"), param("SignName"))
    else {
        return refuse(
            &shared,
            StatusCode::OK,
            "isv.INVALID_PARAMETERS",
            "PhoneNumbers, SignName, TemplateCode".into(),
        );
    };
    let params: serde_json::Value =
        param("TemplateParam").and_then(|p| serde_json::from_str(&p).ok()).unwrap_or(json!({}));
    if !params.as_object().is_some_and(|o| o.values().all(serde_json::Value::is_string)) {
        return refuse(&shared, StatusCode::OK, "isv.INVALID_JSON_PARAM", "TemplateParam".into());
    }
    if let Mode::Refuse(code) = shared.with(|s| s.mode.clone()) {
        return (
            StatusCode::OK,
            axum::Json(json!({ "Code": code, "Message": "refused", "RequestId": "fake" })),
        )
            .into_response();
    }
    let reference = param("OutId").unwrap_or_default();
    let n = shared.with(|s| {
        s.received.push(Received { phone, template, params, reference, at: std::time::Instant::now() });
        s.received.len()
    });
    axum::Json(json!({ "Code": "OK", "Message": "OK", "BizId": format!("fake-{n}^0"), "RequestId": "fake" }))
        .into_response()
}

/// `Credential=id,SignedHeaders=a;b,Signature=hex` → ((id, [a, b]), hex).
fn parse_authorization(rest: &str) -> Option<((String, Vec<String>), String)> {
    let mut id = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => id = Some(v.to_owned()),
            "SignedHeaders" => signed = Some(v.split(';').map(str::to_owned).collect()),
            "Signature" => signature = Some(v.to_owned()),
            _ => {}
        }
    }
    Some(((id?, signed?), signature?))
}
