//! Citizens' replies to our text messages, as the SMS providers push them to us: Alibaba Cloud's
//! uplink messages (`SmsUp`, a JSON array of `{phone_number, content, send_time, sign_name,
//! dest_code, sequence_id}`, answered `{"code":0,"msg":"成功"}`) and Tencent Cloud's reply
//! callback (one `{mobile, nationcode, text, sign, time, extend}`, answered
//! `{"result":0,"errmsg":"OK"}`). A reply of TD (退订) asks for no more messages. No IO here.

use jiesu_model::contact::PhoneNumber;
use serde::Deserialize;
use serde_json::{Value, json};

/// A reply: who sent it and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub phone: PhoneNumber,
    pub text: String,
}

/// Which provider's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Alibaba,
    Tencent,
}

#[derive(Debug, Deserialize)]
struct AlibabaUp {
    phone_number: String,
    #[serde(default)]
    content: String,
}

#[derive(Debug, Deserialize)]
struct TencentReply {
    mobile: String,
    #[serde(default)]
    nationcode: String,
    #[serde(default)]
    text: String,
}

/// The replies a push carries. A reply whose number is not a number is skipped (it cannot be
/// anyone's opt-out); a body that is not the provider's format is an error.
pub fn parse(provider: Provider, body: &[u8]) -> Result<Vec<Reply>, String> {
    let reply = |phone: &str, text: String| PhoneNumber::parse(phone).ok().map(|phone| Reply { phone, text });
    match provider {
        Provider::Alibaba => {
            let ups: Vec<AlibabaUp> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
            Ok(ups.into_iter().filter_map(|u| reply(&u.phone_number, u.content)).collect())
        }
        Provider::Tencent => {
            let r: TencentReply = serde_json::from_slice(body).map_err(|e| e.to_string())?;
            let phone = match r.nationcode.as_str() {
                "" | "86" => r.mobile,
                code => format!("+{code}{}", r.mobile),
            };
            Ok(reply(&phone, r.text).into_iter().collect())
        }
    }
}

/// Whether `text` asks for no more messages: TD, T, N, 退订 or 取消 (any case, with spaces or
/// punctuation around it), as the providers' own unsubscribe handling reads a reply.
pub fn is_opt_out(text: &str) -> bool {
    let word: String =
        text.chars().filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && *c != '。').collect();
    matches!(word.to_uppercase().as_str(), "TD" | "T" | "N" | "退订" | "取消" | "退订短信")
}

/// What the provider expects back once a push is taken (`ok`), or refused (not its format).
pub fn answer(provider: Provider, ok: bool) -> Value {
    match (provider, ok) {
        (Provider::Alibaba, true) => json!({ "code": 0, "msg": "成功" }),
        (Provider::Alibaba, false) => json!({ "code": 1, "msg": "格式错误" }),
        (Provider::Tencent, true) => json!({ "result": 0, "errmsg": "OK" }),
        (Provider::Tencent, false) => json!({ "result": 1, "errmsg": "bad format" }),
    }
}
