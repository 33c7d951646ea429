//! Layered, typed settings: the compiled-in `config/default.toml`, then `config/default.toml` in
//! the working directory if there is one, then the `--config` file, then `JIESU__SECTION__KEY`
//! environment variables. Unknown keys are errors (a typo must not be silently ignored), and URLs
//! that may carry passwords are secrets that `Debug` does not print.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The defaults, compiled in so the binary runs from any directory.
pub const DEFAULTS: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: Server,
    pub database: Database,
    pub queue: QueueSettings,
    pub outbox: Outbox,
    pub district: DistrictSettings,
    pub open311: Open311Settings,
    pub web: WebSettings,
    pub wechat: WechatSettings,
    pub workflow: WorkflowSettings,
    pub escalation: EscalationSettings,
    /// How the rates weigh their parts.
    pub rates: jiesu_domain::rates::Weights,
    pub auth: AuthSettings,
    pub log: Log,
    pub security: SecuritySettings,
    pub notify: crate::notify::NotifySettings,
}

/// The server's own secrets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    /// The key tracking numbers and return-visit links are derived with (HMAC-SHA256). Empty: one
    /// generated on first start and kept in the database, which every process shares.
    pub tracking_secret: SecretString,
}

/// Staff sign-in: how long a session lasts, when failed logins lock an account for one client
/// address, the login throttles, and the bound on password hashing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub token_ttl_hours: u32,
    pub max_failures: u32,
    pub lockout_mins: u32,
    pub per_address_per_minute: u32,
    pub per_username_per_minute: u32,
    pub hash_concurrency: usize,
    pub hash_wait_ms: u64,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl AuthSettings {
    pub fn to_auth(&self) -> jiesu_auth::AuthSettings {
        jiesu_auth::AuthSettings {
            token_ttl: chrono::Duration::hours(i64::from(self.token_ttl_hours.max(1))),
            lockout: jiesu_domain::ports::LockoutPolicy {
                // Zero would lock on the first failure; one is the strictest meaningful limit.
                max_failures: self.max_failures.max(1),
                duration: chrono::Duration::minutes(i64::from(self.lockout_mins)),
            },
            throttle: jiesu_auth::ThrottleSettings {
                per_address_per_minute: self.per_address_per_minute,
                per_username_per_minute: self.per_username_per_minute,
            },
            hash_concurrency: self.hash_concurrency,
            hash_wait: Duration::from_millis(self.hash_wait_ms),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSettings {
    /// `automatic`: a disclaimed lead goes to the next candidate at once; `operator`: the dispatch
    /// desk accepts or rejects each lead's disclaim first.
    pub disclaim_review: jiesu_domain::workflow::DisclaimReview,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    pub media_dir: PathBuf,
    pub max_photo_mb: usize,
    pub track_failures_per_number: u32,
    pub track_failures_per_address: u32,
    pub track_window_mins: u64,
    /// Tiles under the report form's map (none: the district's outlines alone).
    #[serde(default)]
    pub map: jiesu_channels::web::MapTiles,
}

impl WebSettings {
    /// The tracking page's limits; shared through the store on PostgreSQL, where several intake
    /// processes may serve.
    pub fn attempts(&self, database: DatabaseKind) -> jiesu_channels::web::Attempts {
        use jiesu_channels::web::{AttemptLimits, Attempts};
        let limits = AttemptLimits {
            per_number: self.track_failures_per_number.max(1),
            per_address: self.track_failures_per_address.max(1),
            window: Duration::from_secs(self.track_window_mins.max(1) * 60),
            ..AttemptLimits::default()
        };
        match database {
            DatabaseKind::Postgres => Attempts::shared(limits),
            DatabaseKind::Sqlite => Attempts::new(limits),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatSettings {
    pub token: SecretString,
    pub encoding_aes_key: SecretString,
    pub app_id: String,
    pub account: String,
    pub max_clock_skew_secs: i64,
    pub draft_ttl_mins: i64,
    pub reply_deadline_ms: u64,
    /// The account's AppSecret: with it (and `app_id`), photos are downloaded through the media
    /// API into the photo store; without, a request keeps WeChat's temporary photo links.
    pub app_secret: SecretString,
    /// The WeChat API's base URL (empty: `https://api.weixin.qq.com`).
    pub api_endpoint: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub listen: SocketAddr,
    pub body_limit: usize,
    pub request_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
    pub public_url: String,
    /// A request's head must arrive within this many seconds (slow-header clients).
    pub header_read_timeout_secs: u64,
    /// A kept-alive connection with nothing in flight is closed after this many seconds.
    pub idle_timeout_secs: u64,
    /// Connections open at once; lowered at start-up to fit under the open-file limit.
    pub max_connections: usize,
    /// Where a process without an HTTP role (`--role dispatch`, `relay`, `escalation`) serves
    /// `/healthz`, `/readyz` and `/metrics`; unset, it serves nothing. (Not `listen`: processes
    /// on one host would fight over it.)
    #[serde(default)]
    pub ops_listen: Option<SocketAddr>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    pub url: SecretString,
    pub max_connections: u32,
    pub sqlite_synchronous: SqliteSynchronous,
    pub migrate_on_start: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    Full,
    Normal,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSettings {
    pub url: SecretString,
    pub prefix: String,
    pub prefetch: u16,
    pub batch: usize,
    /// Dispatcher consumers, each with its own batches and transactions.
    pub consumers: usize,
    pub lease_secs: u64,
    /// How often the dead-letter queues are counted (metric, WARN line); 0: never.
    pub dead_letter_check_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outbox {
    pub batch: u32,
    pub lease_secs: u64,
    pub idle_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictSettings {
    pub dir: PathBuf,
    /// How often the folder is checked for changes (0: only SIGHUP reloads).
    pub reload_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Open311Settings {
    pub key_cache_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    pub filter: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationSettings {
    pub ping_pong_after: u32,
    pub convener: String,
    pub first_meeting_level: MeetingLevel,
    pub meeting_slots: Vec<String>,
    pub meeting_notice: String,
    pub meeting_within_days: u32,
    pub decide_within: String,
    pub reminder_grace: String,
    pub deadline_meeting: bool,
    pub scan_secs: u64,
    pub hotspot: HotspotSettings,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MeetingLevel {
    District,
    Street,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotspotSettings {
    pub min_requests: u32,
    pub radius_m: f64,
    pub days: u32,
}

impl EscalationSettings {
    /// The policy these settings describe; every problem is named by its key.
    pub fn policy(&self) -> Result<jiesu_domain::escalation::EscalationPolicy, String> {
        use jiesu_domain::sla::Limit;
        let limit = |key: &str, raw: &str| Limit::parse(raw).map_err(|e| format!("escalation.{key}: {e}"));
        let mut slots = Vec::new();
        for s in &self.meeting_slots {
            slots.push(
                chrono::NaiveTime::parse_from_str(s, "%H:%M")
                    .map_err(|_| format!("escalation.meeting_slots: `{s}` is not HH:MM"))?,
            );
        }
        if slots.is_empty() {
            return Err("escalation.meeting_slots: give at least one time".into());
        }
        let convener = match self.convener.trim() {
            "" => None,
            c => Some(
                jiesu_domain::bureau::BureauCode::parse(c)
                    .map_err(|e| format!("escalation.convener: {e}"))?,
            ),
        };
        let h = &self.hotspot;
        // A radius that is not a positive distance (or a window of no days) would silently find
        // no neighbours: the trigger would look on and never fire.
        if h.min_requests > 0 && !(h.radius_m.is_finite() && h.radius_m > 0.0) {
            return Err(format!(
                "escalation.hotspot.radius_m: `{}` is not a distance in metres above 0",
                h.radius_m
            ));
        }
        if h.min_requests > 0 && h.days == 0 {
            return Err(
                "escalation.hotspot.days: give at least 1 (or min_requests = 0 to turn hotspots off)".into(),
            );
        }
        Ok(jiesu_domain::escalation::EscalationPolicy {
            ping_pong_after: self.ping_pong_after,
            convener,
            first_meeting_level: match self.first_meeting_level {
                MeetingLevel::District => jiesu_domain::area::AreaLevel::District,
                MeetingLevel::Street => jiesu_domain::area::AreaLevel::Street,
            },
            meeting_slots: slots,
            meeting_notice: limit("meeting_notice", &self.meeting_notice)?,
            meeting_within_days: self.meeting_within_days,
            decide_within: limit("decide_within", &self.decide_within)?,
            reminder_grace: limit("reminder_grace", &self.reminder_grace)?,
            deadline_meeting: self.deadline_meeting,
            hotspot: jiesu_domain::escalation::HotspotPolicy {
                min_requests: self.hotspot.min_requests,
                radius_m: self.hotspot.radius_m,
                days: self.hotspot.days,
            },
        })
    }
}

impl Settings {
    /// What the district decided about its workflow and its escalations.
    pub fn policy(&self) -> Result<jiesu_domain::workflow::Policy, String> {
        Ok(jiesu_domain::workflow::Policy {
            disclaim_review: self.workflow.disclaim_review,
            escalation: self.escalation.policy()?,
        })
    }

    /// The policy, checked against the district it will run on: a convener the district does not
    /// have would call meetings nobody can run.
    pub fn policy_for(
        &self,
        district: &jiesu_domain::district::District,
    ) -> Result<jiesu_domain::workflow::Policy, String> {
        let policy = self.policy()?;
        if let Some(c) = &policy.escalation.convener
            && district.bureau(c).is_none()
        {
            return Err(format!("escalation.convener: `{c}` is not a bureau of the district (bureaus.toml)"));
        }
        Ok(policy)
    }
}

/// Which database the URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the config file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("{0}")]
    Invalid(Box<figment::Error>),
}

impl Settings {
    /// Every layer, for `serve` and the other commands.
    pub fn load(config_file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::from_figment(Self::figment(config_file)?)
    }

    pub fn figment(config_file: Option<&Path>) -> Result<Figment, SettingsError> {
        let mut f = Figment::from(Toml::string(DEFAULTS));
        let local = Path::new("config/default.toml");
        if local.is_file() {
            f = f.merge(Toml::file_exact(local));
        }
        if let Some(path) = config_file {
            if !path.is_file() {
                return Err(SettingsError::MissingFile(path.to_owned()));
            }
            f = f.merge(Toml::file_exact(path));
        }
        Ok(f.merge(Env::prefixed("JIESU__").split("__")))
    }

    pub fn from_figment(f: Figment) -> Result<Self, SettingsError> {
        f.extract().map_err(|e| SettingsError::Invalid(Box::new(e)))
    }

    /// The compiled-in defaults alone: what tests start from.
    pub fn defaults() -> Self {
        Self::from_figment(Figment::from(Toml::string(DEFAULTS)))
            .unwrap_or_else(|e| panic!("built-in defaults: {e}"))
    }

    pub fn database_kind(&self) -> Result<DatabaseKind, String> {
        let url = self.database.url.expose_secret();
        if url.starts_with("sqlite:") {
            Ok(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseKind::Postgres)
        } else {
            Err("database.url must start with sqlite: or postgres://".into())
        }
    }

    /// The RabbitMQ URL, or `None` for the local queue.
    pub fn amqp_url(&self) -> Result<Option<&str>, String> {
        match self.queue.url.expose_secret().trim() {
            "" => Ok(None),
            url if url.starts_with("amqp://") || url.starts_with("amqps://") => Ok(Some(url)),
            _ => Err("queue.url must be empty (local queue) or start with amqp:// or amqps://".into()),
        }
    }

    pub fn grace(&self) -> Duration {
        Duration::from_secs(self.server.shutdown_grace_secs)
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment's own (large) error
mod tests {
    use figment::Jail;

    use super::*;

    #[test]
    fn with_no_configuration_it_is_sqlite_the_local_queue_and_localhost_8080() {
        let s = Settings::defaults();
        assert_eq!(s.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_kind(), Ok(DatabaseKind::Sqlite));
        assert_eq!(s.database.url.expose_secret(), "sqlite://var/jiesu.sqlite");
        assert_eq!(s.amqp_url(), Ok(None));
    }

    #[test]
    fn staff_sessions_last_12_hours_and_5_failures_lock_for_15_minutes() {
        let auth = Settings::defaults().auth.to_auth();
        assert_eq!(auth.token_ttl, chrono::Duration::hours(12));
        assert_eq!(auth.lockout.max_failures, 5);
        assert_eq!(auth.lockout.duration, chrono::Duration::minutes(15));
    }

    #[test]
    fn logins_are_throttled_per_address_below_per_username_and_no_proxy_is_trusted() {
        let s = Settings::defaults();
        let auth = s.auth.to_auth();
        assert_eq!(auth.throttle.per_address_per_minute, 10);
        assert_eq!(auth.throttle.per_username_per_minute, 30);
        assert!(
            auth.throttle.per_address_per_minute < auth.throttle.per_username_per_minute,
            "one address alone must not be able to use up a username's quota"
        );
        assert_eq!(auth.hash_concurrency, 0, "one hash per core");
        assert!(s.auth.trusted_proxies.is_empty(), "X-Forwarded-For is never believed by default");
    }

    #[test]
    fn a_file_then_the_environment_override_the_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file("site.toml", "[server]\nlisten = \"0.0.0.0:9000\"\n[queue]\nprefetch = 50\n")?;
            jail.set_env("JIESU__QUEUE__PREFETCH", "75");
            // A password no setting's name contains (`security.tracking_secret` prints as a name).
            jail.set_env("JIESU__DATABASE__URL", "postgres://jiesu:hunter2@db/jiesu");
            let s = Settings::load(Some(Path::new("site.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(s.server.listen.to_string(), "0.0.0.0:9000");
            assert_eq!(s.queue.prefetch, 75, "the environment wins over the file");
            assert_eq!(s.database_kind(), Ok(DatabaseKind::Postgres));
            assert!(!format!("{s:?}").contains("hunter2"), "passwords in URLs are not printed");
            Ok(())
        });
    }

    #[test]
    fn a_hotspot_radius_or_window_that_finds_nothing_is_refused() {
        let mut s = Settings::defaults();
        assert_eq!(s.escalation.policy().map(|p| p.hotspot.min_requests), Ok(5));
        s.escalation.hotspot.radius_m = 0.0;
        assert!(s.escalation.policy().is_err_and(|e| e.starts_with("escalation.hotspot.radius_m")));
        s.escalation.hotspot.radius_m = 200.0;
        s.escalation.hotspot.days = 0;
        assert!(s.escalation.policy().is_err_and(|e| e.starts_with("escalation.hotspot.days")));
        s.escalation.hotspot.min_requests = 0;
        assert!(s.escalation.policy().is_ok(), "switched off, the rest does not matter");
    }

    #[test]
    fn unknown_keys_and_missing_files_are_errors() {
        Jail::expect_with(|jail| {
            jail.create_file("typo.toml", "[server]\nlisten_on = \"0.0.0.0:9000\"\n")?;
            let e = Settings::load(Some(Path::new("typo.toml"))).expect_err("unknown key");
            assert!(e.to_string().contains("listen_on"), "{e}");
            assert!(matches!(
                Settings::load(Some(Path::new("nope.toml"))),
                Err(SettingsError::MissingFile(_))
            ));
            Ok(())
        });
    }
}
