//! Wiring: choose the adapters from the settings once, start the roles, run until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use jiesu_channels::ApiKeys;
use jiesu_channels::hotline::Hotline;
use jiesu_channels::open311::Open311;
use jiesu_channels::web::Web;
use jiesu_channels::wechat::crypto::Cipher;
use jiesu_channels::wechat::{Wechat, WechatConfig};
use jiesu_dispatch::{DispatchSettings, Dispatcher};
use jiesu_domain::district::District;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::messages::INTAKE_QUEUE;
use jiesu_domain::ports::{ChannelSessions, Queue, QueueError, StoreError};
use jiesu_media::MediaDir;
use jiesu_outbox::{Relay, RelaySettings};
use jiesu_workflow::RulebookService;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::backends::{FullStore, OpenOptions, UseBackends, with_backends};
use crate::routes::{Context, HttpRoles, HttpSettings};
use crate::settings::Settings;

/// What a process does. `serve` runs all of them unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// The channels' submission endpoints (HTTP).
    Intake,
    /// Reading endpoints, the tracking page and the staff API (HTTP).
    Api,
    /// The dispatcher: consumes the intake queue.
    Dispatch,
    /// The outbox relay: publishes committed events.
    Relay,
    /// The escalation service: opens escalations and calls meetings from events, and walks missed
    /// deadlines' chains.
    Escalation,
    /// The stats keeper: keeps the summary the supervisors' rates are read from.
    Stats,
    /// The notify role: tells citizens and staff what happened, through the configured gateways.
    Notify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    pub intake: bool,
    pub api: bool,
    pub dispatch: bool,
    pub relay: bool,
    pub escalation: bool,
    pub stats: bool,
    pub notify: bool,
}

impl Roles {
    pub const ALL: Roles = Roles {
        intake: true,
        api: true,
        dispatch: true,
        relay: true,
        escalation: true,
        stats: true,
        notify: true,
    };

    pub fn from_list(roles: &[Role]) -> Self {
        if roles.is_empty() {
            return Self::ALL;
        }
        Self {
            intake: roles.contains(&Role::Intake),
            api: roles.contains(&Role::Api),
            dispatch: roles.contains(&Role::Dispatch),
            relay: roles.contains(&Role::Relay),
            escalation: roles.contains(&Role::Escalation),
            stats: roles.contains(&Role::Stats),
            notify: roles.contains(&Role::Notify),
        }
    }

    fn http(self) -> bool {
        self.intake || self.api
    }

    /// What `/readyz` checks: intake must be able to queue (it keeps answering through a database
    /// outage: API keys are cached); every other role must be able to store.
    pub fn ready_checks(self) -> jiesu_api::ops::ReadyChecks {
        jiesu_api::ops::ReadyChecks {
            database: self.api || self.dispatch || self.relay || self.escalation || self.stats || self.notify,
            queue: self.intake,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("district data:\n{0}")]
    District(#[from] jiesu_district::ConfigErrors),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("queue: {0}")]
    Queue(#[from] QueueError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A started application. Dropping it without `run_until` leaves its tasks running until the
/// runtime ends; tests and `main` always call `run_until`.
#[derive(Debug)]
pub struct App {
    addr: Option<SocketAddr>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    grace: Duration,
    _lock: Option<std::fs::File>,
}

impl App {
    /// Runs a queue consumer until shutdown; if it stops on its own (the queue is gone for good),
    /// the whole process shuts down rather than live on without it.
    pub(crate) fn spawn_consumer<F, E>(&self, what: &'static str, run: impl FnOnce(CancellationToken) -> F)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let consumer = run(self.shutdown.clone());
        let stop_all = self.shutdown.clone();
        self.tracker.spawn(async move {
            if let Err(e) = consumer.await {
                tracing::error!(error = %e, "{what} stopped; shutting down");
                stop_all.cancel();
            }
        });
    }

    /// Runs a background task until shutdown.
    pub(crate) fn spawn_task<F>(&self, run: impl FnOnce(CancellationToken) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(run(self.shutdown.clone()));
    }

    /// Opens the backends, declares the queues, binds the listener and starts every role.
    pub async fn build(settings: &Settings, roles: Roles) -> Result<Self, StartError> {
        let district = LiveDistrict::new(load_district(&settings.district.dir)?);
        // A process without HTTP roles serves only the operations routes, and only where told.
        let address = if roles.http() { Some(settings.server.listen) } else { settings.server.ops_listen };
        let listener = match address {
            Some(address) => Some(TcpListener::bind(address).await?),
            None => None,
        };
        let addr = listener.as_ref().map(TcpListener::local_addr).transpose()?;
        let mut app = App {
            addr,
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
            grace: settings.grace(),
            _lock: None,
        };
        let options = OpenOptions { serve: true, migrate: settings.database.migrate_on_start };
        let starter = Starter { app: &mut app, settings, roles, district, listener };
        let ((), lock) = with_backends(settings, options, starter).await?;
        app._lock = lock;
        Ok(app)
    }

    /// Where the HTTP server listens, if this process serves HTTP.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// A handle that stops the application when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Runs until `signal` completes (or a role fails), then stops taking new work and lets the
    /// work in hand finish: HTTP requests in flight are answered, the dispatcher commits and acks
    /// its batch.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        tokio::select! {
            () = signal => tracing::info!("shutting down"),
            () = self.shutdown.cancelled() => {}
        }
        self.shutdown.cancel();
        if tokio::time::timeout(self.grace, self.tracker.wait()).await.is_err() {
            tracing::warn!(grace = ?self.grace, "work still in flight after the grace period; stopping anyway");
        }
        tracing::info!("stopped");
    }
}

/// Starts the roles on whichever backends were chosen.
struct Starter<'a> {
    app: &'a mut App,
    settings: &'a Settings,
    roles: Roles,
    district: LiveDistrict,
    listener: Option<TcpListener>,
}

impl UseBackends for Starter<'_> {
    type Output = ();

    async fn run<S: FullStore, Q: Queue>(self, store: S, queue: Q) -> Result<(), StartError> {
        let Starter { app, settings, roles, district, listener } = self;
        let policy = settings.policy_for(&district.current()).map_err(StartError::Config)?;
        // The district in force is the files plus the rules accepted from coordination meetings,
        // which only the store knows: composed before any role routes a request.
        let rulebook = RulebookService::new(store.clone(), district.clone());
        rulebook.refresh().await?;
        let key = crate::secret::server_key(settings, &store).await?;
        let every = Duration::from_secs(settings.district.reload_secs);
        app.tracker.spawn(crate::reload::watch(
            settings.district.dir.clone(),
            rulebook.clone(),
            every,
            app.shutdown.clone(),
        ));
        // Declared by everyone who uses it, so no message is ever sent to a queue that is not there.
        queue.declare(INTAKE_QUEUE, &[]).await?;
        if roles.dispatch {
            let settings = DispatchSettings {
                prefetch: settings.queue.prefetch,
                batch: settings.queue.batch,
                consumers: settings.queue.consumers,
                ..DispatchSettings::default()
            };
            let dispatcher = Dispatcher::new(store.clone(), queue.clone(), district.clone(), settings);
            app.spawn_consumer("the dispatcher", |token| dispatcher.run(token));
        }
        if roles.escalation {
            let workflow = jiesu_workflow::Workflow::new(store.clone(), district.clone(), policy.clone());
            let escalator = jiesu_escalation::Escalator::new(workflow.clone(), queue.clone(), 50);
            app.spawn_consumer("the escalation consumer", |token| escalator.run(token));
            let hotspots = jiesu_escalation::HotspotTrigger::new(workflow.clone(), queue.clone(), 64);
            app.spawn_consumer("the hotspot trigger", |token| hotspots.run(token));
            let scanner = jiesu_escalation::Scanner::new(
                workflow,
                jiesu_escalation::ScannerSettings {
                    every: Duration::from_secs(settings.escalation.scan_secs.max(1)),
                    ..jiesu_escalation::ScannerSettings::default()
                },
            );
            app.tracker.spawn(scanner.run(app.shutdown.clone()));
        }
        if roles.stats {
            let keeper = jiesu_stats::StatsKeeper::new(store.clone(), district.clone(), queue.clone(), 256);
            app.spawn_consumer("the stats keeper", |token| keeper.run(token));
        }
        if roles.notify {
            let start = crate::notify::NotifyStart {
                settings: &settings.notify,
                district: district.clone(),
                public_url: settings.server.public_url.clone(),
                key: key.clone(),
                prefetch: 256,
            };
            crate::notify::start(app, start, &store, &queue)?;
        }
        if roles.relay {
            let relay = Relay::new(
                store.clone(),
                queue.clone(),
                RelaySettings {
                    batch: settings.outbox.batch,
                    lease: Duration::from_secs(settings.outbox.lease_secs),
                    idle: Duration::from_millis(settings.outbox.idle_ms),
                },
            );
            app.tracker.spawn(relay.run(app.shutdown.clone()));
        }
        let metrics = jiesu_api::ops::Metrics::default();
        metrics.add_counter(
            "jiesu_requests_received_total",
            "Requests a channel accepted (the intake queue confirmed them) since the process started.",
            "channel",
            || {
                let received = jiesu_channels::publish::received().into_iter();
                received.map(|(channel, n)| (channel.as_str().to_owned(), n)).collect()
            },
        );
        if settings.queue.dead_letter_check_secs > 0 {
            let every = Duration::from_secs(settings.queue.dead_letter_check_secs);
            let watch =
                crate::dead_letters::watch(queue.clone(), metrics.clone(), every, app.shutdown.clone());
            app.tracker.spawn(watch);
        }
        if let Some(listener) = listener {
            // One cache of API keys for every channel that takes them.
            let keys =
                Arc::new(ApiKeys::new(store.clone(), Duration::from_secs(settings.open311.key_cache_secs)));
            // 秒回: one knowledge base for the web form and WeChat.
            let answers = crate::answers::load_answers(&settings.district.dir).map_err(StartError::Config)?;
            let answers = jiesu_answers::LiveAnswers::new(answers);
            // With the answers bureaus wrote and the desk approved, now and every minute (the desk
            // may approve one in another process).
            app.tracker.spawn(crate::answers::keep_current(
                store.clone(),
                answers.clone(),
                app.shutdown.clone(),
            ));
            let answers = Some(answers);
            // One photo store: the web form writes it, staff progress notes and WeChat's photos
            // too, and the API serves it.
            let media = MediaDir::new(&settings.web.media_dir);
            let photos = crate::wechat_photos::start(app, settings, &store, &media)?;
            let wechat = wechat_channel(settings, &store, &queue, &district, &key, &answers, photos)?;
            if let Some(w) = &wechat {
                app.tracker.spawn(purge_channel_records(w.store.clone(), app.shutdown.clone()));
            }
            let mut web = Web::new(
                store.clone(),
                queue.clone(),
                district.clone(),
                media.clone(),
                settings.server.public_url.clone(),
                settings.web.max_photo_mb * 1024 * 1024,
                key.clone(),
            );
            web.policy = policy.clone();
            web.attempts = settings.web.attempts(settings.database_kind().map_err(StartError::Config)?);
            web.map = settings.web.map.clone();
            web.answers = answers.clone();
            let web = Arc::new(web);
            let hotline = Arc::new(Hotline {
                store: store.clone(),
                queue: queue.clone(),
                district: district.clone(),
                keys: keys.clone(),
                key: key.clone(),
            });
            let open311 = Arc::new(Open311 {
                store: store.clone(),
                queue: queue.clone(),
                district: district.clone(),
                keys,
                public_url: settings.server.public_url.clone(),
                changeset: jiesu_domain::time::now(),
                key: key.clone(),
            });
            let http = HttpSettings {
                body_limit: settings.server.body_limit,
                request_timeout: Duration::from_secs(settings.server.request_timeout_secs),
                secure_cookies: settings.server.public_url.starts_with("https://"),
                trusted_proxies: settings.auth.trusted_proxies.clone(),
                sms_replies: settings.notify.sms_replies()?,
                webhooks_on: settings.notify.webhooks.enabled,
            };
            let auth = jiesu_auth::Auth::new(store.clone(), settings.auth.to_auth());
            let work = Arc::new(jiesu_api::work::WorkApi {
                workflow: jiesu_workflow::Workflow::new(store.clone(), district.clone(), policy.clone()),
                media: media.clone(),
                public_url: settings.server.public_url.clone(),
                max_photo_bytes: settings.web.max_photo_mb * 1024 * 1024,
                rules: rulebook,
                weights: settings.rates,
                answers,
            });
            let ops = jiesu_api::ops::Ops { queue: queue.clone(), checks: roles.ready_checks(), metrics };
            let router = crate::routes::router(
                Context {
                    store,
                    district,
                    open311,
                    hotline,
                    web,
                    wechat,
                    media,
                    auth,
                    work,
                    ops,
                    key: key.clone(),
                },
                HttpRoles { intake: roles.intake, api: roles.api },
                &http,
            );
            let limits = crate::http::Limits {
                header_read_timeout: Duration::from_secs(settings.server.header_read_timeout_secs.max(1)),
                idle_timeout: Duration::from_secs(settings.server.idle_timeout_secs.max(1)),
                max_connections: crate::http::connection_cap(
                    settings.server.max_connections,
                    settings.database.max_connections,
                ),
            };
            app.tracker.spawn(crate::http::serve(listener, router, limits, app.shutdown.clone()));
        }
        app.tracker.close();
        Ok(())
    }
}

/// The WeChat channel, if the settings configure one (a non-empty token).
fn wechat_channel<S: Clone, Q: Clone>(
    settings: &Settings,
    store: &S,
    queue: &Q,
    district: &LiveDistrict,
    server_key: &jiesu_domain::secret::ServerKey,
    answers: &Option<jiesu_answers::LiveAnswers>,
    photos: Option<jiesu_channels::wechat::photos::Downloads>,
) -> Result<Option<Arc<Wechat<S, Q>>>, StartError> {
    let w = &settings.wechat;
    let token = w.token.expose_secret();
    if token.is_empty() {
        return Ok(None);
    }
    let key = w.encoding_aes_key.expose_secret();
    let cipher = if key.is_empty() {
        None
    } else {
        Some(
            Cipher::new(key, &w.app_id)
                .map_err(|e| StartError::Config(format!("wechat.encoding_aes_key: {e}")))?,
        )
    };
    Ok(Some(Arc::new(Wechat {
        store: store.clone(),
        queue: queue.clone(),
        district: district.clone(),
        config: WechatConfig {
            token: token.to_owned(),
            cipher,
            account: w.account.clone(),
            max_skew: chrono::Duration::seconds(w.max_clock_skew_secs),
            draft_ttl: chrono::Duration::minutes(w.draft_ttl_mins),
            deadline: Duration::from_millis(w.reply_deadline_ms),
        },
        key: server_key.clone(),
        answers: answers.clone(),
        public_url: settings.server.public_url.clone(),
        photos,
    })))
}

/// Replies and nonces only need to outlive WeChat's retries and the allowed clock skew: keep a
/// day, purge hourly.
async fn purge_channel_records<S: ChannelSessions>(store: S, shutdown: CancellationToken) {
    loop {
        let before = jiesu_domain::time::now() - chrono::Duration::days(1);
        match store.purge_channel_records(before).await {
            Ok(n) if n > 0 => tracing::debug!(purged = n, "old channel records purged"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot purge old channel records"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}

pub fn load_district(dir: &std::path::Path) -> Result<District, jiesu_district::ConfigErrors> {
    if dir.is_dir() {
        return jiesu_district::load_dir(dir);
    }
    tracing::warn!(dir = %dir.display(), "no district folder; using the built-in sample district (SAMPLE DATA)");
    jiesu_district::load(&jiesu_district::sample_sources())
}
