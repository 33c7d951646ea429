//! Request signing: Tencent Cloud's TC3-HMAC-SHA256, Alibaba Cloud's ACS3-HMAC-SHA256, and our own
//! webhooks' HMAC. Each signs a canonical form of the request (method, path, query, the signed
//! headers, the body's hash), so a gateway that recomputes it knows the request was not changed
//! and came from the key's holder.

pub mod alibaba;
pub mod tencent;
pub mod webhook;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A signed request, every step kept: for the tests to compare with a published example, and
/// for a fake gateway to compare with what it received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    /// The `Authorization` header's value.
    pub authorization: String,
}

pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Lowercase hexadecimal, as every one of these schemes writes hashes and signatures.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Headers as a canonical request lists them: names lowercased, values trimmed (a name sent twice
/// keeps its values sorted and joined with `,`), sorted by name, each as `name:value\n`; and the
/// signed headers' names joined with `;`.
pub(crate) fn canonical_headers(headers: &[(&str, &str)]) -> (String, String) {
    let mut h: std::collections::BTreeMap<String, Vec<&str>> = std::collections::BTreeMap::new();
    for (k, v) in headers {
        h.entry(k.to_ascii_lowercase()).or_default().push(v.trim());
    }
    let lines: String = h
        .iter_mut()
        .map(|(k, v)| {
            v.sort_unstable();
            format!("{k}:{}\n", v.join(","))
        })
        .collect();
    let names: Vec<&str> = h.keys().map(String::as_str).collect();
    (lines, names.join(";"))
}
