//! The notify role's settings (`[notify]`) and its start: the recording consumer on the `notify`
//! queue and the sender, with the gateways the settings configure.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveTime;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{AccessTokens, Cases, Notifications, Queue, Store, Webhooks};
use jiesu_domain::secret::ServerKey;
use jiesu_notifier::{Links, QuietHours, Recorder, Sender, SenderSettings};
use jiesu_notify::email::{EmailAccount, Security};
use jiesu_notify::gateways::{
    EmailSettings, Gateways, SmsAccount, SmsSettings, Template, WeChatSettings, WeChatTemplate,
    WeComSettings, WebhookSettings,
};
use jiesu_notify::platform::wecom::Recipients;
use jiesu_notify::platform::{wechat, wecom};
use jiesu_notify::sms::replies::Provider;
use jiesu_notify::sms::{alibaba, tencent};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::app::{App, StartError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    pub quiet_start: String,
    pub quiet_end: String,
    pub batch: u32,
    pub concurrency: usize,
    pub batches: usize,
    pub lease_secs: u64,
    pub retry_first_secs: u64,
    pub retry_max_secs: u64,
    pub max_attempts: u32,
    pub email: EmailConfig,
    pub webhooks: WebhooksConfig,
    pub sms: SmsConfig,
    pub wecom: WeComConfig,
    pub wechat: WeChatConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    pub security: String,
    pub username: String,
    pub password: SecretString,
    pub from: String,
    pub per_second: u32,
    pub digest_at: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    pub enabled: bool,
    pub allow_private: bool,
    pub per_second: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeComConfig {
    pub endpoint: String,
    pub corp_id: String,
    pub secret: SecretString,
    pub agent_id: i64,
    pub per_second: u32,
    pub duplicate_check_secs: u32,
    /// By audience key; TOML keys with a colon are quoted (`"bureau:pingshan-water"`).
    pub to: BTreeMap<String, RecipientsConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecipientsConfig {
    #[serde(deserialize_with = "text")]
    pub users: String,
    #[serde(deserialize_with = "text")]
    pub parties: String,
    #[serde(deserialize_with = "text")]
    pub tags: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeChatConfig {
    pub endpoint: String,
    pub app_id: String,
    pub secret: SecretString,
    pub per_second: u32,
    /// By topic key: the template's id and its fields, each naming the variable it shows.
    pub templates: BTreeMap<String, WeChatTemplateConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeChatTemplateConfig {
    pub id: String,
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    pub provider: String,
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    pub sign_name: String,
    #[serde(deserialize_with = "text")]
    pub sdk_app_id: String,
    pub region: String,
    pub per_second: u32,
    /// The key in the reply callback's URL (`/notify/sms/replies?key=`); empty: no endpoint.
    pub reply_key: SecretString,
    pub templates: BTreeMap<String, TemplateConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    /// A string, though Tencent's are digits (`1110`), which an environment variable would
    /// otherwise give as a number.
    #[serde(deserialize_with = "text")]
    pub code: String,
    pub params: Vec<String>,
}

/// A string, or a number written as one.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        S(String),
        N(u64),
    }
    Ok(match Text::deserialize(d)? {
        Text::S(s) => s,
        Text::N(n) => n.to_string(),
    })
}

/// The variables a message offers a template.
const PARAMS: [&str; 5] = ["number", "link", "bureau", "time", "status"];

/// Checks that `topic` is a notice and `params` are variables a message offers.
fn check_template<'p>(
    section: &str,
    topic: &str,
    params: impl IntoIterator<Item = &'p String>,
) -> Result<(), StartError> {
    let bad = |what: String| StartError::Config(format!("{section}.templates.{topic}: {what}"));
    if !jiesu_domain::notices::Topic::KEYS.contains(&topic) {
        return Err(bad("no such notice".to_owned()));
    }
    match params.into_iter().find(|p| !PARAMS.contains(&p.as_str())) {
        Some(p) => Err(bad(format!("`{p}` is not one of {}", PARAMS.join(", ")))),
        None => Ok(()),
    }
}

/// The platform's address: the configured one, else its own.
fn endpoint_or(configured: &str, default: &str) -> String {
    if configured.is_empty() { default.to_owned() } else { configured.to_owned() }
}

impl NotifySettings {
    /// Every problem `serve` would stop at, each in words (`check-config` lists them all).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut note = |r: Result<(), StartError>| {
            if let Err(e) = r {
                out.push(e.to_string());
            }
        };
        note(self.quiet().map(drop));
        note(self.sender().map(drop));
        note(self.sms().map(drop));
        note(self.sms_replies().map(drop));
        note(self.wecom().map(drop));
        note(self.wechat().map(drop));
        note(self.digest_at().map(drop));
        // The sender's address must parse as the mailer reads it.
        note(self.email().and_then(|e| match e {
            Some(e) => jiesu_notify::email::Mailer::new(&e.account).map(drop).map_err(StartError::Config),
            None => Ok(()),
        }));
        out
    }

    fn quiet(&self) -> Result<QuietHours, StartError> {
        let time = |key: &str, raw: &str| {
            NaiveTime::parse_from_str(raw, "%H:%M")
                .map_err(|_| StartError::Config(format!("notify.{key}: `{raw}` is not a time like 22:00")))
        };
        Ok(QuietHours {
            start: time("quiet_start", &self.quiet_start)?,
            end: time("quiet_end", &self.quiet_end)?,
        })
    }

    pub fn sender(&self) -> Result<SenderSettings, StartError> {
        Ok(SenderSettings {
            batch: self.batch.max(1),
            concurrency: self.concurrency.max(1),
            batches: self.batches.max(1),
            lease: Duration::from_secs(self.lease_secs.max(1)),
            retry_first: Duration::from_secs(self.retry_first_secs),
            retry_max: Duration::from_secs(self.retry_max_secs.max(self.retry_first_secs)),
            max_attempts: self.max_attempts.max(1),
            quiet: self.quiet()?,
            ..SenderSettings::default()
        })
    }

    /// The configured SMS account, if any; a provider that is named but incomplete is an error,
    /// not a silence.
    pub fn sms(&self) -> Result<Option<SmsSettings>, StartError> {
        let c = &self.sms;
        let bad = |what: String| StartError::Config(format!("notify.sms: {what}"));
        let endpoint = |default: &str| endpoint_or(&c.endpoint, default);
        let secret = c.access_key_secret.expose_secret().to_owned();
        let account = match c.provider.as_str() {
            "" => return Ok(None),
            "alibaba" => SmsAccount::Alibaba(alibaba::Account {
                endpoint: endpoint("https://dysmsapi.aliyuncs.com"),
                access_key_id: c.access_key_id.clone(),
                access_key_secret: secret,
                sign_name: c.sign_name.clone(),
            }),
            "tencent" => SmsAccount::Tencent(tencent::Account {
                endpoint: endpoint("https://sms.tencentcloudapi.com"),
                secret_id: c.access_key_id.clone(),
                secret_key: secret,
                sdk_app_id: c.sdk_app_id.clone(),
                sign_name: c.sign_name.clone(),
                region: c.region.clone(),
            }),
            other => return Err(bad(format!("provider `{other}` is not alibaba, tencent or empty"))),
        };
        let needed = [
            ("access_key_id", c.access_key_id.is_empty()),
            ("access_key_secret", c.access_key_secret.expose_secret().is_empty()),
            ("sign_name", c.sign_name.is_empty()),
            ("sdk_app_id", c.provider == "tencent" && c.sdk_app_id.is_empty()),
        ];
        if let Some((key, _)) = needed.iter().find(|(_, missing)| *missing) {
            return Err(bad(format!("{key} is required with provider `{}`", c.provider)));
        }
        let mut templates = BTreeMap::new();
        for (topic, t) in &c.templates {
            check_template("notify.sms", topic, &t.params)?;
            templates.insert(topic.clone(), Template { code: t.code.clone(), params: t.params.clone() });
        }
        Ok(Some(SmsSettings { account, templates, per_second: (c.per_second > 0).then_some(c.per_second) }))
    }
}

impl NotifySettings {
    /// Where citizens' SMS replies are taken (TD: no more messages): the provider's format and
    /// the callback URL's key, when both are set.
    pub fn sms_replies(&self) -> Result<Option<(Provider, String)>, StartError> {
        let key = self.sms.reply_key.expose_secret();
        if key.is_empty() {
            return Ok(None);
        }
        if key.len() < 16 {
            return Err(StartError::Config("notify.sms.reply_key: at least 16 characters".to_owned()));
        }
        let provider = match self.sms.provider.as_str() {
            "alibaba" => Provider::Alibaba,
            "tencent" => Provider::Tencent,
            _ => return Err(StartError::Config("notify.sms.reply_key needs a provider".to_owned())),
        };
        Ok(Some((provider, key.to_owned())))
    }

    /// The configured 企业微信 application, if any (an empty `corp_id`: none).
    pub fn wecom(&self) -> Result<Option<WeComSettings>, StartError> {
        let c = &self.wecom;
        if c.corp_id.is_empty() {
            return Ok(None);
        }
        let bad = |what: String| StartError::Config(format!("notify.wecom: {what}"));
        if c.secret.expose_secret().is_empty() || c.agent_id == 0 {
            return Err(bad("secret and agent_id are required with a corp_id".to_owned()));
        }
        let mut to = BTreeMap::new();
        for (audience, r) in &c.to {
            if jiesu_domain::notices::Audience::parse(audience).is_none() {
                return Err(bad(format!(
                    "to.\"{audience}\": not bureau:<code>, bureau_admins:<code>, supervisors or desk"
                )));
            }
            let r = Recipients { users: r.users.clone(), parties: r.parties.clone(), tags: r.tags.clone() };
            to.insert(audience.clone(), r);
        }
        Ok(Some(WeComSettings {
            account: wecom::Account {
                endpoint: endpoint_or(&c.endpoint, "https://qyapi.weixin.qq.com"),
                corp_id: c.corp_id.clone(),
                secret: c.secret.expose_secret().to_owned(),
                agent_id: c.agent_id,
            },
            to,
            duplicate_check_secs: c.duplicate_check_secs,
            per_second: (c.per_second > 0).then_some(c.per_second),
        }))
    }

    /// The configured official account, if any (an empty `app_id`: none).
    pub fn email(&self) -> Result<Option<EmailSettings>, StartError> {
        let e = &self.email;
        if e.host.is_empty() {
            return Ok(None);
        }
        let bad = |what: &str| StartError::Config(format!("notify.email.{what}"));
        let security = Security::parse(&e.security).ok_or_else(|| bad("security: starttls, tls or none"))?;
        if e.from.is_empty() {
            return Err(bad("from: the sender's address, e.g. \"接诉即办 <notices@pingshan.gov.cn>\""));
        }
        let account = EmailAccount {
            host: e.host.clone(),
            port: e.port,
            security,
            username: e.username.clone(),
            password: e.password.expose_secret().to_owned(),
            from: e.from.clone(),
        };
        Ok(Some(EmailSettings { account, per_second: (e.per_second > 0).then_some(e.per_second) }))
    }

    /// When the daily digests go.
    pub fn digest_at(&self) -> Result<NaiveTime, StartError> {
        NaiveTime::parse_from_str(&self.email.digest_at, "%H:%M")
            .map_err(|_| StartError::Config("notify.email.digest_at: a time such as \"08:30\"".to_owned()))
    }

    pub fn webhooks(&self) -> Option<WebhookSettings> {
        let w = &self.webhooks;
        w.enabled.then(|| WebhookSettings {
            allow_private: w.allow_private,
            per_second: (w.per_second > 0).then_some(w.per_second),
        })
    }

    pub fn wechat(&self) -> Result<Option<WeChatSettings>, StartError> {
        let c = &self.wechat;
        if c.app_id.is_empty() {
            return Ok(None);
        }
        if c.secret.expose_secret().is_empty() {
            return Err(StartError::Config("notify.wechat: secret is required with an app_id".to_owned()));
        }
        let mut templates = BTreeMap::new();
        for (topic, t) in &c.templates {
            check_template("notify.wechat", topic, t.fields.values())?;
            let fields = t.fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            templates.insert(topic.clone(), WeChatTemplate { id: t.id.clone(), fields });
        }
        Ok(Some(WeChatSettings {
            account: wechat::Account {
                endpoint: endpoint_or(&c.endpoint, "https://api.weixin.qq.com"),
                app_id: c.app_id.clone(),
                secret: c.secret.expose_secret().to_owned(),
            },
            templates,
            per_second: (c.per_second > 0).then_some(c.per_second),
        }))
    }
}

/// What the notify role needs besides the store and the queue.
#[derive(Debug)]
pub struct NotifyStart<'a> {
    pub settings: &'a NotifySettings,
    pub district: LiveDistrict,
    pub public_url: String,
    pub key: ServerKey,
    pub prefetch: u16,
}

/// Starts the recording consumer and the sender.
pub fn start<S, Q>(app: &App, s: NotifyStart<'_>, store: &S, queue: &Q) -> Result<(), StartError>
where
    S: Store + Cases + Notifications + AccessTokens + Webhooks,
    Q: Queue,
{
    let http = |e: jiesu_notify::send::HttpError| {
        StartError::Config(format!("notify: cannot build the HTTP client: {e}"))
    };
    let gateways = Gateways::new(store.clone())
        .map_err(http)?
        .with_sms(s.settings.sms()?)
        .with_wecom(s.settings.wecom()?)
        .with_wechat(s.settings.wechat()?)
        .with_webhooks(s.settings.webhooks())
        .map_err(http)?
        .with_email(s.settings.email()?)
        .map_err(StartError::Config)?;
    let carried = jiesu_notifier::carried(&gateways);
    if carried.is_empty() {
        // Nothing could be sent: no queue is declared, so no events pile up for nobody.
        tracing::info!("no notification gateway is configured: nobody will be notified");
        return Ok(());
    }
    if s.public_url.is_empty() {
        tracing::warn!("server.public_url is not set: the links in notices lead nowhere");
    }
    let quiet = s.settings.quiet()?;
    let recorder = Recorder::new(store.clone(), queue.clone(), quiet, carried, s.prefetch)
        .with_digest_at(s.settings.digest_at()?);
    app.spawn_consumer("the notification recorder", |token| recorder.run(token));
    let links = Links { public_url: s.public_url, key: s.key };
    let sender = Sender::new(store.clone(), gateways, s.district, links, s.settings.sender()?);
    app.spawn_task(|token| sender.run(token));
    Ok(())
}
