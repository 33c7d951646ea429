//! How requests and tasks look in a table row, and the conversions to and from the domain types:
//! a stored value is parsed back through the same newtype constructors whatever the backend, and a
//! corrupt row is an error, not a panic.

use jiesu_domain::ValidationError;
use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::contact::{Contact, Email, OpenId, PhoneNumber};
use jiesu_domain::geo::GeoPoint;
use jiesu_domain::ids::{RequestId, TaskId, TrackingNumber};
use jiesu_domain::request::{
    Attributes, Channel, ChannelRef, Details, Kind, Location, MediaUrl, NewRequest, Request, RequestStatus,
    Urgency,
};
use jiesu_domain::task::{Task, TaskRole, TaskState};
use jiesu_domain::text::{AddressText, Answer, CategoryText, Description, OperatorId, PersonName, Title};
use jiesu_domain::workflow::Note;
use uuid::Uuid;

use super::{CorruptRow, corrupt, from_json, to_json};
use crate::dialect::{DbTime, JsonValue};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RequestRecord {
    pub id: Uuid,
    pub tracking: String,
    pub channel: String,
    pub channel_ref: String,
    pub kind: String,
    pub category: Option<String>,
    pub description: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub contact_openid: Option<String>,
    pub contact_confidential: bool,
    pub title: Option<String>,
    pub urgency: String,
    pub category_text: Option<String>,
    pub area_hint: Option<String>,
    pub answer: Option<String>,
    pub operator: Option<String>,
    /// JSON object of attribute code → values.
    pub attributes: JsonValue,
    /// JSON array of URLs.
    pub media: JsonValue,
    pub area: Option<String>,
    pub status: String,
    pub received_at: DbTime,
    pub updated_at: DbTime,
}

impl From<&Request> for RequestRecord {
    fn from(r: &Request) -> Self {
        let s = &r.submitted;
        let point = s.location.point();
        Self {
            id: s.id.as_uuid(),
            tracking: s.tracking.to_string(),
            channel: s.channel.as_str().to_owned(),
            channel_ref: s.channel_ref.as_str().to_owned(),
            kind: s.kind.as_str().to_owned(),
            category: s.category.as_ref().map(|c| c.to_string()),
            description: s.description.to_string(),
            lat: point.map(|p| p.lat()),
            lon: point.map(|p| p.lon()),
            address: s.location.address().map(|a| a.to_string()),
            contact_name: s.contact.name.as_ref().map(|n| n.to_string()),
            contact_phone: s.contact.phone.as_ref().map(|p| p.expose().to_owned()),
            contact_email: s.contact.email.as_ref().map(|e| e.as_str().to_owned()),
            contact_openid: s.contact.openid.as_ref().map(|o| o.expose().to_owned()),
            contact_confidential: s.contact.confidential,
            title: s.details.title.as_ref().map(|t| t.to_string()),
            urgency: s.details.urgency.as_str().to_owned(),
            category_text: s.details.category_text.as_ref().map(|t| t.to_string()),
            area_hint: s.details.area_hint.as_ref().map(|a| a.to_string()),
            answer: s.details.answer.as_ref().map(|a| a.to_string()),
            operator: s.details.operator.as_ref().map(|o| o.to_string()),
            attributes: to_json(&s.attributes),
            media: to_json(&s.media),
            area: r.area.as_ref().map(|a| a.to_string()),
            status: r.status.as_str().to_owned(),
            received_at: DbTime(s.received_at),
            updated_at: DbTime(r.updated_at),
        }
    }
}

impl TryFrom<RequestRecord> for Request {
    type Error = CorruptRow;
    fn try_from(r: RequestRecord) -> Result<Self, CorruptRow> {
        let bad = corrupt("requests");
        let v = |e: ValidationError| bad(e.to_string());
        let point = match (r.lat, r.lon) {
            (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon).map_err(v)?),
            _ => None,
        };
        let address = r.address.as_deref().map(AddressText::parse).transpose().map_err(v)?;
        let submitted = NewRequest {
            id: RequestId::from_uuid(r.id),
            tracking: TrackingNumber::parse(&r.tracking).map_err(v)?,
            channel: Channel::parse(&r.channel).ok_or_else(|| bad(format!("channel `{}`", r.channel)))?,
            channel_ref: ChannelRef::parse(&r.channel_ref).map_err(v)?,
            kind: Kind::parse(&r.kind).ok_or_else(|| bad(format!("kind `{}`", r.kind)))?,
            category: r.category.as_deref().map(CategoryCode::parse).transpose().map_err(v)?,
            description: Description::parse(&r.description).map_err(v)?,
            location: Location::new(point, address).map_err(v)?,
            contact: Contact {
                name: r.contact_name.as_deref().map(PersonName::parse).transpose().map_err(v)?,
                phone: r.contact_phone.as_deref().map(PhoneNumber::parse).transpose().map_err(v)?,
                email: r.contact_email.as_deref().map(Email::parse).transpose().map_err(v)?,
                openid: r.contact_openid.as_deref().map(OpenId::parse).transpose().map_err(v)?,
                confidential: r.contact_confidential,
            },
            attributes: from_json::<Attributes>("requests", r.attributes)?,
            media: from_json::<Vec<MediaUrl>>("requests", r.media)?,
            details: Details {
                title: r.title.as_deref().map(Title::parse).transpose().map_err(v)?,
                urgency: Urgency::parse(&r.urgency).ok_or_else(|| bad(format!("urgency `{}`", r.urgency)))?,
                category_text: r.category_text.as_deref().map(CategoryText::parse).transpose().map_err(v)?,
                area_hint: r.area_hint.as_deref().map(AreaCode::parse).transpose().map_err(v)?,
                answer: r.answer.as_deref().map(Answer::parse).transpose().map_err(v)?,
                operator: r.operator.as_deref().map(OperatorId::parse).transpose().map_err(v)?,
            },
            received_at: r.received_at.0,
        };
        Ok(Request {
            submitted,
            area: r.area.as_deref().map(AreaCode::parse).transpose().map_err(v)?,
            status: RequestStatus::parse(&r.status).ok_or_else(|| bad(format!("status `{}`", r.status)))?,
            updated_at: r.updated_at.0,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TaskRecord {
    pub id: Uuid,
    pub request_id: Uuid,
    pub bureau: String,
    pub role: String,
    pub state: String,
    pub binding: bool,
    pub scope: Option<String>,
    pub dispatched_at: DbTime,
    pub updated_at: DbTime,
}

impl From<&Task> for TaskRecord {
    fn from(t: &Task) -> Self {
        Self {
            id: t.id.as_uuid(),
            request_id: t.request_id.as_uuid(),
            bureau: t.bureau.to_string(),
            role: t.role.as_str().to_owned(),
            state: t.state.as_str().to_owned(),
            binding: t.binding,
            scope: t.scope.as_ref().map(|s| s.to_string()),
            dispatched_at: DbTime(t.dispatched_at),
            updated_at: DbTime(t.updated_at),
        }
    }
}

impl TryFrom<TaskRecord> for Task {
    type Error = CorruptRow;
    fn try_from(r: TaskRecord) -> Result<Self, CorruptRow> {
        let bad = corrupt("tasks");
        Ok(Task {
            id: TaskId::from_uuid(r.id),
            request_id: RequestId::from_uuid(r.request_id),
            bureau: BureauCode::parse(&r.bureau).map_err(|e| bad(e.to_string()))?,
            role: TaskRole::parse(&r.role).ok_or_else(|| bad(format!("role `{}`", r.role)))?,
            state: TaskState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            binding: r.binding,
            scope: r.scope.as_deref().map(Note::parse).transpose().map_err(|e| bad(e.to_string()))?,
            dispatched_at: r.dispatched_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use jiesu_domain::secret::test_key;

    use super::*;

    fn request() -> Request {
        let id = RequestId::generate();
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert("lamps".to_owned(), vec!["3".to_owned()]);
        Request {
            submitted: NewRequest {
                id,
                tracking: TrackingNumber::for_request(&test_key(), id),
                channel: Channel::Wechat,
                channel_ref: ChannelRef::parse("msg-1").expect("ref"),
                kind: Kind::Complaint,
                category: Some(CategoryCode::parse("010101").expect("code")),
                description: Description::parse("路灯坏了").expect("text"),
                location: Location::new(
                    Some(GeoPoint::new(22.7, 114.35).expect("point")),
                    Some(AddressText::parse("坪山大道").expect("address")),
                )
                .expect("location"),
                contact: Contact {
                    name: Some(PersonName::parse("李雷").expect("name")),
                    phone: Some(PhoneNumber::parse("13812345678").expect("phone")),
                    email: None,
                    openid: Some(OpenId::parse("oABC123").expect("openid")),
                    confidential: true,
                },
                attributes: Attributes::new(attributes).expect("attributes"),
                media: vec![MediaUrl::parse("https://example.cn/1.jpg").expect("url")],
                details: Details {
                    title: Some(Title::parse("路灯坏了").expect("title")),
                    urgency: Urgency::Urgent,
                    category_text: Some(CategoryText::parse("路灯").expect("text")),
                    area_hint: Some(AreaCode::parse("pingshan.kengzi").expect("area")),
                    answer: None,
                    operator: Some(OperatorId::parse("A0123").expect("operator")),
                },
                received_at: Utc::now(),
            },
            area: Some(AreaCode::parse("pingshan.kengzi").expect("area")),
            status: RequestStatus::Dispatched,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_request_survives_the_round_trip_through_a_record() {
        let r = request();
        let back = Request::try_from(RequestRecord::from(&r)).expect("parses back");
        assert_eq!(back, r);
    }

    #[test]
    fn a_corrupt_row_is_an_error_not_a_panic() {
        let mut rec = RequestRecord::from(&request());
        rec.status = "lost".to_owned();
        assert_eq!(Request::try_from(rec).map_err(|e| e.table), Err("requests"));
    }
}
