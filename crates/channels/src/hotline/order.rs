//! A call-centre work order (工单) and its conversion into a request. The JSON API and the CSV
//! import share it, so an order means the same whichever way it arrives.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use jiesu_domain::ValidationError;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::contact::{Contact, PhoneNumber};
use jiesu_domain::district::District;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::request::{Channel, ChannelRef, Details, Kind, Location, NewRequest, Urgency};
use jiesu_domain::secret::ServerKey;
use jiesu_domain::text::{AddressText, Answer, CategoryText, Description, OperatorId, PersonName, Title};
use serde::Deserialize;

/// A work order as the call centre sends it. Field names are the API's; the CSV export's Chinese
/// headers map onto them (see `csv`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkOrder {
    /// 工单编号: the call centre's number, and our idempotency key.
    pub order_no: String,
    /// 来电时间: when the citizen called. With a zone, or China time when it has none.
    pub call_time: String,
    /// 来电号码
    pub caller_number: Option<String>,
    /// 来电人
    pub caller_name: Option<String>,
    /// 是否保密: keep the caller's identity from the handling bureau.
    #[serde(default)]
    pub confidential: bool,
    /// 诉求类型: consultation/help/complaint/report/suggestion/praise, in English or Chinese.
    pub kind: String,
    /// 问题分类: a category code, or the category in words (the dispatcher maps it).
    pub category: Option<String>,
    /// 标题
    pub title: Option<String>,
    /// 主要内容
    pub content: String,
    /// 事发地址
    pub address: Option<String>,
    /// 街道 and 社区, when the operator knows them: names (坑梓街道) or area codes.
    pub street: Option<String>,
    pub community: Option<String>,
    /// 紧急程度: 一般/紧急/特急 (normal/urgent/critical); 一般 when absent.
    pub urgency: Option<String>,
    /// 受理员
    pub operator_id: Option<String>,
    /// 直接答复: the answer a consultation got on the phone; such an order is stored as answered.
    pub answer: Option<String>,
}

/// What is wrong with an order, and in which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

impl From<ValidationError> for FieldError {
    fn from(e: ValidationError) -> Self {
        let field = match e.field() {
            "phone" => "caller_number",
            "name" => "caller_name",
            "description" => "content",
            "category" => "category",
            other => other,
        };
        Self { field, message: e.to_string() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The scope of hotline order numbers in tracking-number derivation: one 12345 system per city
/// issues them, so the same order gets the same number through the API and through an import.
const SCOPE: &str = "12345";

fn nonblank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The earliest call time accepted: 2000-01-01 00:00 China time. Jiesu's hotline data starts
/// long after, so anything earlier (a 1970 epoch, a two-digit year read as 00xx) is a broken
/// export or a typing error, and would otherwise be stored as a request decades overdue.
pub const CALL_TIME_FLOOR: &str = "2000-01-01T00:00:00+08:00";

/// How far ahead of our clock a call time may be: the call centre's clock may run a little fast;
/// more than this is a clock or typing error.
pub const CALL_TIME_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// The formats of a call time without a zone, read as China time: exports write
/// `2026-11-22 09:15:00`, ISO 8601 writes `2026-11-22T09:15:00` (fractions of a second allowed).
const LOCAL_FORMATS: [&str; 6] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
];

/// The call time: RFC 3339 with a zone, or one of `LOCAL_FORMATS` in China time. It must lie
/// between `CALL_TIME_FLOOR` and `CALL_TIME_SKEW` after now.
pub fn call_time(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    let raw = raw.trim();
    let cst = FixedOffset::east_opt(8 * 3600).ok_or_else(|| FieldError::new("call_time", "time zone"))?;
    let parsed = DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)).or_else(|_| {
        LOCAL_FORMATS
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
            .and_then(|n| n.and_local_timezone(cst).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| {
                FieldError::new(
                    "call_time",
                    format!(
                        "`{raw}` is not a date and time (2026-11-22 09:15:00 or 2026-11-22T09:15:00+08:00)"
                    ),
                )
            })
    })?;
    let floor = DateTime::parse_from_rfc3339(CALL_TIME_FLOOR)
        .map_err(|_| FieldError::new("call_time", "the floor is not a time"))?;
    if parsed < floor {
        return Err(FieldError::new("call_time", format!("`{raw}` is before 2000-01-01 (China time)")));
    }
    if parsed > now + CALL_TIME_SKEW {
        return Err(FieldError::new(
            "call_time",
            format!(
                "`{raw}` lies in the future (more than {} minutes ahead of our clock)",
                CALL_TIME_SKEW.num_minutes()
            ),
        ));
    }
    Ok(jiesu_domain::time::at_storage_precision(parsed))
}

fn yes_no(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "" | "否" | "no" | "false" | "0" | "n" => Some(false),
        "是" | "yes" | "true" | "1" | "y" | "保密" => Some(true),
        _ => None,
    }
}

pub fn parse_confidential(raw: &str) -> Result<bool, FieldError> {
    yes_no(raw).ok_or_else(|| FieldError::new("confidential", format!("`{raw}` is neither 是 nor 否")))
}

impl WorkOrder {
    pub fn channel_ref(&self) -> Result<ChannelRef, FieldError> {
        let no = self.order_no.trim();
        if no.is_empty() {
            return Err(FieldError::new("order_no", "is required"));
        }
        Ok(ChannelRef::parse(no)?)
    }

    /// The tracking number this order has, whether or not it was received before.
    pub fn tracking(&self, key: &ServerKey) -> Result<TrackingNumber, FieldError> {
        Ok(TrackingNumber::for_key(key, Channel::Hotline.as_str(), SCOPE, self.channel_ref()?.as_str()))
    }

    pub fn into_request(
        self,
        key: &ServerKey,
        district: &District,
        now: DateTime<Utc>,
    ) -> Result<NewRequest, FieldError> {
        let channel_ref = self.channel_ref()?;
        let tracking = self.tracking(key)?;
        let kind = Kind::parse(self.kind.trim()).ok_or_else(|| {
            FieldError::new("kind", format!("`{}` is not a kind (咨询/求助/投诉/举报/建议/表扬)", self.kind))
        })?;
        let received_at = call_time(&self.call_time, now)?;

        // A code names a service; anything else is the category in words, for the dispatcher.
        let (category, category_text) = match nonblank(&self.category) {
            Some(c) => match CategoryCode::parse(c).ok().filter(|code| district.taxonomy().is_leaf(code)) {
                Some(code) => (Some(code), None),
                None => (None, Some(CategoryText::parse(c)?)),
            },
            None => (None, None),
        };

        let street =
            nonblank(&self.street).and_then(|s| district.area_named(s, Some(&district.areas().root().code)));
        let community =
            nonblank(&self.community).and_then(|c| district.area_named(c, street.map(|s| &s.code)));
        let area_hint = community.or(street).map(|a| a.code.clone());

        // The address, or failing that what the operator knew of the place.
        let address = match nonblank(&self.address) {
            Some(a) => Some(a.to_owned()),
            None => {
                let parts: Vec<&str> =
                    [nonblank(&self.street), nonblank(&self.community)].into_iter().flatten().collect();
                (!parts.is_empty()).then(|| parts.join(""))
            }
        };
        // No place at all (a consultation, say): the request concerns the district as a whole, and
        // routing falls back to the district's default owner. A call centre must always be able to
        // hand an order over.
        let address = address.unwrap_or_else(|| district.areas().root().name.clone());
        let location = Location::new(None, Some(AddressText::parse(&address)?))?;

        let urgency = match nonblank(&self.urgency) {
            Some(u) => Urgency::parse(u)
                .ok_or_else(|| FieldError::new("urgency", format!("`{u}` is not 一般, 紧急 or 特急")))?,
            None => Urgency::Normal,
        };
        let content = self.content.trim();
        if content.is_empty() {
            return Err(FieldError::new("content", "is required"));
        }
        let answer = nonblank(&self.answer).map(Answer::parse).transpose()?;
        if answer.is_some() && kind != Kind::Consultation {
            return Err(FieldError::new("answer", "only a consultation (咨询) is answered on the phone"));
        }
        let id = RequestId::generate();
        Ok(NewRequest {
            id,
            tracking,
            channel: Channel::Hotline,
            channel_ref,
            kind,
            category,
            description: Description::parse(content)?,
            location,
            contact: Contact {
                name: nonblank(&self.caller_name).map(PersonName::parse).transpose()?,
                phone: nonblank(&self.caller_number).map(PhoneNumber::parse).transpose()?,
                email: None,
                openid: None,
                confidential: self.confidential,
            },
            attributes: Default::default(),
            media: vec![],
            details: Details {
                title: nonblank(&self.title).map(Title::parse).transpose()?,
                urgency,
                category_text,
                area_hint,
                answer,
                operator: nonblank(&self.operator_id).map(OperatorId::parse).transpose()?,
            },
            received_at,
        })
    }
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
