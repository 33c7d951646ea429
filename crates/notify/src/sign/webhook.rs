//! Our webhooks' signature: `X-Jiesu-Signature: sha256=` and the HMAC-SHA256, under the secret the
//! client registered, of the timestamp, a dot and the body, so a receiver checks both that the
//! body is ours and that it is fresh (it refuses an old timestamp: a replay).

use super::{hex, hmac_sha256};

/// The `X-Jiesu-Signature` header's value.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut message = timestamp.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    format!("sha256={}", hex(&hmac_sha256(secret, &message)))
}
