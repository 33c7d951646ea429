//! Webhooks (issue 16): a client application (the holder of an API key) registers a URL, and the
//! notify role POSTs to it the public events of public requests (received, dispatched, being
//! coordinated, resolved, reopened, closed), each signed with a secret only Jiesu and the client
//! know. The Open311 community has asked for such callbacks for years; a client no longer polls.
//!
//! The secret is kept as it was issued, not hashed: signing needs it (it is an HMAC key, as
//! GitHub's and Stripe's webhook secrets are), and it opens nothing in Jiesu.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ValidationError;

/// The notices a webhook can carry (`Topic::key`): what the citizen hears, about a request the
/// public may see. Staff notices (a new task, a deadline) are internal.
pub const TOPICS: [&str; 6] = ["received", "dispatched", "coordinating", "resolved", "reopened", "closed"];

/// A registered webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: Uuid,
    /// The API client it belongs to: revoking the client's key stops its webhooks.
    pub client: Uuid,
    pub url: WebhookUrl,
    pub secret: WebhookSecret,
    /// The topics it asked for, sorted; empty: every one of `TOPICS`.
    pub topics: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    /// A new webhook for `client`, asking for `topics` (each one of `TOPICS`; none: all).
    pub fn new(
        client: Uuid,
        url: WebhookUrl,
        topics: &[String],
        secret: WebhookSecret,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationError> {
        let mut topics: Vec<String> =
            topics.iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
        if let Some(bad) = topics.iter().find(|t| !TOPICS.contains(&t.as_str())) {
            let msg = format!("`{bad}` is not one of {}", TOPICS.join(", "));
            return Err(ValidationError::invalid("topics", &msg));
        }
        topics.sort();
        topics.dedup();
        if topics.len() == TOPICS.len() {
            topics.clear();
        }
        Ok(Self { id: Uuid::now_v7(), client, url, secret, topics, created_at: now })
    }

    /// Whether a notice of `topic` goes to this webhook.
    pub fn wants(&self, topic: &str) -> bool {
        TOPICS.contains(&topic) && (self.topics.is_empty() || self.topics.iter().any(|t| t == topic))
    }
}

/// A webhook's address: HTTPS, or plain HTTP to this machine only (a receiver in development or
/// behind a local proxy); no user name or password in it (they would show on pages and in logs),
/// no fragment, at most 500 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let bad = |why: &str| ValidationError::invalid("url", why);
        let raw = raw.trim();
        if raw.chars().count() > 500 {
            return Err(bad("at most 500 characters"));
        }
        let url = url::Url::parse(raw).map_err(|e| bad(&format!("not a URL: {e}")))?;
        let Some(host) = url.host() else { return Err(bad("a URL with a host")) };
        let local = match host {
            url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(a) => a.is_loopback(),
            url::Host::Ipv6(a) => a.is_loopback(),
        };
        match url.scheme() {
            "https" => {}
            "http" if local => {}
            "http" => return Err(bad("https (plain http only to this machine)")),
            _ => return Err(bad("an https URL")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("no user name or password in the URL"));
        }
        if url.fragment().is_some() {
            return Err(bad("no #fragment"));
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host, as pages and histories name the receiver.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }
}

/// A webhook's signing secret: `whsec_` and 64 hexadecimal digits (256 bits). `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

const PREFIX: &str = "whsec_";

impl WebhookSecret {
    /// From 32 random bytes the caller drew from a secure generator.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("{PREFIX}{hex}"))
    }

    /// As stored (what `expose` gave).
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_plain_http_only_to_this_machine() {
        for ok in [
            "https://apps.example.cn/jiesu/hook",
            "https://[2001:db8::1]:8443/h",
            "http://127.0.0.1:9000/hook",
            "http://localhost/h",
            "http://[::1]:80/",
        ] {
            assert!(WebhookUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://apps.example.cn/hook",
            "ftp://apps.example.cn/",
            "https://user:pw@apps.example.cn/",
            "https://apps.example.cn/#x",
            "/relative",
            "https://",
            "",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
        let long = format!("https://a.cn/{}", "x".repeat(500));
        assert!(WebhookUrl::parse(&long).is_err());
        assert_eq!(WebhookUrl::parse(" https://Apps.Example.cn/h ").expect("url").host(), "apps.example.cn");
    }

    #[test]
    fn topics_are_checked_sorted_and_all_means_none_named() {
        let url = WebhookUrl::parse("https://a.cn/h").expect("url");
        let secret = WebhookSecret::from_random([7; 32]);
        let now = DateTime::from_timestamp(1_765_069_323, 0).expect("time");
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let hook = |t: &[&str]| Webhook::new(Uuid::nil(), url.clone(), &strings(t), secret.clone(), now);
        let some = hook(&["resolved", "received", "resolved", " "]).expect("hook");
        assert_eq!(some.topics, ["received", "resolved"]);
        assert!(some.wants("resolved") && !some.wants("closed"));
        let all = hook(&TOPICS).expect("hook");
        assert!(all.topics.is_empty(), "every topic is stored as none named");
        assert!(TOPICS.iter().all(|t| all.wants(t)));
        assert!(!all.wants("new_task"), "never a staff notice");
        assert!(hook(&["new_task"]).is_err());
    }

    #[test]
    fn a_secret_is_256_bits_in_hex_and_never_debug_printed() {
        let s = WebhookSecret::from_random([0xab; 32]);
        assert_eq!(s.expose().len(), 6 + 64);
        assert!(s.expose().starts_with("whsec_abab"));
        assert_eq!(format!("{s:?}"), "WebhookSecret(****)");
    }
}
