//! SMS through Alibaba Cloud (`Dysmsapi` `SendSms`) or Tencent Cloud (`sms` `SendSms`, 2021-01-11):
//! each message as the exact HTTP call the gateway expects, signed, and the gateway's answer read
//! back as what the delivery must do next: done, try again later, or give up (a bad number will
//! never go through; a rate limit or an outage will). No IO here: the caller sends the `Call`.

pub mod alibaba;
pub mod replies;
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

pub use crate::call::{Call, Outcome};

/// A number as Tencent wants it (E.164): a mainland number with +86, an international one as
/// given.
pub fn e164(phone: &PhoneNumber) -> String {
    let n = phone.expose();
    if n.starts_with('+') { n.to_owned() } else { format!("+86{}", n.trim_start_matches('0')) }
}
