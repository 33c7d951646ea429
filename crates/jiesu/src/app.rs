//! Wiring: choose the adapters from the settings once, start the roles, run until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiesu_api::{Context, HttpRoles, HttpSettings};
use jiesu_dispatch::{DispatchSettings, Dispatcher};
use jiesu_domain::district::District;
use jiesu_domain::messages::INTAKE_QUEUE;
use jiesu_domain::ports::{Queue, QueueError, Store, StoreError};
use jiesu_intake::ApiKeys;
use jiesu_intake::open311::Open311;
use jiesu_outbox::{Relay, RelaySettings};
use jiesu_queue::{AmqpQueue, AmqpSettings, LocalQueue, LocalSettings};
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore, Synchronous};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::settings::{DatabaseKind, Settings, SqliteSynchronous};

/// What a process does. `serve` runs all of them unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// The channels' submission endpoints (HTTP).
    Intake,
    /// Reading endpoints and, later, the staff and supervisor API (HTTP).
    Api,
    /// The dispatcher: consumes the intake queue.
    Dispatch,
    /// The outbox relay: publishes committed events.
    Relay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    pub intake: bool,
    pub api: bool,
    pub dispatch: bool,
    pub relay: bool,
}

impl Roles {
    pub const ALL: Roles = Roles { intake: true, api: true, dispatch: true, relay: true };

    pub fn from_list(roles: &[Role]) -> Self {
        if roles.is_empty() {
            return Self::ALL;
        }
        Self {
            intake: roles.contains(&Role::Intake),
            api: roles.contains(&Role::Api),
            dispatch: roles.contains(&Role::Dispatch),
            relay: roles.contains(&Role::Relay),
        }
    }

    fn http(self) -> bool {
        self.intake || self.api
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
    /// Opens the backends, declares the queues, binds the listener and starts every role.
    pub async fn build(settings: &Settings, roles: Roles) -> Result<Self, StartError> {
        let district = Arc::new(load_district(&settings.district.dir)?);
        let listener =
            if roles.http() { Some(TcpListener::bind(settings.server.listen).await?) } else { None };
        let addr = listener.as_ref().map(TcpListener::local_addr).transpose()?;
        let mut app = App {
            addr,
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
            grace: settings.grace(),
            _lock: None,
        };
        let kind = settings.database_kind().map_err(StartError::Config)?;
        let amqp = settings.amqp_url().map_err(StartError::Config)?;
        match (kind, amqp) {
            (DatabaseKind::Sqlite, amqp) => {
                let url = settings.database.url.expose_secret();
                app._lock = Some(lock_database_file(url, amqp.is_none())?);
                let pools = open_sqlite(settings).await?;
                let store = SqliteStore::new(pools.clone());
                match amqp {
                    None => {
                        let lease = Duration::from_secs(settings.queue.lease_secs);
                        let queue = LocalQueue::new(
                            pools.writer.clone(),
                            LocalSettings { lease, ..LocalSettings::default() },
                        );
                        // One process per database file (the lock above), so a lease left behind belongs to a
                        // process that died: its messages are delivered again now.
                        let released = queue.release_all_leases().await?;
                        if released > 0 {
                            tracing::warn!(
                                released,
                                "messages held by a process that stopped are delivered again"
                            );
                        }
                        app.start(settings, roles, district, store, queue, listener).await?;
                    }
                    Some(url) => {
                        app.start(
                            settings,
                            roles,
                            district,
                            store,
                            connect_amqp(settings, url).await?,
                            listener,
                        )
                        .await?
                    }
                }
            }
            (DatabaseKind::Postgres, Some(url)) => {
                let store = PgStore::connect(
                    settings.database.url.expose_secret(),
                    &PgSettings {
                        max_connections: settings.database.max_connections,
                        ..PgSettings::default()
                    },
                )
                .await?;
                if settings.database.migrate_on_start {
                    store.migrate().await?;
                }
                app.start(settings, roles, district, store, connect_amqp(settings, url).await?, listener)
                    .await?;
            }
            (DatabaseKind::Postgres, None) => {
                return Err(StartError::Config(
                    "with PostgreSQL, set queue.url to a RabbitMQ URL: the local queue lives in the SQLite file".into(),
                ));
            }
        }
        Ok(app)
    }

    async fn start<S: Store, Q: Queue>(
        &mut self,
        settings: &Settings,
        roles: Roles,
        district: Arc<District>,
        store: S,
        queue: Q,
        listener: Option<TcpListener>,
    ) -> Result<(), StartError> {
        // Declared by everyone who uses it, so no message is ever sent to a queue that is not there.
        queue.declare(INTAKE_QUEUE, &[]).await?;
        if roles.dispatch {
            let settings = DispatchSettings {
                prefetch: settings.queue.prefetch,
                batch: settings.queue.batch,
                ..DispatchSettings::default()
            };
            let dispatcher = Dispatcher::new(store.clone(), queue.clone(), district.clone(), settings);
            let token = self.shutdown.clone();
            let stop_all = self.shutdown.clone();
            self.tracker.spawn(async move {
                if let Err(e) = dispatcher.run(token).await {
                    tracing::error!(error = %e, "the dispatcher stopped; shutting down");
                    stop_all.cancel();
                }
            });
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
            self.tracker.spawn(relay.run(self.shutdown.clone()));
        }
        if let Some(listener) = listener {
            let open311 = Arc::new(Open311 {
                store: store.clone(),
                queue: queue.clone(),
                district: district.clone(),
                keys: ApiKeys::new(store.clone(), Duration::from_secs(settings.open311.key_cache_secs)),
                public_url: settings.server.public_url.clone(),
                changeset: jiesu_domain::time::now(),
            });
            let http = HttpSettings {
                body_limit: settings.server.body_limit,
                request_timeout: Duration::from_secs(settings.server.request_timeout_secs),
            };
            let router = jiesu_api::router(
                Context { store, district, open311 },
                HttpRoles { intake: roles.intake, api: roles.api },
                &http,
            );
            let token = self.shutdown.clone();
            self.tracker.spawn(async move {
                let served = axum::serve(listener, router)
                    .with_graceful_shutdown(token.clone().cancelled_owned())
                    .await;
                if let Err(e) = served {
                    tracing::error!(error = %e, "the HTTP server stopped; shutting down");
                    token.cancel();
                }
            });
        }
        self.tracker.close();
        Ok(())
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

pub fn load_district(dir: &std::path::Path) -> Result<District, jiesu_district::ConfigErrors> {
    if dir.is_dir() {
        return jiesu_district::load_dir(dir);
    }
    tracing::warn!(dir = %dir.display(), "no district folder; using the built-in sample district (SAMPLE DATA)");
    jiesu_district::load(&jiesu_district::sample_sources())
}

async fn open_sqlite(settings: &Settings) -> Result<SqlitePools, StartError> {
    let sqlite = SqliteSettings {
        synchronous: match settings.database.sqlite_synchronous {
            SqliteSynchronous::Full => Synchronous::Full,
            SqliteSynchronous::Normal => Synchronous::Normal,
        },
        ..SqliteSettings::default()
    };
    let pools = SqlitePools::open(settings.database.url.expose_secret(), &sqlite).await?;
    if settings.database.migrate_on_start {
        pools.migrate().await?;
    }
    Ok(pools)
}

async fn connect_amqp(settings: &Settings, url: &str) -> Result<AmqpQueue, StartError> {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "jiesu".into());
    let amqp = AmqpSettings {
        prefix: settings.queue.prefix.clone(),
        connection_name: format!("jiesu@{host}:{}", std::process::id()),
    };
    Ok(AmqpQueue::connect(url, amqp).await?)
}

/// The embedded deployment allows one `serve` per database file: its local queue assumes it. A
/// second one fails at once with a clear message instead of stealing the first one's messages.
fn lock_database_file(url: &str, exclusive: bool) -> Result<std::fs::File, StartError> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = PathBuf::from(path.split('?').next().unwrap_or(path));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let lock_path = path.with_extension("lock");
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path)?;
    let locked = if exclusive { file.try_lock() } else { file.try_lock_shared() };
    match locked {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StartError::Config(format!(
            "another `jiesu serve` is using {} (lock {}); run one per database file",
            path.display(),
            lock_path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}
