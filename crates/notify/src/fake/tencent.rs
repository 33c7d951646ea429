//! A fake Tencent Cloud SMS endpoint: `POST /` with a JSON body and the TC3 signature, as Tencent
//! Cloud checks it: `content-type` and `host` signed, the signature recomputed from the body and
//! headers as received, `X-TC-Timestamp` within 5 minutes, `X-TC-Action: SendSms`,
//! `X-TC-Version: 2021-01-11`, and `PhoneNumberSet`, `SmsSdkAppId`, `SignName`, `TemplateId`
//! present. Answers a status per number.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::{Handle, Mode, Received, Shared, serve};
use crate::sign::tencent::{Key, Request, sign};

#[derive(Debug)]
pub struct FakeTencent;

impl FakeTencent {
    pub async fn start(secret_id: &str, secret_key: &str) -> std::io::Result<Handle> {
        let shared = Shared::new();
        let keys = (secret_id.to_owned(), secret_key.to_owned());
        let app = axum::Router::new()
            .route("/", post(receive))
            .with_state((shared.clone(), std::sync::Arc::new(keys)));
        serve(app, shared, ([127, 0, 0, 1], 0).into()).await
    }
}

type Fake = (Shared, std::sync::Arc<(String, String)>);

fn error(shared: &Shared, code: &str, why: String) -> Response {
    shared.with(|s| s.rejected.push(format!("{code}: {why}")));
    axum::Json(json!({ "Response": { "Error": { "Code": code, "Message": why }, "RequestId": "fake" } }))
        .into_response()
}

async fn receive(State((shared, keys)): State<Fake>, headers: HeaderMap, body: Bytes) -> Response {
    if shared.with(|s| s.mode == Mode::Down) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let auth = header("authorization");
    let Some(rest) = auth.strip_prefix("TC3-HMAC-SHA256 ") else {
        return error(&shared, "AuthFailure.SignatureFailure", "no TC3 Authorization".into());
    };
    let field = |name: &str| {
        rest.split(", ")
            .find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .unwrap_or_default()
    };
    let (credential, signed, signature) = (field("Credential"), field("SignedHeaders"), field("Signature"));
    let mut scope = credential.splitn(2, '/');
    if scope.next() != Some(keys.0.as_str()) {
        return error(&shared, "AuthFailure.SecretIdNotFound", credential.to_owned());
    }
    let names: Vec<&str> = signed.split(';').collect();
    if !(names.contains(&"content-type") && names.contains(&"host")) {
        return error(&shared, "AuthFailure.SignatureFailure", "content-type and host must be signed".into());
    }
    let Ok(timestamp) = header("x-tc-timestamp").parse::<i64>() else {
        return error(&shared, "MissingParameter", "X-TC-Timestamp".into());
    };
    if (chrono::Utc::now().timestamp() - timestamp).abs() > 300 {
        return error(&shared, "AuthFailure.SignatureExpire", timestamp.to_string());
    }
    let values: Vec<(String, String)> = names.iter().map(|h| ((*h).to_owned(), header(h))).collect();
    let heads: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let service = scope.next().and_then(|s| s.split('/').nth(1)).unwrap_or_default();
    let expected = sign(
        Key { secret_id: &keys.0, secret_key: &keys.1 },
        Request { method: "POST", path: "/", query: "", headers: &heads, payload: &body, service, timestamp },
    );
    if expected.signature != signature || service != "sms" {
        return error(&shared, "AuthFailure.SignatureFailure", "signature".into());
    }
    if header("x-tc-action") != "SendSms" || header("x-tc-version") != "2021-01-11" {
        return error(&shared, "InvalidAction", header("x-tc-action"));
    }
    let Ok(b) = serde_json::from_slice::<Value>(&body) else {
        return error(&shared, "FailedOperation.FailResolvePacket", "body".into());
    };
    let text = |k: &str| b[k].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let phones: Vec<String> = b["PhoneNumberSet"]
        .as_array()
        .map_or_else(Vec::new, |a| a.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect());
    let (Some(template), Some(_app), Some(_sign)) =
        (text("TemplateId"), text("SmsSdkAppId"), text("SignName"))
    else {
        return error(&shared, "MissingParameter", "TemplateId, SmsSdkAppId, SignName".into());
    };
    if phones.is_empty() {
        return error(&shared, "MissingParameter.EmptyPhoneNumberSet", "PhoneNumberSet".into());
    }
    let refused = match shared.with(|s| s.mode.clone()) {
        Mode::Refuse(code) => Some(code),
        _ => None,
    };
    let reference = text("SessionContext").unwrap_or_default();
    let statuses: Vec<Value> = phones
        .into_iter()
        .map(|phone| match &refused {
            Some(code) => json!({ "SerialNo": "", "PhoneNumber": phone, "Fee": 0, "Code": code, "Message": "refused" }),
            None => {
                let n = shared.with(|s| {
                    let params = b["TemplateParamSet"].clone();
                    s.received.push(Received { phone: phone.clone(), template: template.clone(), params, reference: reference.clone(), at: std::time::Instant::now() });
                    s.received.len()
                });
                json!({ "SerialNo": format!("fake:{n}"), "PhoneNumber": phone, "Fee": 1, "SessionContext": reference, "Code": "Ok", "Message": "send success", "IsoCode": "CN" })
            }
        })
        .collect();
    axum::Json(json!({ "Response": { "SendStatusSet": statuses, "RequestId": "fake" } })).into_response()
}
