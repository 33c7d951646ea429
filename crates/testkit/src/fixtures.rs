//! Realistic sample requests on the sample district.

use std::sync::OnceLock;

use jiesu_domain::admission::{Admission, admit};
use jiesu_domain::category::CategoryCode;
use jiesu_domain::contact::{Contact, PhoneNumber};
use jiesu_domain::district::District;
use jiesu_domain::geo::GeoPoint;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::request::{Channel, ChannelRef, Kind, Location, NewRequest};
use jiesu_domain::text::{AddressText, Description};

pub fn district() -> &'static District {
    static DISTRICT: OnceLock<District> = OnceLock::new();
    DISTRICT.get_or_init(|| {
        jiesu_district::load(&jiesu_district::sample_sources())
            .unwrap_or_else(|e| panic!("sample district: {e}"))
    })
}

/// A street light out in Kengzi, reported with a point and a phone number.
pub fn new_request() -> NewRequest {
    let id = RequestId::generate();
    NewRequest {
        id,
        tracking: TrackingNumber::for_request(&jiesu_domain::secret::test_key(), id),
        channel: Channel::Open311,
        channel_ref: ChannelRef::parse(&id.to_string()).expect("valid reference"),
        kind: Kind::Help,
        category: Some(CategoryCode::parse("010101").expect("valid code")),
        description: Description::parse("秀新路口的路灯连续三晚不亮").expect("valid text"),
        location: Location::new(
            Some(GeoPoint::new(22.742, 114.387).expect("valid point")),
            Some(AddressText::parse("坑梓街道秀新路").expect("valid address")),
        )
        .expect("valid location"),
        contact: Contact {
            phone: Some(PhoneNumber::parse("13812345678").expect("valid phone")),
            ..Contact::default()
        },
        attributes: Default::default(),
        media: vec![],
        details: Default::default(),
        received_at: jiesu_domain::time::now(),
    }
}

/// An anonymous request with only an address, under a category no rule covers.
pub fn anonymous_request_by_address() -> NewRequest {
    NewRequest {
        category: Some(CategoryCode::parse("990101").expect("valid code")),
        location: Location::new(
            None,
            Some(AddressText::parse("坪山区坑梓街道人民西路").expect("valid address")),
        )
        .expect("valid location"),
        contact: Contact::default(),
        ..new_request()
    }
}

pub fn admission(new: NewRequest) -> Admission {
    admit(new, district(), jiesu_domain::time::now())
}

/// A hotline work order: every detail a channel can give, including a category in words.
pub fn hotline_request() -> NewRequest {
    use jiesu_domain::area::AreaCode;
    use jiesu_domain::contact::PhoneNumber;
    use jiesu_domain::request::{Details, Urgency};
    use jiesu_domain::text::{CategoryText, OperatorId, PersonName, Title};
    NewRequest {
        channel: Channel::Hotline,
        category: None,
        location: Location::new(None, Some(AddressText::parse("金沙社区某小区3栋").expect("valid address")))
            .expect("valid location"),
        contact: Contact {
            name: Some(PersonName::parse("张先生").expect("valid name")),
            phone: Some(PhoneNumber::parse("13912345678").expect("valid phone")),
            confidential: true,
            ..Contact::default()
        },
        details: Details {
            title: Some(Title::parse("夜间施工噪音").expect("valid title")),
            urgency: Urgency::Urgent,
            category_text: Some(CategoryText::parse("施工噪声扰民").expect("valid text")),
            area_hint: Some(AreaCode::parse("pingshan.kengzi.jinsha").expect("valid area")),
            answer: None,
            operator: Some(OperatorId::parse("A0123").expect("valid operator")),
        },
        ..new_request()
    }
}

/// A consultation the hotline operator answered on the phone.
pub fn answered_consultation() -> NewRequest {
    use jiesu_domain::text::Answer;
    let mut r = hotline_request();
    r.kind = Kind::Consultation;
    r.details.answer = Some(Answer::parse("办理居住证请携带身份证到社区工作站").expect("valid answer"));
    r
}
