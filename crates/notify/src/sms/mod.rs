//! SMS through Alibaba Cloud (`Dysmsapi` `SendSms`) or Tencent Cloud (`sms` `SendSms`, 2021-01-11):
//! each message as the exact HTTP call the gateway expects, signed, and the gateway's answer read
//! back as what the delivery must do next: done, try again later, or give up (a bad number will
//! never go through; a rate limit or an outage will). No IO here: the caller sends the `Call`.

pub mod alibaba;
pub mod tencent;

use jiesu_model::contact::PhoneNumber;

/// One text message: an approved template and its parameters, to one number, with our reference
/// (the notification's id), which the gateway echoes back (Alibaba `OutId`, Tencent
/// `SessionContext`) so a delivery receipt names the notification it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub to: PhoneNumber,
    /// The approved template's code (Alibaba `SMS_154950909`) or id (Tencent `1110`).
    pub template: String,
    /// The template's variables in its order: Alibaba names them, Tencent numbers them, so
    /// both are kept.
    pub params: Vec<(String, String)>,
    pub reference: String,
}

/// An HTTP request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What the gateway's answer means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted, with the gateway's id for it (Alibaba `BizId`, Tencent `SerialNo`).
    Sent { id: String },
    /// Not now: an outage, a rate limit, an account to top up. Try again after a back-off.
    Retry { code: String },
    /// Never: the number, the template or the configuration is wrong.
    GiveUp { code: String },
}

impl Outcome {
    /// From an HTTP status that carried no answer the gateway's format explains (a proxy's 502,
    /// a timeout page): a server-side failure is retried, anything else given up on.
    pub(crate) fn from_status(status: u16) -> Self {
        let code = format!("http_{status}");
        if status >= 500 || status == 429 { Self::Retry { code } } else { Self::GiveUp { code } }
    }
}

/// A number as Tencent wants it (E.164): a mainland number with +86, an international one as
/// given.
pub fn e164(phone: &PhoneNumber) -> String {
    let n = phone.expose();
    if n.starts_with('+') { n.to_owned() } else { format!("+86{}", n.trim_start_matches('0')) }
}
