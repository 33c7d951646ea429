//! How a notice travels (issue 16): the channels the notify role sends by. Here rather than with
//! the notification rows because the request's history names it too (a notice sent or given up
//! is an event).

use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_reads_back_as_written_in_json_and_as_stored() {
        for v in Via::ALL {
            assert_eq!(Via::parse(v.as_str()), Some(v));
            let json = serde_json::to_value(v).expect("JSON");
            assert_eq!(json, serde_json::Value::String(v.as_str().to_owned()));
        }
    }
}
