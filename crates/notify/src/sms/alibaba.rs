//! Alibaba Cloud SMS: `SendSms` (Dysmsapi, API version 2017-05-25), RPC style under the V3
//! signature: the parameters in the query, an empty body, `x-acs-*` headers signed with
//! ACS3-HMAC-SHA256. The answer's `Code` is `OK` on success, else an error code saying why.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Call, Outcome, Sms};
use crate::sign::alibaba::{Key, Request, canonical_query, content_sha256, sign};

/// The API version `SendSms` is called with.
pub const VERSION: &str = "2017-05-25";

/// A district's Alibaba Cloud SMS account.
#[derive(Debug, Clone)]
pub struct Account {
    /// `https://dysmsapi.aliyuncs.com` (a fake gateway's address in the tests).
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    /// The approved signature (签名), e.g. 坪山区民生诉求.
    pub sign_name: String,
}

/// The call that sends `sms`, signed at `now` with `nonce` (unique per call: the gateway refuses
/// a nonce it has seen within 15 minutes, which stops a replay).
pub fn call(account: &Account, sms: &Sms, now: DateTime<Utc>, nonce: &str) -> Call {
    let params: serde_json::Map<String, serde_json::Value> =
        sms.params.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    let template_param = serde_json::Value::Object(params).to_string();
    let query = [
        ("PhoneNumbers", sms.to.expose()),
        ("SignName", account.sign_name.as_str()),
        ("TemplateCode", sms.template.as_str()),
        ("TemplateParam", template_param.as_str()),
        ("OutId", sms.reference.as_str()),
    ];
    let host = host_of(&account.endpoint);
    let date = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let body: &[u8] = b"";
    let hash = content_sha256(body);
    let headers = [
        ("host", host),
        ("x-acs-action", "SendSms"),
        ("x-acs-version", VERSION),
        ("x-acs-date", date.as_str()),
        ("x-acs-signature-nonce", nonce),
        ("x-acs-content-sha256", hash.as_str()),
    ];
    let key = Key { access_key_id: &account.access_key_id, access_key_secret: &account.access_key_secret };
    let signed = sign(key, Request { method: "POST", path: "/", query: &query, headers: &headers, body });
    let mut all: Vec<(String, String)> =
        headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    all.push(("authorization".to_owned(), signed.authorization));
    Call {
        method: "POST",
        url: format!("{}/?{}", account.endpoint.trim_end_matches('/'), canonical_query(&query)),
        headers: all,
        body: Vec::new(),
    }
}

/// The host an endpoint names (what the `host` header must say).
pub(crate) fn host_of(endpoint: &str) -> &str {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    code: String,
    #[serde(default)]
    biz_id: Option<String>,
}

/// Error codes that no retry will fix: the number, the template, the signature or the account's
/// configuration (aliyun's SendSms error-code reference).
const PERMANENT: &[&str] = &[
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
    "isv.SIGN_STATE_ILLEGAL",
    "isv.SMS_SIGN_ILLEGAL",
    "isv.SMS_CONTENT_ILLEGAL",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    "isv.DENY_IP_RANGE",
    "isv.EXTEND_CODE_ERROR",
    "isp.RAM_PERMISSION_DENY",
    "isv.PRODUCT_UN_SUBSCRIPT",
    "isv.PRODUCT_UNSUBSCRIBE",
    "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL",
    // The request's own signature or key (a configuration to fix, not a moment to wait out).
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId.NotFound",
    "IncompleteSignature",
];

/// What the gateway's answer (HTTP status and body) means for the delivery. Rate limits
/// (`isv.BUSINESS_LIMIT_CONTROL`, the day and month limits), an empty balance and the gateway's
/// own failures are retried; the delivery gives up after its last try all the same.
pub fn outcome(status: u16, body: &[u8]) -> Outcome {
    let Ok(answer) = serde_json::from_slice::<Answer>(body) else { return Outcome::from_status(status) };
    match answer.code.as_str() {
        "OK" => Outcome::Sent { id: answer.biz_id.unwrap_or_default() },
        code if PERMANENT.contains(&code) => Outcome::GiveUp { code: answer.code },
        _ => Outcome::Retry { code: answer.code },
    }
}
