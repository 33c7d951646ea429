//! The gateways a district configured, behind the `Gateway` port: SMS by Alibaba Cloud or
//! Tencent Cloud (one, chosen in the configuration), each topic with its approved template and
//! the template's variables in order; 企业微信 for staff, each audience mapped to the members,
//! departments or tags it is in the directory; the WeChat official account for citizens who
//! wrote through it. The platforms' access tokens are kept in the store (`T`), shared by every
//! notify process.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiesu_ports::{AccessTokens, Address, Gateway, Outgoing, Sent, Via};

use crate::call::Outcome;
use crate::platform::{wechat, wecom};
use crate::sms::{Sms, alibaba, tencent};
use crate::tokens::Tokens;

/// An SMS provider's account.
#[derive(Debug, Clone)]
pub enum SmsAccount {
    Alibaba(alibaba::Account),
    Tencent(tencent::Account),
}

/// An approved template: its code (Alibaba `SMS_154950909`, Tencent `1110`) and the variables it
/// was approved with, in its order (`["number", "link"]`), from those a message offers
/// (`number`, `link`, `bureau`, `time`, `status`).
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

/// 企业微信: the application, and who each staff audience is in the directory.
#[derive(Debug, Clone)]
pub struct WeComSettings {
    pub account: wecom::Account,
    /// By audience key (`bureau:pingshan-water`, `bureau_admins:pingshan-water`,
    /// `supervisors`, `desk`): an audience with none is given up (`no_recipient`), listed for
    /// the supervisors as a directory to complete.
    pub to: BTreeMap<String, wecom::Recipients>,
    pub duplicate_check_secs: u32,
    pub per_second: Option<u32>,
}

/// A WeChat template for a topic: its id and its fields, each with the variable it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatTemplate {
    pub id: String,
    /// (the template's key, the variable): `("character_string1", "number")`.
    pub fields: Vec<(String, String)>,
}

/// The WeChat official account: templates by topic; a topic without one goes as a
/// customer-service text message (only within 48 hours of the citizen's last message).
#[derive(Debug, Clone)]
pub struct WeChatSettings {
    pub account: wechat::Account,
    pub templates: BTreeMap<String, WeChatTemplate>,
    pub per_second: Option<u32>,
}

/// Email for staff who chose it: the SMTP account and its rate for one process.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    pub account: crate::email::EmailAccount,
    pub per_second: Option<u32>,
}

/// Client applications' webhooks: on unless a district turns them off.
#[derive(Debug, Clone, Default)]
pub struct WebhookSettings {
    /// Whether webhooks may call addresses on the district's own network (receivers inside
    /// it, and the tests); off, only public addresses are called (`webhook::guard`).
    pub allow_private: bool,
    pub per_second: Option<u32>,
}

/// Every gateway the district configured.
#[derive(Debug, Clone)]
pub struct Gateways<T> {
    http: reqwest::Client,
    sms: Option<Arc<SmsSettings>>,
    wecom: Option<Arc<WeComSettings>>,
    wechat: Option<Arc<WeChatSettings>>,
    /// Webhooks, with their own client (it resolves names to public addresses only).
    webhooks: Option<(Arc<WebhookSettings>, reqwest::Client)>,
    email: Option<(Arc<EmailSettings>, crate::email::Mailer)>,
    tokens: Tokens<T>,
}

fn give_up(code: &str) -> Sent {
    Sent::GiveUp { code: code.to_owned() }
}

impl From<Outcome> for Sent {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Sent { id } => Sent::Yes { id },
            Outcome::Retry { code } => Sent::Retry { code },
            Outcome::GiveUp { code } => Sent::GiveUp { code },
        }
    }
}

/// The notice's words with its link on a line of its own (for the channels of free text).
fn with_link(m: &Outgoing) -> String {
    match param(m, "link") {
        Some(link) if !link.is_empty() => format!("{}\n{link}", m.text),
        _ => m.text.clone(),
    }
}

/// The variable `name` of `m`, if it has it.
fn param<'m>(m: &'m Outgoing, name: &str) -> Option<&'m str> {
    m.params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
}

impl<T: AccessTokens> Gateways<T> {
    /// No gateway yet; `tokens` keeps the platforms' access tokens.
    pub fn new(tokens: T) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: crate::send::client()?,
            sms: None,
            wecom: None,
            wechat: None,
            webhooks: None,
            email: None,
            tokens: Tokens::new(tokens),
        })
    }

    /// Email for staff; an account whose sender address does not parse is an error.
    pub fn with_email(mut self, email: Option<EmailSettings>) -> Result<Self, String> {
        self.email = match email {
            None => None,
            Some(e) => {
                let mailer = crate::email::Mailer::new(&e.account)?;
                Some((Arc::new(e), mailer))
            }
        };
        Ok(self)
    }

    pub fn with_webhooks(mut self, webhooks: Option<WebhookSettings>) -> Result<Self, reqwest::Error> {
        self.webhooks = match webhooks {
            None => None,
            Some(w) => {
                let client = crate::send::builder();
                let client = if w.allow_private {
                    client
                } else {
                    client.dns_resolver(Arc::new(crate::webhook::guard::PublicOnly))
                };
                Some((Arc::new(w), client.build()?))
            }
        };
        Ok(self)
    }

    async fn webhook(&self, w: &WebhookSettings, http: &reqwest::Client, m: &Outgoing) -> Sent {
        let Address::Webhook(hook) = &m.to else { return give_up("not_a_webhook") };
        if !w.allow_private && !crate::webhook::guard::literal_allowed(hook.url.as_str()) {
            return give_up("private_address");
        }
        let call = crate::webhook::call(hook, m, chrono::Utc::now());
        let delivery = m.reference.to_string();
        match crate::send::exchange(http, &call).await {
            Ok((status, _)) => crate::webhook::outcome(status, &delivery).into(),
            Err(failed) => failed.into(),
        }
    }

    pub fn with_sms(mut self, sms: Option<SmsSettings>) -> Self {
        self.sms = sms.map(Arc::new);
        self
    }

    pub fn with_wecom(mut self, wecom: Option<WeComSettings>) -> Self {
        self.wecom = wecom.map(Arc::new);
        self
    }

    pub fn with_wechat(mut self, wechat: Option<WeChatSettings>) -> Self {
        self.wechat = wechat.map(Arc::new);
        self
    }

    async fn sms(&self, sms: &SmsSettings, m: &Outgoing) -> Sent {
        let Address::Phone(to) = &m.to else { return give_up("not_a_phone") };
        let Some(template) = sms.templates.get(m.topic) else { return give_up("no_template") };
        let params: Option<Vec<(String, String)>> =
            template.params.iter().map(|name| Some((name.clone(), param(m, name)?.to_owned()))).collect();
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
        outcome.into()
    }

    async fn wecom(&self, w: &WeComSettings, m: &Outgoing) -> Sent {
        // The group as the configuration maps it; else the people of it who chose 企业微信.
        let people;
        let to = match &m.to {
            Address::Staff(audience) => w.to.get(audience).filter(|r| !r.is_empty()),
            Address::People { audience, ids } => match w.to.get(audience).filter(|r| !r.is_empty()) {
                Some(mapped) => Some(mapped),
                None => {
                    people = wecom::Recipients { users: ids.join("|"), ..wecom::Recipients::default() };
                    Some(&people).filter(|r| !r.is_empty())
                }
            },
            _ => return give_up("not_staff"),
        };
        let Some(to) = to else { return give_up(jiesu_ports::NO_RECIPIENT) };
        let card = wecom::Card {
            title: m.subject.clone(),
            description: m.text.clone(),
            url: param(m, "link").unwrap_or_default().to_owned(),
        };
        let a = &w.account;
        let make = |token: &str| wecom::message_call(a, token, to, &card, w.duplicate_check_secs);
        let fetch = wecom::token_call(a);
        self.tokens.send(&self.http, &a.token_name(), &fetch, make, wecom::reply).await.into()
    }

    async fn wechat(&self, w: &WeChatSettings, m: &Outgoing) -> Sent {
        let Address::OpenId(openid) = &m.to else { return give_up("not_an_openid") };
        let openid = openid.expose();
        let a = &w.account;
        let template = match w.templates.get(m.topic) {
            None => None,
            Some(t) => {
                let fields: Option<Vec<(String, String)>> =
                    t.fields.iter().map(|(k, v)| Some((k.clone(), param(m, v)?.to_owned()))).collect();
                let Some(fields) = fields else { return give_up("template_params") };
                Some(wechat::TemplateMessage {
                    openid: openid.to_owned(),
                    template_id: t.id.clone(),
                    fields,
                    url: param(m, "link").unwrap_or_default().to_owned(),
                    reference: m.reference.to_string(),
                })
            }
        };
        // A text message carries its link in the text (a template message has a field for it).
        let text = with_link(m);
        let make = |token: &str| match &template {
            Some(t) => wechat::template_call(a, token, t),
            None => wechat::text_call(a, token, openid, &text),
        };
        let fetch = wechat::token_call(a);
        match self.tokens.send(&self.http, &a.token_name(), &fetch, make, wechat::reply).await {
            Outcome::GiveUp { code } if wechat::UNREACHABLE.contains(&code.as_str()) => {
                Sent::Unreachable { code }
            }
            other => other.into(),
        }
    }
}

impl<T: AccessTokens> Gateway for Gateways<T> {
    fn carries(&self, via: Via, topic: &str) -> bool {
        match via {
            Via::Sms => self.sms.as_ref().is_some_and(|s| s.templates.contains_key(topic)),
            Via::WeCom => self.wecom.is_some(),
            Via::WeChat => self.wechat.is_some(),
            Via::Webhook => self.webhooks.is_some() && jiesu_model::webhook::TOPICS.contains(&topic),
            Via::Email => self.email.is_some(),
        }
    }

    fn rate(&self, via: Via) -> Option<u32> {
        match via {
            Via::Sms => self.sms.as_ref().and_then(|s| s.per_second),
            Via::WeCom => self.wecom.as_ref().and_then(|s| s.per_second),
            Via::WeChat => self.wechat.as_ref().and_then(|s| s.per_second),
            Via::Webhook => self.webhooks.as_ref().and_then(|(s, _)| s.per_second),
            Via::Email => self.email.as_ref().and_then(|(s, _)| s.per_second),
        }
    }

    async fn send(&self, message: &Outgoing) -> Sent {
        match (message.via, &self.sms, &self.wecom, &self.wechat) {
            (Via::Sms, Some(s), _, _) => self.sms(s, message).await,
            (Via::WeCom, _, Some(w), _) => self.wecom(w, message).await,
            (Via::WeChat, _, _, Some(w)) => self.wechat(w, message).await,
            (Via::Email, ..) => match (&self.email, &message.to) {
                (Some((_, mailer)), Address::Email(to)) => {
                    mailer.send(to, &message.subject, &with_link(message), message.reference).await.into()
                }
                (Some(_), _) => give_up("not_an_email"),
                (None, _) => give_up("not_carried"),
            },
            (Via::Webhook, ..) => match &self.webhooks {
                Some((w, http)) => self.webhook(w, http, message).await,
                None => give_up("not_carried"),
            },
            _ => give_up("not_carried"),
        }
    }
}
