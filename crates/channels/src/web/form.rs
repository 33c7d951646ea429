//! The report form: read from multipart, checked field by field (errors in the page's language,
//! values kept for the re-rendered form), photos checked by their bytes.

use axum::extract::Multipart;
use chrono::{DateTime, Utc};
use jiesu_domain::area::AreaCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::contact::{Contact, PhoneNumber};
use jiesu_domain::district::District;
use jiesu_domain::geo::GeoPoint;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::request::{Channel, ChannelRef, Details, Kind, Location, NewRequest};
use jiesu_domain::secret::ServerKey;
use jiesu_domain::text::{AddressText, Description, PersonName};
use jiesu_media::ImageType;

use super::text::Text;

pub const MAX_PHOTOS: usize = 3;

/// What the citizen typed, kept to fill the form again if something is wrong.
#[derive(Debug, Clone, Default)]
pub struct Values {
    /// Identifies this filling-in of the form: submitting it twice stores one request.
    pub form_token: String,
    pub lang: String,
    pub category: String,
    pub kind: String,
    pub description: String,
    pub address: String,
    /// The street or community picked from the list (an area code), for whoever does not use the map.
    pub area: String,
    pub lat: String,
    pub lon: String,
    pub phone: String,
    pub name: String,
    /// The 秒回 entry the citizen said settled the question (empty: none).
    pub answered_by: String,
}

impl Values {
    pub fn fresh() -> Self {
        Self {
            form_token: uuid::Uuid::now_v7().to_string(),
            kind: Kind::Help.as_str().into(),
            ..Self::default()
        }
    }
}

/// A photo as uploaded, with its sniffed type.
#[derive(Debug)]
pub struct Photo {
    pub bytes: Vec<u8>,
    pub kind: ImageType,
}

/// What can be wrong with the photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoError {
    TooMany,
    TooLarge,
    NotAnImage,
}

impl PhotoError {
    /// `too_large` is `t.err_photo_size` with the limit in force filled in.
    pub fn text<'a>(self, t: &'a Text, too_large: &'a str) -> &'a str {
        match self {
            Self::TooMany => t.err_photo_count,
            Self::TooLarge => too_large,
            Self::NotAnImage => t.err_photo_type,
        }
    }
}

/// The form as submitted.
#[derive(Debug, Default)]
pub struct Submitted {
    pub values: Values,
    pub photos: Vec<Photo>,
    pub photo_errors: Vec<PhotoError>,
}

/// The body could not be read as a form at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreadable;

/// Reads the multipart body. Photo problems become form errors; a body that is not a form is
/// reported as such (`Err`).
pub async fn read(mut multipart: Multipart, max_photo_bytes: usize) -> Result<Submitted, Unreadable> {
    let mut s = Submitted::default();
    let mut photo_count = 0;
    while let Some(field) = multipart.next_field().await.map_err(|_| Unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            let bytes = field.bytes().await.map_err(|_| Unreadable)?;
            if bytes.is_empty() {
                continue; // the file input left empty
            }
            photo_count += 1;
            if photo_count > MAX_PHOTOS {
                s.photo_errors.push(PhotoError::TooMany);
            } else if bytes.len() > max_photo_bytes {
                s.photo_errors.push(PhotoError::TooLarge);
            } else {
                match ImageType::sniff(&bytes) {
                    Some(kind) => s.photos.push(Photo { bytes: bytes.to_vec(), kind }),
                    None => s.photo_errors.push(PhotoError::NotAnImage),
                }
            }
            continue;
        }
        let value = field.text().await.map_err(|_| Unreadable)?;
        let v = &mut s.values;
        match name.as_str() {
            "form_token" => v.form_token = value,
            "lang" => v.lang = value,
            "category" => v.category = value,
            "kind" => v.kind = value,
            "description" => v.description = value,
            "address" => v.address = value,
            "area" => v.area = value,
            "lat" => v.lat = value,
            "lon" => v.lon = value,
            "phone" => v.phone = value,
            "name" => v.name = value,
            "answered_by" => v.answered_by = value,
            _ => {}
        }
    }
    s.photo_errors.dedup();
    if s.values.form_token.trim().is_empty() {
        s.values.form_token = uuid::Uuid::now_v7().to_string();
    }
    Ok(s)
}

/// Checks the fields; on success the request (without its photos, which are stored after).
pub fn check(
    v: &Values,
    key: &ServerKey,
    d: &District,
    t: &Text,
    now: DateTime<Utc>,
) -> Result<NewRequest, Vec<&'static str>> {
    let mut errors = Vec::new();
    let category = CategoryCode::parse(v.category.trim()).ok().filter(|c| d.taxonomy().is_leaf(c));
    if category.is_none() {
        errors.push(t.err_category);
    }
    let description = match Description::parse(&v.description) {
        Ok(x) if !x.as_str().is_empty() => Some(x),
        _ => {
            errors.push(t.err_description);
            None
        }
    };
    let point = match (v.lat.trim(), v.lon.trim()) {
        ("", "") => Ok(None),
        (lat, lon) => match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) => GeoPoint::new(lat, lon).map(Some).map_err(|_| ()),
            _ => Err(()),
        },
    };
    let point = point.unwrap_or_else(|()| {
        errors.push(t.err_point);
        None
    });
    // A street or community from the list: it places the request when no point does, and
    // stands for the address when none was typed.
    let area = match v.area.trim() {
        "" => None,
        code => {
            let known = AreaCode::parse(code).ok().and_then(|c| d.areas().get(&c));
            if known.is_none() {
                errors.push(t.err_area);
            }
            known
        }
    };
    let address = match (v.address.trim(), area) {
        ("", None) => None,
        ("", Some(a)) => {
            let path: Vec<&str> =
                d.areas().ancestry(&a.code).iter().rev().skip(1).map(|x| x.name.as_str()).collect();
            AddressText::parse(&path.join("")).ok()
        }
        (typed, _) => AddressText::parse(typed).map_err(|_| errors.push(t.err_address)).ok(),
    };
    let location = Location::new(point, address);
    if location.is_err() && !errors.contains(&t.err_point) && !errors.contains(&t.err_address) {
        errors.push(t.err_location);
    }
    // Optional: it serves SMS notices and a return visit by phone; the private link the received
    // page gives tracks the request without it.
    let phone = match v.phone.trim() {
        "" => Ok(None),
        p => PhoneNumber::parse(p).map(Some).map_err(|_| errors.push(t.err_phone)),
    };
    let name = match v.name.trim() {
        "" => None,
        n => PersonName::parse(n).map_err(|_| errors.push(t.err_name)).ok(),
    };
    let channel_ref = ChannelRef::parse(v.form_token.trim()).map_err(|_| errors.push(t.err_form)).ok();
    let (Some(category), Some(description), Ok(location), Ok(phone), Some(channel_ref), true) =
        (category, description, location, phone, channel_ref, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewRequest {
        id: RequestId::generate(),
        tracking: TrackingNumber::for_key(key, Channel::Web.as_str(), "form", channel_ref.as_str()),
        channel: Channel::Web,
        channel_ref,
        kind: Kind::parse(v.kind.trim()).unwrap_or(Kind::Help),
        category: Some(category),
        description,
        location,
        contact: Contact { name, phone, ..Contact::default() },
        attributes: Default::default(),
        media: vec![],
        details: Details { area_hint: area.map(|a| a.code.clone()), ..Details::default() },
        received_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::text::{EN, ZH};

    fn values() -> Values {
        Values {
            category: "010101".into(),
            description: "秀新路口路灯不亮".into(),
            address: "坑梓街道秀新路".into(),
            phone: "13812345678".into(),
            ..Values::fresh()
        }
    }

    #[test]
    fn a_complete_form_becomes_a_web_request() {
        let d = jiesu_testkit::fixtures::district();
        let r = check(&values(), &jiesu_domain::secret::test_key(), d, &ZH, jiesu_domain::time::now())
            .expect("valid");
        assert_eq!(r.channel, Channel::Web);
        assert_eq!(r.contact.phone.map(|p| p.last_four().to_owned()), Some("5678".into()));
        let again = check(&values(), &jiesu_domain::secret::test_key(), d, &ZH, jiesu_domain::time::now())
            .expect("valid");
        assert_ne!(r.tracking, again.tracking, "a fresh form token each time");
        let v = values();
        assert_eq!(
            check(&v, &jiesu_domain::secret::test_key(), d, &ZH, jiesu_domain::time::now())
                .map(|r| r.tracking),
            check(&v, &jiesu_domain::secret::test_key(), d, &ZH, jiesu_domain::time::now())
                .map(|r| r.tracking),
            "the same form twice: one number"
        );
    }

    #[test]
    fn a_community_from_the_list_places_the_request_and_names_it_when_no_address_was_typed() {
        let d = jiesu_testkit::fixtures::district();
        let key = jiesu_domain::secret::test_key();
        let now = jiesu_domain::time::now();
        let picked = Values { address: "".into(), area: "pingshan.kengzi".into(), ..values() };
        let r = check(&picked, &key, d, &ZH, now).expect("a street is a place");
        assert_eq!(r.details.area_hint.as_ref().map(|a| a.as_str()), Some("pingshan.kengzi"));
        assert_eq!(r.location.address().map(|a| a.as_str()), Some("坑梓街道"));
        let unknown = Values { area: "pingshan.nowhere".into(), ..values() };
        assert_eq!(check(&unknown, &key, d, &ZH, now).expect_err("unknown area"), [ZH.err_area]);
    }

    #[test]
    fn the_phone_is_optional_but_a_wrong_one_is_refused() {
        let d = jiesu_testkit::fixtures::district();
        let key = jiesu_domain::secret::test_key();
        let now = jiesu_domain::time::now();
        let none = Values { phone: "  ".into(), ..values() };
        assert_eq!(check(&none, &key, d, &ZH, now).expect("no phone is fine").contact.phone, None);
        let wrong = Values { phone: "12".into(), ..values() };
        assert_eq!(check(&wrong, &key, d, &ZH, now).expect_err("a wrong phone"), [ZH.err_phone]);
    }

    #[test]
    fn each_problem_gets_its_message_in_the_page_s_language() {
        let d = jiesu_testkit::fixtures::district();
        let bad = Values {
            category: "01".into(),
            description: " ".into(),
            address: "".into(),
            lat: "22.7".into(),
            phone: "110".into(),
            ..values()
        };
        let errors = check(&bad, &jiesu_domain::secret::test_key(), d, &ZH, jiesu_domain::time::now())
            .expect_err("invalid");
        assert_eq!(errors, [ZH.err_category, ZH.err_description, ZH.err_point, ZH.err_phone]);
        let nowhere = Values { address: "".into(), ..values() };
        assert_eq!(
            check(&nowhere, &jiesu_domain::secret::test_key(), d, &EN, jiesu_domain::time::now())
                .expect_err("no place"),
            [EN.err_location]
        );
    }
}
