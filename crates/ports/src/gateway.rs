//! The gateways port (issue 16): a notice, worded and addressed, handed to whatever carries it
//! (an SMS provider, WeChat, 企业微信, email), and what the gateway's answer means for the
//! delivery. Adapters do the signing and the HTTP; the notify role decides what to send and
//! settles the notification row with the answer.

use std::future::Future;

use jiesu_model::contact::{OpenId, PhoneNumber};
use jiesu_model::notice::{EmailAddress, Via};
use jiesu_model::webhook::Webhook;
use uuid::Uuid;

/// The code a staff notice is given up with when nobody is there to receive it (an audience
/// the 企业微信 directory does not name and nobody of it chose 企业微信).
pub const NO_RECIPIENT: &str = "no_recipient";

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Phone(PhoneNumber),
    OpenId(OpenId),
    /// A bureau's staff, named by the bureau's code: the adapter knows where each bureau is in
    /// 企业微信 or which mailbox is its.
    Staff(String),
    /// A client application's webhook: its URL and signing secret.
    Webhook(Webhook),
    /// A staff group (`Staff`'s key) with the 企业微信 accounts of those of them who chose to
    /// hear through it: the adapter sends to the group as the configuration maps it, else to
    /// these people.
    People {
        audience: String,
        ids: Vec<String>,
    },
    /// A staff member's mailbox.
    Email(EmailAddress),
}

impl Address {
    /// As the history may show it: a phone or OpenID masked, a bureau by its code.
    pub fn masked(&self) -> String {
        match self {
            Self::Phone(p) => p.masked(),
            Self::OpenId(o) => o.masked(),
            Self::Staff(s) => s.clone(),
            Self::Webhook(w) => w.url.host().to_owned(),
            Self::People { audience, .. } => audience.clone(),
            Self::Email(e) => e.masked(),
        }
    }
}

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The notification's id: sent as the gateway's reference where it takes one (Alibaba
    /// `OutId`, Tencent `SessionContext`), so a delivery receipt names its row.
    pub reference: Uuid,
    pub via: Via,
    pub to: Address,
    /// The notice's topic key (`received`, `new_task`): what picks an SMS template.
    pub topic: &'static str,
    /// The template's variables by name (`number`, `link`, `bureau`, `time`, `status`): an SMS template
    /// takes the ones it was approved with, in the order the configuration gives.
    pub params: Vec<(&'static str, String)>,
    /// The notice's name (受理通知, 新任务提醒): a card's title, an email's subject.
    pub subject: String,
    /// The notice in words, for the channels that take free text (WeChat's customer-service
    /// message, 企业微信, email).
    pub text: String,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Accepted, with the gateway's id for it (Alibaba `BizId`, Tencent `SerialNo`).
    Yes { id: String },
    /// Not now (an outage, a rate limit, a timeout): try again after a back-off.
    Retry { code: String },
    /// Never (a bad number, a template not approved): give up.
    GiveUp { code: String },
    /// Not this recipient by this channel (a WeChat citizen outside WeChat's 48-hour window, or
    /// who unfollowed the account): given up here, and another channel may reach them (the
    /// phone they gave).
    Unreachable { code: String },
}

pub trait Gateway: Clone + Send + Sync + 'static {
    /// Whether notices of `topic` (`Topic::key`) can be sent by `via` at all: the channel is
    /// configured and, for SMS, the topic has an approved template. Notices it cannot carry are
    /// not recorded.
    fn carries(&self, via: Via, topic: &str) -> bool;

    /// How many messages by `via` one process may send per second (the gateway's limit for the
    /// account, shared out); `None`: no limit.
    fn rate(&self, via: Via) -> Option<u32>;

    fn send(&self, message: &Outgoing) -> impl Future<Output = Sent> + Send;
}
