//! The citizen's request (诉求): what arrives from a channel (`NewRequest`), what is stored
//! (`Request`). The lifecycle's state machine is in `request_status`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::codes::{AreaCode, CategoryCode};
use crate::contact::Contact;
use crate::geo::GeoPoint;
use crate::ids::{RequestId, TrackingNumber};
pub use crate::request_status::{IllegalRequestTransition, RequestStatus, RequestTransition};
use crate::text::{
    AddressText, Answer, CategoryText, Description, OperatorId, Title, bounded, string_newtype,
};

/// Where a request came from (渠道).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Wechat,
    Hotline,
    Open311,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Self::Web, Self::Wechat, Self::Hotline, Self::Open311];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Wechat => "wechat",
            Self::Hotline => "hotline",
            Self::Open311 => "open311",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Web => "网页",
            Self::Wechat => "微信公众号",
            Self::Hotline => "12345热线",
            Self::Open311 => "Open311 接口",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// The channel's own reference for a request (a WeChat `MsgId`, a hotline order number, an
/// Open311 client's idempotency key). Unique per channel: a message seen twice is stored once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChannelRef(String);

impl ChannelRef {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded(raw, "channel_ref", true, 200).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(ChannelRef, no_display);

/// The kind of request (诉求类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Consultation,
    Help,
    Complaint,
    Report,
    Suggestion,
    Praise,
}

impl Kind {
    pub const ALL: [Kind; 6] =
        [Self::Consultation, Self::Help, Self::Complaint, Self::Report, Self::Suggestion, Self::Praise];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consultation => "consultation",
            Self::Help => "help",
            Self::Complaint => "complaint",
            Self::Report => "report",
            Self::Suggestion => "suggestion",
            Self::Praise => "praise",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Consultation => "咨询",
            Self::Help => "求助",
            Self::Complaint => "投诉",
            Self::Report => "举报",
            Self::Suggestion => "建议",
            Self::Praise => "表扬",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw || k.name_zh() == raw)
    }
}

/// How fast the request must be handled (紧急程度). It selects the time-limit class. Ordered from
/// least to most urgent, so that a rule can raise a request's urgency with `max`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 一般
    #[default]
    Normal,
    /// 紧急
    Urgent,
    /// 特急: threatens life or property.
    Critical,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Self::Normal, Self::Urgent, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Urgent => "urgent",
            Self::Critical => "critical",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Normal => "一般",
            Self::Urgent => "紧急",
            Self::Critical => "特急",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL.into_iter().find(|u| u.as_str() == raw || u.name_zh() == raw)
    }
}

/// Where the problem is: a point, an address, or both. At least one is always present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawLocation")]
pub struct Location {
    point: Option<GeoPoint>,
    address: Option<AddressText>,
}

#[derive(Deserialize)]
struct RawLocation {
    point: Option<GeoPoint>,
    address: Option<AddressText>,
}

impl TryFrom<RawLocation> for Location {
    type Error = ValidationError;
    fn try_from(l: RawLocation) -> Result<Self, Self::Error> {
        Self::new(l.point, l.address)
    }
}

impl Location {
    pub fn new(point: Option<GeoPoint>, address: Option<AddressText>) -> Result<Self, ValidationError> {
        if point.is_none() && address.is_none() {
            return Err(ValidationError::Missing { field: "location" });
        }
        Ok(Self { point, address })
    }

    pub fn point(&self) -> Option<GeoPoint> {
        self.point
    }

    pub fn address(&self) -> Option<&AddressText> {
        self.address.as_ref()
    }
}

/// Extra answers to a category's questions (Open311 `attribute[CODE]`), possibly several values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BTreeMap<String, Vec<String>>", into = "BTreeMap<String, Vec<String>>")]
pub struct Attributes(BTreeMap<String, Vec<String>>);

impl Attributes {
    pub const MAX_KEYS: usize = 50;

    pub fn new(map: BTreeMap<String, Vec<String>>) -> Result<Self, ValidationError> {
        if map.len() > Self::MAX_KEYS {
            return Err(ValidationError::invalid("attribute", "too many attributes"));
        }
        for (k, values) in &map {
            let key_ok = !k.is_empty()
                && k.len() <= 64
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !key_ok {
                return Err(ValidationError::invalid("attribute", format!("bad attribute code `{k}`")));
            }
            if values.len() > 20 || values.iter().any(|v| v.chars().count() > 1000) {
                return Err(ValidationError::invalid("attribute", format!("attribute `{k}` is too long")));
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, code: &str) -> Option<&[String]> {
        self.0.get(code).map(Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.0.iter()
    }
}

impl TryFrom<BTreeMap<String, Vec<String>>> for Attributes {
    type Error = ValidationError;
    fn try_from(m: BTreeMap<String, Vec<String>>) -> Result<Self, Self::Error> {
        Self::new(m)
    }
}

impl From<Attributes> for BTreeMap<String, Vec<String>> {
    fn from(a: Attributes) -> Self {
        a.0
    }
}

/// A link to a photo or other media about the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MediaUrl(String);

impl MediaUrl {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let ok = (s.starts_with("https://") || s.starts_with("http://"))
            && s.len() <= 2048
            && s.len() > "https://".len()
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::invalid("media_url", "expected an http(s) URL"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(MediaUrl, no_display);

/// A request as an intake adapter normalised it, before it is stored. This is the message on the
/// intake queue: every field is already validated, so the dispatcher only has to place and route it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRequest {
    pub id: RequestId,
    pub tracking: TrackingNumber,
    pub channel: Channel,
    pub channel_ref: ChannelRef,
    pub kind: Kind,
    /// `None` when the channel gave no code (a hotline's free-text category); routing then falls
    /// back to the area's default owner.
    pub category: Option<CategoryCode>,
    pub description: Description,
    pub location: Location,
    #[serde(default)]
    pub contact: Contact,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default)]
    pub media: Vec<MediaUrl>,
    /// What some channels add: a title, the urgency, a category in words, ...
    #[serde(default)]
    pub details: Details,
    /// When the channel accepted it: the start of every clock that runs on the request.
    pub received_at: DateTime<Utc>,
}

impl NewRequest {
    /// Whether the request may appear in public views (Open311 GET). A confidential (保密)
    /// request is non-public, as FixMyStreet's `non_public` reports are: its description and
    /// address can identify the caller. The stores keep it out of the public list in SQL, on the
    /// same `contact_confidential` column, so paging stays right. The citizen's own views (the
    /// tracking page after the phone proof, WeChat 查询) and staff still show it.
    pub fn is_public(&self) -> bool {
        !self.contact.confidential
    }
}

/// The parts of a request only some channels provide (mostly the hotline's work orders).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Details {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Title>,
    #[serde(default)]
    pub urgency: Urgency,
    /// The category in words, when the channel had no code: the dispatcher maps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_text: Option<CategoryText>,
    /// The street or community the channel named (a hotline operator knows it): placement uses it
    /// when there is no point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_hint: Option<AreaCode>,
    /// A consultation answered where it came in: stored as already answered, not dispatched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    /// Who took it at the channel (a call-centre operator's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<OperatorId>,
}

/// A stored request: what was submitted, where it was placed, and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub submitted: NewRequest,
    pub area: Option<AreaCode>,
    pub status: RequestStatus,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_needs_a_point_or_an_address() {
        assert!(Location::new(None, None).is_err());
        let addr = AddressText::parse("坪山大道").expect("valid");
        assert!(Location::new(None, Some(addr)).is_ok());
        assert!(serde_json::from_str::<Location>(r#"{"point": null, "address": null}"#).is_err());
    }

    #[test]
    fn attributes_and_media_are_bounded() {
        let mut m = BTreeMap::new();
        m.insert("lamps_out".to_owned(), vec!["3".to_owned()]);
        assert!(Attributes::new(m.clone()).is_ok());
        m.insert("bad key".to_owned(), vec![]);
        assert!(Attributes::new(m).is_err());
        assert!(MediaUrl::parse("https://example.cn/a.jpg").is_ok());
        assert!(MediaUrl::parse("javascript:alert(1)").is_err());
    }

    #[test]
    fn urgency_parses_from_english_or_chinese() {
        assert_eq!(Urgency::parse("特急"), Some(Urgency::Critical));
        assert_eq!(Urgency::parse("urgent"), Some(Urgency::Urgent));
        assert_eq!(Urgency::parse("很急"), None);
        assert_eq!(Urgency::default(), Urgency::Normal);
    }

    #[test]
    fn kinds_parse_from_english_or_chinese() {
        assert_eq!(Kind::parse("complaint"), Some(Kind::Complaint));
        assert_eq!(Kind::parse("投诉"), Some(Kind::Complaint));
        assert_eq!(Kind::parse("grumble"), None);
    }
}
