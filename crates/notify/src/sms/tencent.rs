//! Tencent Cloud SMS: `SendSms` (API version 2021-01-11) at `sms.tencentcloudapi.com`, a JSON
//! body signed with TC3-HMAC-SHA256 (content-type, host and the action signed). The answer is a
//! status per number (`Code` `Ok` on success), or an `Error` for the whole request.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::alibaba::host_of;
use super::{Call, Outcome, Sms, e164};
use crate::sign::tencent::{Key, Request, sign};

pub const VERSION: &str = "2021-01-11";
const SERVICE: &str = "sms";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A district's Tencent Cloud SMS account.
#[derive(Debug, Clone)]
pub struct Account {
    /// `https://sms.tencentcloudapi.com` (a fake gateway's address in the tests).
    pub endpoint: String,
    pub secret_id: String,
    pub secret_key: String,
    /// The SMS application's id (`SmsSdkAppId`).
    pub sdk_app_id: String,
    pub sign_name: String,
    /// `ap-guangzhou` unless the account says otherwise.
    pub region: String,
}

/// The call that sends `sms`, signed at `now`.
pub fn call(account: &Account, sms: &Sms, now: DateTime<Utc>) -> Call {
    let body = json!({
        "PhoneNumberSet": [e164(&sms.to)],
        "SmsSdkAppId": account.sdk_app_id,
        "SignName": account.sign_name,
        "TemplateId": sms.template,
        "TemplateParamSet": sms.params.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
        "SessionContext": sms.reference,
    })
    .to_string()
    .into_bytes();
    let host = host_of(&account.endpoint);
    let timestamp = now.timestamp();
    let signed_headers = [("content-type", CONTENT_TYPE), ("host", host), ("x-tc-action", "SendSms")];
    let key = Key { secret_id: &account.secret_id, secret_key: &account.secret_key };
    let request = Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &signed_headers,
        payload: &body,
        service: SERVICE,
        timestamp,
    };
    let signed = sign(key, request);
    let headers = vec![
        ("Content-Type".to_owned(), CONTENT_TYPE.to_owned()),
        ("Host".to_owned(), host.to_owned()),
        ("X-TC-Action".to_owned(), "SendSms".to_owned()),
        ("X-TC-Version".to_owned(), VERSION.to_owned()),
        ("X-TC-Timestamp".to_owned(), timestamp.to_string()),
        ("X-TC-Region".to_owned(), account.region.clone()),
        ("Authorization".to_owned(), signed.authorization),
    ];
    Call { method: "POST", url: format!("{}/", account.endpoint.trim_end_matches('/')), headers, body }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope {
    response: Response,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    #[serde(default)]
    send_status_set: Vec<Status>,
    #[serde(default)]
    error: Option<Status>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Status {
    code: String,
    #[serde(default)]
    serial_no: Option<String>,
}

/// Codes no retry will fix (the SMS API's error-code reference): the number, the template, the
/// signature, the application or the key.
const PERMANENT: &[&str] = &[
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "InvalidParameterValue.TemplateParameterFormatError",
    "InvalidParameterValue.TemplateParameterLengthLimit",
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
    "InvalidParameterValue.ContentLengthLimit",
    "FailedOperation.ContainSensitiveWord",
    "FailedOperation.PhoneNumberInBlacklist",
    "InvalidParameterValue.SdkAppIdNotExist",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
    "UnauthorizedOperation.RequestIpNotInWhitelist",
    "UnauthorizedOperation.RequestPermissionDeny",
    "UnauthorizedOperation.SdkAppIdIsDisabled",
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    "UnsupportedOperation.UnsuportedRegion",
    "MissingParameter.EmptyPhoneNumberSet",
    "LimitExceeded.PhoneNumberCountLimit",
    "FailedOperation.FailResolvePacket",
    "AuthFailure.SignatureFailure",
    "AuthFailure.SecretIdNotFound",
    "AuthFailure.InvalidSecretId",
];

fn judged(s: Status) -> Outcome {
    match s.code.as_str() {
        "Ok" => Outcome::Sent { id: s.serial_no.unwrap_or_default() },
        code if PERMANENT.contains(&code) => Outcome::GiveUp { code: s.code },
        // Rate limits (LimitExceeded.*, RequestLimitExceeded), a clock off by minutes
        // (AuthFailure.SignatureExpire), arrears and the service's own errors: later.
        _ => Outcome::Retry { code: s.code },
    }
}

/// What the answer (HTTP status and body) means for the one number sent to.
pub fn outcome(status: u16, body: &[u8]) -> Outcome {
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else { return Outcome::from_status(status) };
    let r = envelope.response;
    match (r.error, r.send_status_set.into_iter().next()) {
        (Some(e), _) => judged(e),
        (None, Some(s)) => judged(s),
        (None, None) => Outcome::from_status(status.max(500)),
    }
}
