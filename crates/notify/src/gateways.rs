//! The gateways a district configured, behind the `Gateway` port: SMS by Alibaba Cloud or
//! Tencent Cloud (one, chosen in the configuration), each topic with its approved template and
//! the template's variables in order. WeChat, 企业微信 and email join here as they are built.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiesu_ports::{Address, Gateway, Outgoing, Sent, Via};

use crate::sms::{Outcome, Sms, alibaba, tencent};

/// An SMS provider's account.
#[derive(Debug, Clone)]
pub enum SmsAccount {
    Alibaba(alibaba::Account),
    Tencent(tencent::Account),
}

/// An approved template: its code (Alibaba `SMS_154950909`, Tencent `1110`) and the variables it
/// was approved with, in its order (`["number", "link"]`), from those a message offers
/// (`number`, `link`, `bureau`, `time`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub code: String,
    pub params: Vec<String>,
}

/// SMS: the account, a template per topic, and the account's rate for one process.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    pub account: SmsAccount,
    /// By topic key (`received`, `resolved`): a topic without one is not sent by SMS.
    pub templates: BTreeMap<String, Template>,
    /// Messages per second one notify process may send.
    pub per_second: Option<u32>,
}

/// Every gateway the district configured.
#[derive(Debug, Clone)]
pub struct Gateways {
    http: reqwest::Client,
    sms: Option<Arc<SmsSettings>>,
}

impl Gateways {
    pub fn new(sms: Option<SmsSettings>) -> Result<Self, reqwest::Error> {
        Ok(Self { http: crate::send::client()?, sms: sms.map(Arc::new) })
    }

    async fn sms(&self, sms: &SmsSettings, m: &Outgoing) -> Sent {
        let Address::Phone(to) = &m.to else { return give_up("not_a_phone") };
        let Some(template) = sms.templates.get(m.topic) else { return give_up("no_template") };
        let value = |name: &String| m.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let params: Option<Vec<(String, String)>> =
            template.params.iter().map(|name| Some((name.clone(), value(name)?))).collect();
        // A template that names a variable this notice has not: a configuration to fix.
        let Some(params) = params else { return give_up("template_params") };
        let message = Sms {
            to: to.clone(),
            template: template.code.clone(),
            params,
            reference: m.reference.to_string(),
        };
        let now = chrono::Utc::now();
        let outcome = match &sms.account {
            SmsAccount::Alibaba(a) => {
                let nonce = uuid::Uuid::new_v4().simple().to_string();
                crate::send::send(&self.http, &alibaba::call(a, &message, now, &nonce), alibaba::outcome)
                    .await
            }
            SmsAccount::Tencent(a) => {
                crate::send::send(&self.http, &tencent::call(a, &message, now), tencent::outcome).await
            }
        };
        match outcome {
            Outcome::Sent { id } => Sent::Yes { id },
            Outcome::Retry { code } => Sent::Retry { code },
            Outcome::GiveUp { code } => Sent::GiveUp { code },
        }
    }
}

fn give_up(code: &str) -> Sent {
    Sent::GiveUp { code: code.to_owned() }
}

impl Gateway for Gateways {
    fn carries(&self, via: Via, topic: &str) -> bool {
        match via {
            Via::Sms => self.sms.as_ref().is_some_and(|s| s.templates.contains_key(topic)),
            _ => false,
        }
    }

    fn rate(&self, via: Via) -> Option<u32> {
        match via {
            Via::Sms => self.sms.as_ref().and_then(|s| s.per_second),
            _ => None,
        }
    }

    async fn send(&self, message: &Outgoing) -> Sent {
        match (message.via, &self.sms) {
            (Via::Sms, Some(sms)) => self.sms(sms, message).await,
            _ => give_up("not_carried"),
        }
    }
}
