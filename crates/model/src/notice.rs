//! How a notice travels (issue 16): the channels the notify role sends by. Here rather than with
//! the notification rows because the request's history names it too (a notice sent or given up
//! is an event).

use serde::{Deserialize, Serialize};

use crate::contact::PhoneNumber;
use crate::ids::RequestId;
use crate::secret::ServerKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Sms,
    WeChat,
    /// 企业微信 / 政务微信 application messages.
    WeCom,
    Email,
    Webhook,
}

impl Via {
    pub const ALL: [Via; 5] = [Self::Sms, Self::WeChat, Self::WeCom, Self::Email, Self::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::WeChat => "wechat",
            Self::WeCom => "wecom",
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == raw)
    }
}

/// Who asked to be sent no more text messages: a phone (by its keyed digest: the list never
/// holds the number), after the citizen replied TD to one, or one request, from the tracking
/// page's setting.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OptOut(String);

impl OptOut {
    pub fn phone(phone: &PhoneNumber, key: &ServerKey) -> Self {
        Self(format!("phone:{}", key.phone_digest(phone)))
    }

    pub fn request(id: RequestId) -> Self {
        Self(format!("request:{id}"))
    }

    /// As stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// From the store (what `as_str` gave).
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }
}

/// The code a notice not sent because its recipient opted out is settled with: not a failure,
/// so not on the supervisors' list of undelivered notices.
pub const OPTED_OUT: &str = "opted_out";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opt_out_names_a_phone_by_a_keyed_digest_and_a_request_by_its_id() {
        let key = crate::secret::test_key();
        let phone = PhoneNumber::parse("+86 138 1234 5678").expect("phone");
        let same = PhoneNumber::parse("13812345678").expect("phone");
        assert_eq!(OptOut::phone(&phone, &key), OptOut::phone(&same, &key), "one number, one key");
        let other = ServerKey::new(b"another key of sixteen bytes").expect("key");
        assert_ne!(OptOut::phone(&phone, &key), OptOut::phone(&phone, &other));
        assert!(!OptOut::phone(&phone, &key).as_str().contains("5678"), "never the number");
        let id = RequestId::generate();
        assert_eq!(OptOut::request(id).as_str(), format!("request:{id}"));
    }

    #[test]
    fn a_channel_reads_back_as_written_in_json_and_as_stored() {
        for v in Via::ALL {
            assert_eq!(Via::parse(v.as_str()), Some(v));
            let json = serde_json::to_value(v).expect("JSON");
            assert_eq!(json, serde_json::Value::String(v.as_str().to_owned()));
        }
    }
}
