//! How dead letters are shown to an operator: a one-line summary that names the request or event
//! (never the citizen), and the payload with personal data masked. A dead letter may be anything
//! (it died because it could not be read), so all of this works on raw JSON, or on bytes.

use jiesu_domain::messages::{EVENT, NEW_REQUEST};
use jiesu_domain::ports::DeadLetter;
use serde_json::Value;

/// Fields whose whole value is personal data, wherever they appear.
const PERSONAL: &[&str] = &["contact", "phone", "openid", "open_id", "email", "mobile", "from_user"];

/// Identifiers and times that look like long numbers or tokens but are not personal.
const NOT_PERSONAL: &[&str] =
    &["id", "request_id", "task_id", "tracking", "received_at", "occurred_at", "version", "type"];

/// `tracking 7Q2K.., request 0190..` for a new request, `task_disclaimed, request 0190..` for an
/// event: what an operator needs to find it elsewhere.
pub fn summary(letter: &DeadLetter) -> String {
    let payload = &letter.message.payload;
    let Ok(json) = serde_json::from_slice::<Value>(payload) else {
        return format!("{} bytes, not JSON", payload.len());
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let found = match letter.message.kind.as_str() {
        NEW_REQUEST => json.get("request").map(|r| {
            let tracking = text(r, "tracking").unwrap_or_else(|| "?".into());
            let id = text(r, "id").unwrap_or_else(|| "?".into());
            format!("tracking {tracking}, request {id}")
        }),
        EVENT => text(&json, "type").map(|name| {
            let request = text(&json, "request_id").unwrap_or_else(|| "?".into());
            format!("{name}, request {request}")
        }),
        _ => None,
    };
    found.unwrap_or_else(|| format!("{} bytes of JSON", payload.len()))
}

/// The payload as an operator may see it: JSON pretty-printed with personal fields masked, or
/// text with anything that looks like a phone number or an OpenID masked.
pub fn masked_payload(payload: &[u8]) -> String {
    match serde_json::from_slice::<Value>(payload) {
        Ok(mut json) => {
            mask_value(&mut json, None);
            serde_json::to_string_pretty(&json).unwrap_or_default()
        }
        Err(_) => mask_text(&String::from_utf8_lossy(payload)),
    }
}

fn mask_value(v: &mut Value, key: Option<&str>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if PERSONAL.contains(&k.as_str()) {
                    hide(child);
                } else {
                    mask_value(child, Some(k));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| mask_value(i, key)),
        Value::String(s) if !key.is_some_and(|k| NOT_PERSONAL.contains(&k)) => *s = mask_text(s),
        _ => {}
    }
}

/// Every string inside `v` becomes `***`; the shape (and booleans such as `confidential`) stays.
fn hide(v: &mut Value) {
    match v {
        Value::Object(map) => map.values_mut().for_each(hide),
        Value::Array(items) => items.iter_mut().for_each(hide),
        Value::String(s) => *s = "***".into(),
        Value::Number(_) => *v = Value::String("***".into()),
        _ => {}
    }
}

/// Masks, in free text, runs of 7 or more digits (phone numbers: `138****5678`) and long tokens
/// mixing letters and digits that are not UUIDs (OpenIDs: `***`). Also used on reasons, since a
/// decoder's error may quote the value it refused.
pub fn mask_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        out.push_str(&mask_token(token));
        token.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

fn mask_token(token: &str) -> String {
    if uuid::Uuid::parse_str(token).is_ok() {
        return token.to_owned();
    }
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    let letters = token.bytes().filter(u8::is_ascii_alphabetic).count();
    if token.len() >= 20 && digits > 0 && letters > 0 {
        return "***".into();
    }
    // Digit runs inside the token (a phone number glued to other text).
    let mut out = String::with_capacity(token.len());
    let mut run = String::new();
    for c in token.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        if run.len() >= 7 {
            let keep_head = if run.len() >= 11 { 3 } else { 0 };
            let tail = &run[run.len() - 4..];
            out.push_str(&run[..keep_head]);
            out.push_str(&"*".repeat(run.len() - keep_head - 4));
            out.push_str(tail);
        } else {
            out.push_str(&run);
        }
        run.clear();
        if c != ' ' {
            out.push(c);
        }
    }
    out
}

/// Cuts `s` to `max` characters, marking the cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_and_openids_are_masked_in_text() {
        assert_eq!(mask_text("call 13812345678 now"), "call 138****5678 now");
        assert_eq!(mask_text("tel:075512345678;"), "tel:075*****5678;");
        assert_eq!(mask_text("from oAbCdEfGhIjKlMnOpQrStUvWx12 said"), "from *** said");
        let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(mask_text(&format!("request {id}, 12 lamps")), format!("request {id}, 12 lamps"));
    }

    #[test]
    fn a_payload_keeps_its_shape_and_loses_its_personal_data() {
        let payload = serde_json::json!({
            "version": 1,
            "request": {
                "id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
                "tracking": "7Q2K9M4X1B3C",
                "description": "路灯坏了，请回电 13912345678",
                "contact": {"name": "李雷", "phone": "13812345678", "openid": "oAbCdEfGhIjKlMnOpQrStUvWx12",
                            "confidential": true},
            }
        });
        let shown = masked_payload(payload.to_string().as_bytes());
        for secret in ["13812345678", "13912345678", "李雷", "oAbCdEfGhIjKlMnOpQrStUvWx12"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        for kept in ["7Q2K9M4X1B3C", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "139****5678", "路灯坏了"] {
            assert!(shown.contains(kept), "{kept} missing from {shown}");
        }
        assert!(shown.contains("\"confidential\": true"), "{shown}");
    }

    #[test]
    fn bytes_that_are_not_json_are_shown_masked() {
        assert_eq!(masked_payload(b"\xff 13812345678"), "\u{fffd} 138****5678");
    }
}
