//! Staff notices by email, over SMTP (lettre): one message per notice, or one for several due to
//! the same person at once (the daily digest is exactly that: the day's notices due together).
//! The message's `Message-ID` is made from the notification's id, so a resend after a crash
//! carries the same id (mail systems that deduplicate by it show one; the rest show two, as with
//! SMS). A 4xx answer or no answer is tried again; a 5xx (a mailbox that does not exist, a
//! message refused) is given up.

use std::time::Duration;

use jiesu_model::notice::EmailAddress;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uuid::Uuid;

use crate::call::Outcome;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (port 465).
    Tls,
    /// STARTTLS, required (port 587): no credentials or mail before the upgrade.
    StartTls,
    /// None: only for a relay on this machine or a test server.
    None,
}

impl Security {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "tls" => Some(Self::Tls),
            "starttls" => Some(Self::StartTls),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// The SMTP account notices are sent from.
#[derive(Debug, Clone)]
pub struct EmailAccount {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    pub password: String,
    /// `接诉即办 <notices@pingshan.gov.cn>`.
    pub from: String,
}

/// An SMTP client for the account.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    pub fn new(a: &EmailAccount) -> Result<Self, String> {
        let from: Mailbox = a.from.parse().map_err(|e| format!("notify.email.from: {e}"))?;
        let tls = |host: &str| TlsParameters::new(host.to_owned()).map_err(|e| format!("notify.email: {e}"));
        let tls = match a.security {
            Security::Tls => Tls::Wrapper(tls(&a.host)?),
            Security::StartTls => Tls::Required(tls(&a.host)?),
            Security::None => Tls::None,
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(a.host.as_str())
            .port(a.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(10)));
        if !a.username.is_empty() {
            b = b.credentials(Credentials::new(a.username.clone(), a.password.clone()));
        }
        let domain = from.email.domain().to_owned();
        Ok(Self { transport: b.build(), from, domain })
    }

    /// Sends `text` to `to` under `subject`; `reference` names the message (its `Message-ID`).
    pub async fn send(&self, to: &EmailAddress, subject: &str, text: &str, reference: Uuid) -> Outcome {
        let Ok(to) = to.as_str().parse::<Mailbox>() else {
            return Outcome::GiveUp { code: "bad_address".to_owned() };
        };
        let body = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .header(ContentTransferEncoding::Base64)
            .body(text.to_owned());
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{reference}@{}>", self.domain)))
            .singlepart(body);
        let message = match message {
            Ok(m) => m,
            Err(_) => return Outcome::GiveUp { code: "bad_message".to_owned() },
        };
        match self.transport.send(message).await {
            Ok(answer) => Outcome::Sent { id: answer.code().to_string() },
            Err(e) => match e.status() {
                Some(code) if e.is_permanent() => Outcome::GiveUp { code: format!("smtp_{code}") },
                Some(code) => Outcome::Retry { code: format!("smtp_{code}") },
                None if e.is_timeout() => Outcome::Retry { code: "timeout".to_owned() },
                None => Outcome::Retry { code: "unreachable".to_owned() },
            },
        }
    }
}
