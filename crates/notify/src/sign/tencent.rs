//! Tencent Cloud API signature v3 (TC3-HMAC-SHA256), as the SMS `SendSms` call (and every other
//! Tencent Cloud API) requires: a canonical request of the method, path, query, signed headers and
//! the payload's SHA-256; a string to sign with the timestamp and the credential scope
//! (`date/service/tc3_request`); a signing key derived from the secret key by HMAC over the date,
//! the service and `tc3_request`.

use chrono::DateTime;

pub use super::Signed;
use super::{canonical_headers, hex, hmac_sha256, sha256_hex};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// A request to sign.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// `/` for the API's JSON calls.
    pub path: &'a str,
    /// The canonical query string (empty for POST).
    pub query: &'a str,
    /// The signed headers as sent (at least `content-type` and `host`).
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
    /// The product's service name (`sms`, `cvm`).
    pub service: &'a str,
    /// Seconds since the epoch, sent as `X-TC-Timestamp`.
    pub timestamp: i64,
}

/// The credentials of an API key.
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    pub secret_id: &'a str,
    pub secret_key: &'a str,
}

/// The request's date (UTC) as the credential scope names it.
fn date(timestamp: i64) -> String {
    DateTime::from_timestamp(timestamp, 0).map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string())
}

/// Signs the request. Tencent Cloud lowercases the signed headers' values as well as their names
/// (`x-tc-action:sendsms`).
pub fn sign(key: Key<'_>, r: Request<'_>) -> Signed {
    let lowered: Vec<(String, String)> =
        r.headers.iter().map(|(k, v)| ((*k).to_owned(), v.to_ascii_lowercase())).collect();
    let headers: Vec<(&str, &str)> = lowered.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (lines, signed_headers) = canonical_headers(&headers);
    let canonical_request = format!(
        "{}\n{}\n{}\n{lines}\n{signed_headers}\n{}",
        r.method,
        r.path,
        r.query,
        sha256_hex(r.payload)
    );
    let date = date(r.timestamp);
    let scope = format!("{date}/{}/tc3_request", r.service);
    let string_to_sign =
        format!("{ALGORITHM}\n{}\n{scope}\n{}", r.timestamp, sha256_hex(canonical_request.as_bytes()));
    let secret_date = hmac_sha256(format!("TC3{}", key.secret_key).as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, r.service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    let signature = hex(&hmac_sha256(&secret_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        key.secret_id
    );
    Signed { canonical_request, string_to_sign, signature, authorization }
}
