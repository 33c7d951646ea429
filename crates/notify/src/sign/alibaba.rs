//! Alibaba Cloud's V3 signature (ACS3-HMAC-SHA256), as Dysmsapi's `SendSms` accepts it: a
//! canonical request of the method, path, the query's parameters sorted and percent-encoded
//! (RFC 3986), the signed headers (`host`, every `x-acs-*`, `content-type`) and the body's SHA-256
//! (also sent as `x-acs-content-sha256`); signed with the AccessKey secret over
//! `ACS3-HMAC-SHA256\n` and the canonical request's SHA-256.

pub use super::Signed;
use super::{canonical_headers, hex, hmac_sha256, sha256_hex};

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// A request to sign.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The query's parameters as sent, in any order (encoded and sorted here).
    pub query: &'a [(&'a str, &'a str)],
    /// The signed headers as sent.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    pub access_key_id: &'a str,
    pub access_key_secret: &'a str,
}

/// RFC 3986 percent-encoding: unreserved characters stay, everything else is `%XX` of its UTF-8
/// bytes (a space is `%20`, never `+`).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query as the canonical request writes it: each name and value encoded, sorted by name.
pub fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut q: Vec<(String, String)> =
        query.iter().map(|(k, v)| (percent_encode(k), percent_encode(v))).collect();
    q.sort();
    q.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The body's hash as `x-acs-content-sha256` carries it.
pub fn content_sha256(body: &[u8]) -> String {
    sha256_hex(body)
}

pub fn sign(key: Key<'_>, r: Request<'_>) -> Signed {
    sign_hashed(key, r, &sha256_hex(r.body))
}

/// As `sign`, with the body's hash given (what `x-acs-content-sha256` says).
pub fn sign_hashed(key: Key<'_>, r: Request<'_>, body_sha256: &str) -> Signed {
    let (lines, signed_headers) = canonical_headers(r.headers);
    let canonical_request = format!(
        "{}\n{}\n{}\n{lines}\n{signed_headers}\n{body_sha256}",
        r.method,
        r.path,
        canonical_query(r.query),
    );
    let string_to_sign = format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    let signature = hex(&hmac_sha256(key.access_key_secret.as_bytes(), string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={},SignedHeaders={signed_headers},Signature={signature}",
        key.access_key_id
    );
    Signed { canonical_request, string_to_sign, signature, authorization }
}
