//! The wire format of what travels on queues between services, versioned so that a dispatcher
//! and an intake of different releases can tell whether they understand each other.

use serde::{Deserialize, Serialize};

use crate::event::Event;
use jiesu_model::request::NewRequest;

/// `Message::kind` of a new request on the intake queue.
pub const NEW_REQUEST: &str = "new_request";
/// `Message::kind` of an event published from the outbox.
pub const EVENT: &str = "event";
/// The queue intake adapters send new requests to and the dispatcher consumes.
pub const INTAKE_QUEUE: &str = "intake";

const VERSION: u32 = 1;

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    version: u32,
    request: &'a NewRequest,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeIn {
    version: u32,
    request: NewRequest,
}

/// Why a message could not be read: it goes to the dead-letter queue with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unexpected message kind `{0}`")]
    Kind(String),
    #[error("unsupported message version {0}")]
    Version(u32),
    #[error("malformed message: {0}")]
    Malformed(String),
}

pub fn encode_new_request(request: &NewRequest) -> Vec<u8> {
    // Serializing plain data to a Vec cannot fail.
    serde_json::to_vec(&EnvelopeOut { version: VERSION, request }).unwrap_or_default()
}

/// Decodes and re-validates (every newtype parses again on the way in).
pub fn decode_new_request(kind: &str, payload: &[u8]) -> Result<NewRequest, DecodeError> {
    if kind != NEW_REQUEST {
        return Err(DecodeError::Kind(kind.to_owned()));
    }
    let envelope: EnvelopeIn =
        serde_json::from_slice(payload).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if envelope.version != VERSION {
        return Err(DecodeError::Version(envelope.version));
    }
    Ok(envelope.request)
}

pub fn encode_event(event: &Event) -> Vec<u8> {
    serde_json::to_vec(event).unwrap_or_default()
}

pub fn decode_event(kind: &str, payload: &[u8]) -> Result<Event, DecodeError> {
    if kind != EVENT {
        return Err(DecodeError::Kind(kind.to_owned()));
    }
    serde_json::from_slice(payload).map_err(|e| DecodeError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiesu_model::ids::{RequestId, TrackingNumber};
    use jiesu_model::request::{Channel, ChannelRef, Kind, Location};
    use jiesu_model::text::{AddressText, Description};

    fn request() -> NewRequest {
        let id = RequestId::generate();
        NewRequest {
            id,
            tracking: TrackingNumber::for_request(&jiesu_model::secret::test_key(), id),
            channel: Channel::Web,
            channel_ref: ChannelRef::parse("web-1").expect("ref"),
            kind: Kind::Suggestion,
            category: None,
            description: Description::parse("建议增设公交站").expect("text"),
            location: Location::new(None, Some(AddressText::parse("坪山大道").expect("address")))
                .expect("loc"),
            contact: Default::default(),
            attributes: Default::default(),
            media: vec![],
            details: Default::default(),
            received_at: jiesu_model::time::now(),
        }
    }

    #[test]
    fn a_new_request_round_trips() {
        let r = request();
        assert_eq!(decode_new_request(NEW_REQUEST, &encode_new_request(&r)), Ok(r));
    }

    #[test]
    fn what_cannot_be_read_says_why() {
        assert!(matches!(decode_new_request("other", b"{}"), Err(DecodeError::Kind(_))));
        assert!(matches!(decode_new_request(NEW_REQUEST, b"\xff"), Err(DecodeError::Malformed(_))));
        let mut v: serde_json::Value = serde_json::from_slice(&encode_new_request(&request())).expect("json");
        v["version"] = 99.into();
        assert_eq!(decode_new_request(NEW_REQUEST, v.to_string().as_bytes()), Err(DecodeError::Version(99)));
        // A field that fails validation is caught on the way in, not stored.
        v["version"] = 1.into();
        v["request"]["contact"] = serde_json::json!({"phone": "12"});
        assert!(matches!(
            decode_new_request(NEW_REQUEST, v.to_string().as_bytes()),
            Err(DecodeError::Malformed(_))
        ));
    }
}
