//! The WeChat official account (公众号) answering citizens who wrote through it: a token from
//! `POST /cgi-bin/stable_token` (the stable token: fetching it again does not end the one other
//! processes hold), then a template message (`/cgi-bin/message/template/send`: an approved
//! template's fields, a link, and `client_msg_id`, WeChat's guard that sends one message per
//! OpenID and id within ten minutes) where the district configured a template for the notice,
//! else a customer-service text message (`/cgi-bin/message/custom/send`, which WeChat accepts
//! only within 48 hours of the citizen's last message: 45015 after that).

use serde_json::{Map, Value, json};

use super::{Answer, BUSY_CODES, Reply, TOKEN_CODES, post_json, read_reply, with_token};
use crate::call::{Call, Outcome};

/// A district's official account.
#[derive(Debug, Clone)]
pub struct Account {
    /// `https://api.weixin.qq.com`.
    pub endpoint: String,
    pub app_id: String,
    pub secret: String,
}

impl Account {
    /// The name its token is stored under, shared by every notify process.
    pub fn token_name(&self) -> String {
        format!("wechat:{}", self.app_id)
    }
}

/// A template message: the approved template, its fields' values by the template's keys
/// (`character_string1`, `thing2`), the link a tap opens, and our reference as `client_msg_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateMessage {
    pub openid: String,
    pub template_id: String,
    pub fields: Vec<(String, String)>,
    pub url: String,
    pub reference: String,
}

/// The call that fetches the account's stable token.
pub fn token_call(a: &Account) -> Call {
    let body = json!({
        "grant_type": "client_credential",
        "appid": a.app_id,
        "secret": a.secret,
        "force_refresh": false,
    });
    post_json(format!("{}/cgi-bin/stable_token", a.endpoint.trim_end_matches('/')), &body)
}

/// How many characters a template field takes, by its kind (the key's letters): since 2023
/// `thing` (text) takes 20, `character_string` 32, `phrase` 5, the others 20. A longer value
/// is cut with an ellipsis rather than refused (WeChat answers 47003 for it).
pub fn fit(key: &str, value: &str) -> String {
    let kind = key.trim_end_matches(|c: char| c.is_ascii_digit());
    let limit = match kind {
        "character_string" => 32,
        "phrase" => 5,
        _ => 20,
    };
    if value.chars().count() <= limit {
        return value.to_owned();
    }
    let mut cut: String = value.chars().take(limit - 1).collect();
    cut.push('…');
    cut
}

/// The call that sends a template message.
pub fn template_call(a: &Account, token: &str, m: &TemplateMessage) -> Call {
    let data: Map<String, Value> =
        m.fields.iter().map(|(k, v)| (k.clone(), json!({ "value": fit(k, v) }))).collect();
    let body = json!({
        "touser": m.openid,
        "template_id": m.template_id,
        "url": m.url,
        "client_msg_id": m.reference,
        "data": data,
    });
    post_json(with_token(&a.endpoint, "/cgi-bin/message/template/send", token), &body)
}

/// The call that sends `text` as a customer-service message.
pub fn text_call(a: &Account, token: &str, openid: &str, text: &str) -> Call {
    let body = json!({ "touser": openid, "msgtype": "text", "text": { "content": text } });
    post_json(with_token(&a.endpoint, "/cgi-bin/message/custom/send", token), &body)
}

/// The answers that say this citizen cannot be reached through the account now (43004 unfollowed,
/// 43101 refuses its messages, 45015 outside the 48-hour window), though a text message to the
/// phone they gave may reach them.
pub const UNREACHABLE: [&str; 3] = ["43004", "43101", "45015"];

/// What the answer means: 43004 (the citizen unfollowed the account), 43101 (they refuse its
/// messages), 40003 (an OpenID not of this account), 45015 (outside the 48-hour window), 40037
/// (a template id not approved) are given up; the token and busy codes as for every platform.
pub fn reply(status: u16, body: &[u8]) -> Reply {
    read_reply(status, body)
}

/// The call that downloads a temporary media file a citizen sent (`GET /cgi-bin/media/get`): a
/// photo's bytes, for three days after it was sent.
pub fn media_call(a: &Account, token: &str, media_id: &str) -> Call {
    let id: String =
        form_urlencoded::Serializer::new(String::new()).append_pair("media_id", media_id).finish();
    let url = format!("{}&{id}", with_token(&a.endpoint, "/cgi-bin/media/get", token));
    Call { method: "GET", url, headers: Vec::new(), body: Vec::new() }
}

/// A media file's bytes, or why there are none (retry later, or never).
pub type Media = Result<Vec<u8>, Outcome>;

/// What the media API answered. The file comes as its bytes (the caller checks they are an
/// image); an error as JSON: a token code is `Err` (fetch a new token), a busy code or a server
/// failure is retried, 40007 (no such media: unknown, or past its three days) and any other code
/// are given up on.
pub fn media(status: u16, body: Vec<u8>) -> Result<Media, String> {
    let json = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let answer = if json { serde_json::from_slice::<Answer>(&body).ok() } else { None };
    let Some(a) = answer else {
        return Ok(if status == 200 { Ok(body) } else { Err(Outcome::from_status(status)) });
    };
    let code = a.errcode.to_string();
    match a.errcode {
        c if TOKEN_CODES.contains(&c) => Err(code),
        c if BUSY_CODES.contains(&c) => Ok(Err(Outcome::Retry { code })),
        // A JSON answer with no error is not a file either.
        0 => Ok(Err(Outcome::GiveUp { code: "media_not_a_file".to_owned() })),
        _ => Ok(Err(Outcome::GiveUp { code })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_media_answer_is_the_file_a_token_to_renew_a_retry_or_never() {
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2];
        assert_eq!(media(200, jpeg.clone()), Ok(Ok(jpeg)));
        let err = |code: i64| format!(r#"{{"errcode":{code},"errmsg":"x"}}"#).into_bytes();
        assert_eq!(media(200, err(42001)), Err("42001".to_owned()));
        assert_eq!(media(200, err(40001)), Err("40001".to_owned()));
        assert_eq!(media(200, err(40007)), Ok(Err(Outcome::GiveUp { code: "40007".to_owned() })));
        assert_eq!(media(200, err(-1)), Ok(Err(Outcome::Retry { code: "-1".to_owned() })));
        assert_eq!(
            media(502, b"<html>bad gateway".to_vec()),
            Ok(Err(Outcome::Retry { code: "http_502".to_owned() }))
        );
        let a = Account {
            endpoint: "https://api.weixin.qq.com/".into(),
            app_id: "wx1".into(),
            secret: "s".into(),
        };
        assert_eq!(
            media_call(&a, "t/k", "m 1").url,
            "https://api.weixin.qq.com/cgi-bin/media/get?access_token=t%2Fk&media_id=m+1"
        );
    }
}
