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

/// How a staff member wants to hear of their notices (new tasks, deadlines, meetings,
/// extensions): through 企业微信 (the default, as before anyone chose), by email at once, by
/// email once a day (a digest of the day's notices), or not at all (they read the inbox).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StaffNotices {
    #[default]
    WeCom,
    Email,
    Digest,
    Off,
}

impl StaffNotices {
    pub const ALL: [Self; 4] = [Self::WeCom, Self::Email, Self::Digest, Self::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WeCom => "wecom",
            Self::Email => "email",
            Self::Digest => "digest",
            Self::Off => "off",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == raw)
    }

    /// Whether it needs an email address.
    pub fn by_email(self) -> bool {
        matches!(self, Self::Email | Self::Digest)
    }
}

/// An email address as a person types it: `local@domain`, at most 254 characters, no spaces or
/// line breaks (it goes into a message's header), a domain with a dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, crate::ValidationError> {
        let s = raw.trim();
        let bad = || crate::ValidationError::invalid("email", "an address such as li.lei@pingshan.gov.cn");
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        let clean = |p: &str| {
            !p.is_empty() && p.chars().all(|c| c.is_ascii_graphic() && !"<>()[],;:\\\"@".contains(c))
        };
        let domain_ok =
            clean(domain) && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.');
        if s.len() > 254 || !clean(local) || !domain_ok {
            return Err(bad());
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As pages and histories show it: the first letter and the domain (`l***@pingshan.gov.cn`).
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

/// A staff member's notice settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticePrefs {
    pub how: StaffNotices,
    pub email: Option<EmailAddress>,
    /// Their 企业微信 account (`userid`) where it is not their username.
    pub wecom_id: Option<String>,
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
    fn an_email_address_is_checked_and_masked() {
        let a = EmailAddress::parse(" li.lei@pingshan.gov.cn ").expect("address");
        assert_eq!((a.as_str(), a.masked().as_str()), ("li.lei@pingshan.gov.cn", "l***@pingshan.gov.cn"));
        for bad in
            ["", "li.lei", "li lei@x.cn", "li@x", "li@.cn", "@x.cn", "li@x.cn\r\nBcc: a@b.cn", "a<b@x.cn"]
        {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
        for v in StaffNotices::ALL {
            assert_eq!(StaffNotices::parse(v.as_str()), Some(v));
        }
        assert_eq!(StaffNotices::default(), StaffNotices::WeCom);
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
