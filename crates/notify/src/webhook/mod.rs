//! Webhooks: a notice about a public request, POSTed as JSON to the URL a client application
//! registered and signed with its secret (`sign::webhook`). The headers say what it is and
//! which delivery: `X-Jiesu-Event` (the topic), `X-Jiesu-Delivery` (the notification's id, the
//! same on every retry, so a receiver drops a repeat), `X-Jiesu-Timestamp` (Unix seconds) and
//! `X-Jiesu-Signature` (`sha256=` and the HMAC-SHA256 of the timestamp, a dot and the body). No
//! IO here; `guard` keeps the calls off the district's own network.

pub mod guard;

use chrono::{DateTime, SecondsFormat, Utc};
use jiesu_model::webhook::Webhook;
use jiesu_ports::Outgoing;
use serde_json::{Map, Value};

use crate::call::{Call, Outcome};
use crate::sign::webhook::signature;

pub const EVENT: &str = "X-Jiesu-Event";
pub const DELIVERY: &str = "X-Jiesu-Delivery";
pub const TIMESTAMP: &str = "X-Jiesu-Timestamp";
pub const SIGNATURE: &str = "X-Jiesu-Signature";

/// The body: the delivery, the topic, when it was sent, the notice's name and words, and its
/// variables by name (`tracking`, `number`, `link`, `bureau`, `time`, `status`).
pub fn body(m: &Outgoing, now: DateTime<Utc>) -> Vec<u8> {
    let mut o = Map::new();
    o.insert("id".into(), Value::String(m.reference.to_string()));
    o.insert("topic".into(), Value::String(m.topic.to_owned()));
    o.insert("sent_at".into(), Value::String(now.to_rfc3339_opts(SecondsFormat::Secs, true)));
    o.insert("subject".into(), Value::String(m.subject.clone()));
    o.insert("text".into(), Value::String(m.text.clone()));
    for (k, v) in &m.params {
        o.insert((*k).to_owned(), Value::String(v.clone()));
    }
    // Serializing a map of strings cannot fail.
    serde_json::to_vec(&Value::Object(o)).unwrap_or_default()
}

/// The signed call that delivers `m` to `hook`.
pub fn call(hook: &Webhook, m: &Outgoing, now: DateTime<Utc>) -> Call {
    let body = body(m, now);
    let timestamp = now.timestamp();
    let headers = [
        ("Content-Type", "application/json; charset=utf-8".to_owned()),
        ("User-Agent", concat!("Jiesu-Webhook/", env!("CARGO_PKG_VERSION")).to_owned()),
        (EVENT, m.topic.to_owned()),
        (DELIVERY, m.reference.to_string()),
        (TIMESTAMP, timestamp.to_string()),
        (SIGNATURE, signature(hook.secret.expose().as_bytes(), timestamp, &body)),
    ];
    Call {
        method: "POST",
        url: hook.url.as_str().to_owned(),
        headers: headers.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        body,
    }
}

/// What the receiver's status means: any 2xx is delivered; 410 Gone says the receiver is gone
/// for good; anything else (its outage, a deploy, a 4xx from a receiver being fixed) is tried
/// again with the growing wait until the last try, as Stripe's and GitHub's receivers expect.
pub fn outcome(status: u16, delivery: &str) -> Outcome {
    match status {
        200..=299 => Outcome::Sent { id: delivery.to_owned() },
        410 => Outcome::GiveUp { code: "webhook_gone".to_owned() },
        s => Outcome::Retry { code: format!("http_{s}") },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiesu_model::notice::Via;
    use jiesu_model::webhook::{WebhookSecret, WebhookUrl};
    use jiesu_ports::Address;

    #[test]
    fn a_delivery_is_signed_over_its_timestamp_and_body_and_names_itself() {
        let url = WebhookUrl::parse("https://app.example.cn/hook").expect("url");
        let secret = WebhookSecret::from_stored("whsec_test".to_owned());
        let now = DateTime::from_timestamp(1_765_069_323, 0).expect("time");
        let hook = Webhook::new(uuid::Uuid::nil(), url, &[], secret, now).expect("hook");
        let m = Outgoing {
            reference: uuid::Uuid::from_u128(7),
            via: Via::Webhook,
            to: Address::Webhook(hook.clone()),
            topic: "resolved",
            params: vec![("tracking", "PS202512060001".to_owned())],
            subject: "办结通知".to_owned(),
            text: "您的诉求已办结".to_owned(),
        };
        let c = call(&hook, &m, now);
        let header = |name: &str| c.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(header(EVENT), Some("resolved"));
        assert_eq!(header(DELIVERY), Some("00000000-0000-0000-0000-000000000007"));
        assert_eq!(header(TIMESTAMP), Some("1765069323"));
        assert_eq!(header(SIGNATURE), Some(signature(b"whsec_test", 1_765_069_323, &c.body).as_str()));
        let json: Value = serde_json::from_slice(&c.body).expect("JSON");
        assert_eq!(json["tracking"], "PS202512060001");
        assert_eq!(json["sent_at"], "2025-12-07T01:02:03Z");
        assert_eq!((c.method, c.url.as_str()), ("POST", "https://app.example.cn/hook"));
    }

    #[test]
    fn only_gone_is_final_and_only_2xx_delivered() {
        assert_eq!(outcome(204, "d"), Outcome::Sent { id: "d".into() });
        assert_eq!(outcome(410, "d"), Outcome::GiveUp { code: "webhook_gone".into() });
        for s in [400, 401, 404, 429, 500, 503] {
            assert!(matches!(outcome(s, "d"), Outcome::Retry { .. }), "{s}");
        }
    }
}
