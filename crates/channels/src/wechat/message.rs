//! WeChat's message XML: pushes in (every field a string, most in CDATA), passive replies out.
//! Parsing never panics on any input (it is fuzzed) and never expands entities beyond XML's five.

use serde::Deserialize;

/// A push, as received (after decryption in safe mode). Fields a message type does not use are
/// absent; unknown fields are ignored, so new WeChat fields do not break us.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename = "xml", default)]
pub struct Push {
    #[serde(rename = "ToUserName")]
    pub to: String,
    #[serde(rename = "FromUserName")]
    pub from: String,
    #[serde(rename = "CreateTime")]
    pub create_time: String,
    #[serde(rename = "MsgType")]
    pub msg_type: String,
    #[serde(rename = "MsgId")]
    pub msg_id: Option<String>,
    #[serde(rename = "Content")]
    pub content: Option<String>,
    #[serde(rename = "PicUrl")]
    pub pic_url: Option<String>,
    #[serde(rename = "MediaId")]
    pub media_id: Option<String>,
    #[serde(rename = "Recognition")]
    pub recognition: Option<String>,
    #[serde(rename = "Location_X")]
    pub location_x: Option<String>,
    #[serde(rename = "Location_Y")]
    pub location_y: Option<String>,
    #[serde(rename = "Label")]
    pub label: Option<String>,
    #[serde(rename = "Event")]
    pub event: Option<String>,
    #[serde(rename = "EventKey")]
    pub event_key: Option<String>,
    #[serde(rename = "Latitude")]
    pub latitude: Option<String>,
    #[serde(rename = "Longitude")]
    pub longitude: Option<String>,
    /// Safe mode: the encrypted message, in the outer envelope.
    #[serde(rename = "Encrypt")]
    pub encrypt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a WeChat message: {0}")]
pub struct BadXml(String);

pub fn parse(xml: &str) -> Result<Push, BadXml> {
    quick_xml::de::from_str::<Push>(xml).map_err(|e| BadXml(e.to_string()))
}

impl Push {
    /// What identifies this push across WeChat's retries: the message id, or for events (which
    /// have none) the sender and the creation time.
    pub fn key(&self) -> String {
        match self.msg_id.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(id) => format!("msg:{id}"),
            None => format!("event:{}:{}", self.from, self.create_time.trim()),
        }
    }
}

/// Wraps text in CDATA; a `]]>` inside is split across two sections.
fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

/// WeChat shows at most 2048 bytes of a text reply: cut at a character boundary.
fn clip(text: &str) -> &str {
    if text.len() <= 2048 {
        return text;
    }
    let mut end = 2048;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A passive text reply.
pub fn text_reply(to_openid: &str, from_account: &str, create_time: i64, content: &str) -> String {
    format!(
        "<xml><ToUserName>{}</ToUserName><FromUserName>{}</FromUserName><CreateTime>{create_time}</CreateTime>\
         <MsgType><![CDATA[text]]></MsgType><Content>{}</Content></xml>",
        cdata(to_openid),
        cdata(from_account),
        cdata(clip(content))
    )
}

/// The safe-mode envelope of an encrypted reply.
pub fn encrypted_reply(encrypt: &str, signature: &str, timestamp: &str, nonce: &str) -> String {
    format!(
        "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce>{}</Nonce></xml>",
        cdata(encrypt),
        cdata(signature),
        cdata(nonce)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_of_each_type_parse() {
        let text = parse(
            "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oU1]]></FromUserName>\
             <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[路灯坏了 <&>]]></Content>\
             <MsgId>1234567890123456</MsgId><NewFieldFromWeChat>x</NewFieldFromWeChat></xml>",
        )
        .expect("text");
        assert_eq!((text.msg_type.as_str(), text.content.as_deref()), ("text", Some("路灯坏了 <&>")));
        assert_eq!(text.key(), "msg:1234567890123456");
        let loc = parse(
            "<xml><FromUserName>oU1</FromUserName><CreateTime>1</CreateTime><MsgType>location</MsgType>\
             <Location_X>22.7</Location_X><Location_Y>114.3</Location_Y><Scale>15</Scale><Label>坑梓</Label><MsgId>2</MsgId></xml>",
        )
        .expect("location");
        assert_eq!((loc.location_x.as_deref(), loc.label.as_deref()), (Some("22.7"), Some("坑梓")));
        let click = parse(
            "<xml><FromUserName>oU1</FromUserName><CreateTime>99</CreateTime><MsgType>event</MsgType>\
             <Event>CLICK</Event><EventKey>REPORT</EventKey></xml>",
        )
        .expect("event");
        assert_eq!(click.key(), "event:oU1:99");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            "",
            "<xml>",
            "not xml",
            "<xml><Content><![CDATA[x</Content></xml>",
            "<!DOCTYPE x [<!ENTITY a \"b\">]><xml>&a;</xml>",
        ] {
            let _ = parse(bad);
        }
        assert!(parse("not xml").is_err());
    }

    proptest::proptest! {
        /// Whatever arrives, parsing answers (a push or an error) and never panics. (The fuzz target
        /// `wechat_xml` pushes this much further; this runs on every test run.)
        #[test]
        fn parsing_never_panics(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        #[test]
        fn xml_shaped_input_never_panics(
            s in "<xml>(<[A-Za-z_]{1,12}>(<!\\[CDATA\\[[^\\]]{0,20}\\]\\]>|[^<]{0,20})</[A-Za-z_]{1,12}>){0,8}</xml>"
        ) {
            if let Ok(p) = parse(&s) {
                let _ = p.key();
            }
        }
    }

    #[test]
    fn replies_escape_cdata_and_stay_within_2048_bytes() {
        let xml = text_reply("oU1", "gh_1", 5, "a]]>b");
        assert!(xml.contains("<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>"));
        let long = "路".repeat(1000); // 3000 bytes
        let xml = text_reply("oU1", "gh_1", 5, &long);
        let content =
            xml.split("<Content><![CDATA[").nth(1).and_then(|c| c.split("]]>").next()).expect("content");
        assert!(content.len() <= 2048 && content.chars().all(|c| c == '路'));
        assert!(parse(&xml).is_ok(), "our reply is itself valid XML");
    }
}
