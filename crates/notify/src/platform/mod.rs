//! WeChat (the official account that answers citizens) and 企业微信/政务微信 (the staff's app):
//! both speak JSON over HTTPS with an `access_token` in the query, fetched from the platform
//! with the account's secret and valid for about two hours. Each message becomes the exact call
//! the platform expects and its answer is read as what the delivery must do next, as for SMS; an
//! answer that says the token is no longer valid is told apart, so the sender drops the stored
//! token and tries once with a fresh one. No IO here.

pub mod wechat;
pub mod wecom;

use serde::Deserialize;

use crate::call::Outcome;

/// What a platform's answer to a message means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Done(Outcome),
    /// The access token was refused (expired, replaced, never valid): fetch a new one.
    TokenRefused {
        code: String,
    },
}

/// A token the platform issued, and for how many seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub token: String,
    pub expires_in: i64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Answer {
    #[serde(default)]
    pub(crate) errcode: i64,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    msgid: Option<serde_json::Value>,
}

/// Error codes both platforms use for a token that is no longer any good: 40001 (WeChat: invalid
/// credential), 40014 (invalid access_token), 41001 (missing), 42001 (expired).
pub(crate) const TOKEN_CODES: &[i64] = &[40001, 40014, 41001, 42001];

/// Error codes that waiting fixes: -1 (the platform is busy), 45009 (the API's rate limit),
/// 45033 (too many at once), 45011 (calls too frequent).
pub(crate) const BUSY_CODES: &[i64] = &[-1, 45009, 45033, 45011];

/// The answer to a token fetch: the token, or why there is none. A refused secret or an address
/// not on the platform's allow-list is a configuration to fix; it is retried all the same (the
/// sender gives up after its last try), since an administrator fixing it should not lose the
/// notices waiting meanwhile.
pub fn read_token(status: u16, body: &[u8]) -> Result<Issued, Outcome> {
    let Ok(a) = serde_json::from_slice::<Answer>(body) else { return Err(Outcome::from_status(status)) };
    match (a.errcode, a.access_token, a.expires_in) {
        (0, Some(token), Some(expires_in)) if !token.is_empty() => Ok(Issued { token, expires_in }),
        (0, ..) => Err(Outcome::Retry { code: "token_answer".to_owned() }),
        (code, ..) => Err(Outcome::Retry { code: format!("token_{code}") }),
    }
}

/// The answer to a message: `errcode` 0 is sent (with the platform's `msgid`), a token code asks
/// for a new token, a busy code is retried, any other code is given up on (`permanent` lists the
/// ones expected; an unknown one is given up too, with its number for the supervisors).
pub(crate) fn read_reply(status: u16, body: &[u8]) -> Reply {
    let Ok(a) = serde_json::from_slice::<Answer>(body) else {
        return Reply::Done(Outcome::from_status(status));
    };
    let code = a.errcode.to_string();
    match a.errcode {
        0 => {
            let id = match a.msgid {
                Some(serde_json::Value::String(s)) => s,
                Some(other) => other.to_string(),
                None => String::new(),
            };
            Reply::Done(Outcome::Sent { id })
        }
        c if TOKEN_CODES.contains(&c) => Reply::TokenRefused { code },
        c if BUSY_CODES.contains(&c) => Reply::Done(Outcome::Retry { code }),
        _ => Reply::Done(Outcome::GiveUp { code }),
    }
}

/// `base` + `path` + `?access_token=` + the token, percent-encoded.
pub(crate) fn with_token(base: &str, path: &str, token: &str) -> String {
    let query: String =
        form_urlencoded::Serializer::new(String::new()).append_pair("access_token", token).finish();
    format!("{}{path}?{query}", base.trim_end_matches('/'))
}

/// A JSON POST.
pub(crate) fn post_json(url: String, body: &serde_json::Value) -> crate::call::Call {
    crate::call::Call {
        method: "POST",
        url,
        headers: vec![("content-type".to_owned(), "application/json; charset=utf-8".to_owned())],
        body: body.to_string().into_bytes(),
    }
}
