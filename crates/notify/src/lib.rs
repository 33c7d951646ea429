//! Outbound messages: what Jiesu tells citizens and staff, through the gateways a district uses
//! (SMS by Alibaba Cloud or Tencent Cloud, WeChat, 企业微信/政务微信, email) and the webhooks client
//! applications register.
//!
//! `sign` holds each gateway's request signing, pure functions checked against the worked
//! examples the gateways publish: the part of talking to a gateway that must be exactly right and
//! that a fake gateway in the tests checks the way the real one does. `sms` and `platform`
//! (WeChat, 企业微信) make each message the exact `call` its gateway expects and read the answer
//! as what to do next (sent, retry, give up; for the platforms also "fetch a new token"); `send`
//! is the one place that does IO, sending a call over HTTPS; `tokens` keeps the platforms' access
//! tokens in the store; `gateways` puts the configured gateways behind the `Gateway` port the
//! notify role sends through; `inbound` takes the citizens' SMS replies (TD: no more messages); `media` downloads the photos citizens send the official account; `webhook` makes a
//! client application's webhook call and keeps it off the district's own network. With the feature `fake`, `fake` holds fake gateways for the tests.

pub mod call;
pub mod email;
pub mod gateways;
pub mod inbound;
pub mod media;
pub mod platform;
pub mod send;
pub mod sign;
pub mod sms;
mod tokens;
pub mod webhook;

#[cfg(feature = "fake")]
pub mod fake;
