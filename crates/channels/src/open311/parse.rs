//! Turning a GeoReport v2 POST form into a `NewRequest`, field by field, with errors that name
//! the field and carry the HTTP status the spec asks for.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use jiesu_domain::ValidationError;
use jiesu_domain::api_client::ApiClient;
use jiesu_domain::category::{CategoryCode, check_attributes};
use jiesu_domain::contact::{Contact, Email, PhoneNumber};
use jiesu_domain::district::District;
use jiesu_domain::geo::GeoPoint;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::request::{Attributes, Channel, ChannelRef, Kind, Location, MediaUrl, NewRequest};
use jiesu_domain::secret::ServerKey;
use jiesu_domain::text::{AddressText, Description, PersonName};

use super::errors::Open311Error;

/// The form's fields: scalars by name (first value wins), `attribute[CODE]` and
/// `attribute[CODE][]` gathered per code.
#[derive(Debug, Default)]
pub struct Form {
    fields: BTreeMap<String, String>,
    attributes: BTreeMap<String, Vec<String>>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Result<Self, Open311Error> {
        let mut form = Form::default();
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let (k, v) = (decode(k)?, decode(v)?);
            if let Some(code) =
                k.strip_prefix("attribute[").and_then(|rest| rest.split_once(']')).map(|(c, _)| c)
            {
                form.attributes.entry(code.to_owned()).or_default().push(v);
            } else {
                form.fields.entry(k).or_insert(v);
            }
        }
        Ok(form)
    }

    /// A field's value, with blank treated as absent (HTML forms send empty strings).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// Decodes one form component strictly: a bad escape or bytes that are not UTF-8 are refused
/// rather than replaced, so a citizen's text is never silently altered.
fn decode(raw: &[u8]) -> Result<String, Open311Error> {
    let bad =
        || Open311Error::bad_request("the body is not a valid UTF-8 application/x-www-form-urlencoded form");
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).copied().and_then(hex).ok_or_else(bad)?;
                let lo = raw.get(i + 2).copied().and_then(hex).ok_or_else(bad)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| bad())
}

fn invalid(e: ValidationError) -> Open311Error {
    Open311Error::bad_request(e.to_string())
}

/// Who is submitting and how the resend of the same request is recognised.
#[derive(Debug)]
pub struct Submitter<'a> {
    pub client: &'a ApiClient,
    /// The `Idempotency-Key` header as sent (its raw bytes), if the client sent one.
    pub idempotency_key: Option<&'a [u8]>,
    /// The server's key, which tracking numbers are derived with.
    pub key: &'a ServerKey,
}

/// The longest `Idempotency-Key` accepted, in characters (it is stored, prefixed with the client's
/// id, as the request's channel reference).
pub const MAX_IDEMPOTENCY_KEY: usize = 160;

/// The `Idempotency-Key` header, checked: printable ASCII (letters, digits, punctuation, inner
/// spaces), 1 to `MAX_IDEMPOTENCY_KEY` characters. A key that is not is refused, never ignored:
/// a request whose key is dropped would be stored again when the client resends it.
pub fn idempotency_key(raw: Option<&[u8]>) -> Result<Option<&str>, Open311Error> {
    let Some(raw) = raw else { return Ok(None) };
    let key = raw.trim_ascii();
    if key.is_empty() {
        return Err(Open311Error::bad_request("the Idempotency-Key header is empty"));
    }
    if !key.iter().all(|b| (b' '..=b'~').contains(b)) {
        return Err(Open311Error::bad_request(
            "the Idempotency-Key header must be printable ASCII (letters, digits, punctuation, spaces)",
        ));
    }
    if key.len() > MAX_IDEMPOTENCY_KEY {
        return Err(Open311Error::bad_request(format!(
            "the Idempotency-Key header must be at most {MAX_IDEMPOTENCY_KEY} characters; it has {}",
            key.len()
        )));
    }
    // Checked above: printable ASCII is UTF-8.
    std::str::from_utf8(key)
        .map(Some)
        .map_err(|_| Open311Error::bad_request("the Idempotency-Key header is not text"))
}

pub fn new_request(
    form: &Form,
    district: &District,
    who: &Submitter<'_>,
    now: DateTime<Utc>,
) -> Result<NewRequest, Open311Error> {
    let code =
        form.get("service_code").ok_or_else(|| Open311Error::bad_request("service_code is required"))?;
    let service = CategoryCode::parse(code)
        .ok()
        .filter(|c| district.taxonomy().is_leaf(c))
        .and_then(|c| district.taxonomy().get(&c))
        .ok_or_else(|| {
            Open311Error::not_found(format!("service_code `{code}` is not a service of this jurisdiction"))
        })?;
    let category = service.code.clone();

    let point = match (form.get("lat"), form.get("long")) {
        (Some(lat), Some(lon)) => {
            let number = |s: &str, field| {
                s.parse::<f64>().map_err(|_| Open311Error::bad_request(format!("{field} is not a number")))
            };
            Some(GeoPoint::new(number(lat, "lat")?, number(lon, "long")?).map_err(invalid)?)
        }
        (None, None) => None,
        _ => return Err(Open311Error::bad_request("lat and long must be given together")),
    };
    let address = form.get("address_string").map(AddressText::parse).transpose().map_err(invalid)?;
    if point.is_none() && address.is_none() {
        let why = if form.get("address_id").is_some() {
            "address_id is not supported here: give lat and long, or address_string"
        } else {
            "a location is required: lat and long, or address_string"
        };
        return Err(Open311Error::bad_request(why));
    }
    let location = Location::new(point, address).map_err(invalid)?;

    let name = match (form.get("first_name"), form.get("last_name")) {
        // Chinese names put the family name first.
        (Some(first), Some(last)) => Some(format!("{last}{first}")),
        (first, last) => first.or(last).map(str::to_owned),
    };
    let contact = Contact {
        name: name.as_deref().map(PersonName::parse).transpose().map_err(invalid)?,
        phone: form.get("phone").map(PhoneNumber::parse).transpose().map_err(invalid)?,
        email: form.get("email").map(Email::parse).transpose().map_err(invalid)?,
        openid: None,
        confidential: false,
    };

    let id = RequestId::generate();
    let (channel_ref, tracking) = match idempotency_key(who.idempotency_key)? {
        Some(key) => {
            let scope = who.client.id.to_string();
            // The client's id (36 characters), a colon and the key fit the reference's 200.
            let r = ChannelRef::parse(&format!("{scope}:{key}")).map_err(invalid)?;
            (r, TrackingNumber::for_key(who.key, Channel::Open311.as_str(), &scope, key))
        }
        None => {
            (ChannelRef::parse(&id.to_string()).map_err(invalid)?, TrackingNumber::for_request(who.key, id))
        }
    };

    Ok(NewRequest {
        id,
        tracking,
        channel: Channel::Open311,
        channel_ref,
        kind: service.kind.unwrap_or(Kind::Help),
        category: Some(category),
        description: Description::parse(form.get("description").unwrap_or_default()).map_err(invalid)?,
        location,
        contact,
        attributes: check_attributes(
            &service.attributes,
            &Attributes::new(form.attributes.clone()).map_err(invalid)?,
        )
        .map_err(invalid)?,
        media: form.get("media_url").map(MediaUrl::parse).transpose().map_err(invalid)?.into_iter().collect(),
        details: Default::default(),
        received_at: now,
    })
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
