//! The WeChat official account (公众号) answering citizens who wrote through it: a token from
//! `POST /cgi-bin/stable_token` (the stable token: fetching it again does not end the one other
//! processes hold), then a template message (`/cgi-bin/message/template/send`: an approved
//! template's fields, a link, and `client_msg_id`, WeChat's guard that sends one message per
//! OpenID and id within ten minutes) where the district configured a template for the notice,
//! else a customer-service text message (`/cgi-bin/message/custom/send`, which WeChat accepts
//! only within 48 hours of the citizen's last message: 45015 after that).

use serde_json::{Map, Value, json};

use super::{Reply, post_json, read_reply, with_token};
use crate::call::Call;

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
