//! The notify role's settings (`[notify]`) and its start: the recording consumer on the `notify`
//! queue and the sender, with the gateways the settings configure.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveTime;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{Cases, Notifications, Queue, Store};
use jiesu_domain::secret::ServerKey;
use jiesu_notifier::{Links, QuietHours, Recorder, Sender, SenderSettings};
use jiesu_notify::gateways::{Gateways, SmsAccount, SmsSettings, Template};
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
    pub lease_secs: u64,
    pub retry_first_secs: u64,
    pub retry_max_secs: u64,
    pub max_attempts: u32,
    pub sms: SmsConfig,
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
const PARAMS: [&str; 4] = ["number", "link", "bureau", "time"];

impl NotifySettings {
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
        let endpoint =
            |default: &str| if c.endpoint.is_empty() { default.to_owned() } else { c.endpoint.clone() };
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
            if !jiesu_domain::notices::Topic::KEYS.contains(&topic.as_str()) {
                return Err(bad(format!("templates.{topic}: no such notice")));
            }
            if let Some(p) = t.params.iter().find(|p| !PARAMS.contains(&p.as_str())) {
                return Err(bad(format!("templates.{topic}: `{p}` is not one of {}", PARAMS.join(", "))));
            }
            templates.insert(topic.clone(), Template { code: t.code.clone(), params: t.params.clone() });
        }
        Ok(Some(SmsSettings { account, templates, per_second: (c.per_second > 0).then_some(c.per_second) }))
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
    S: Store + Cases + Notifications,
    Q: Queue,
{
    let gateways = Gateways::new(s.settings.sms()?)
        .map_err(|e| StartError::Config(format!("notify: cannot build the HTTP client: {e}")))?;
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
    let recorder = Recorder::new(store.clone(), queue.clone(), quiet, carried, s.prefetch);
    app.spawn_consumer("the notification recorder", |token| recorder.run(token));
    let links = Links { public_url: s.public_url, key: s.key };
    let sender = Sender::new(store.clone(), gateways, s.district, links, s.settings.sender()?);
    app.spawn_task(|token| sender.run(token));
    Ok(())
}
