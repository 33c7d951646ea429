//! Choosing the adapters: the settings name one store and one queue, chosen here and nowhere else.
//! Code that needs them implements `UseBackends` and runs generic over whichever were chosen
//! (`App::build` for `serve`, the CLI for `import`).

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use jiesu_domain::ports::{
    AccessTokens, Accounts, AnswerBook, Cases, ChannelSessions, Escalations, Notifications, PendingPhotos,
    Queue, RuleBook, Stats, Store, Webhooks,
};
use jiesu_queue::{AmqpQueue, AmqpSettings, LocalQueue, LocalSettings};
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore, Synchronous};
use secrecy::ExposeSecret;

use crate::app::StartError;
use crate::settings::{DatabaseKind, Settings, SqliteSynchronous};

/// Every port the binary's roles use: what both stores implement, named once.
pub trait FullStore:
    Store
    + ChannelSessions
    + Cases
    + Accounts
    + Escalations
    + RuleBook
    + Stats
    + Notifications
    + AccessTokens
    + Webhooks
    + AnswerBook
    + PendingPhotos
{
}

impl<T> FullStore for T where
    T: Store
        + ChannelSessions
        + Cases
        + Accounts
        + Escalations
        + RuleBook
        + Stats
        + Notifications
        + AccessTokens
        + Webhooks
        + AnswerBook
        + PendingPhotos
{
}

/// What to do with the store and queue once they are open.
pub trait UseBackends {
    type Output;
    fn run<S: FullStore, Q: Queue>(
        self,
        store: S,
        queue: Q,
    ) -> impl Future<Output = Result<Self::Output, StartError>>;
}

#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    /// `jiesu serve`: the embedded deployment allows one per database file, so take its lock,
    /// and release queue leases a killed predecessor left behind.
    pub serve: bool,
    pub migrate: bool,
}

/// The store alone, for commands that need no queue (`api-key add`, `migrate`).
#[derive(Debug)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

pub async fn open_store(settings: &Settings, migrate: bool) -> Result<AnyStore, StartError> {
    let url = settings.database.url.expose_secret();
    match settings.database_kind().map_err(StartError::Config)? {
        DatabaseKind::Sqlite => {
            let sqlite = SqliteSettings {
                synchronous: match settings.database.sqlite_synchronous {
                    SqliteSynchronous::Full => Synchronous::Full,
                    SqliteSynchronous::Normal => Synchronous::Normal,
                },
                ..SqliteSettings::default()
            };
            let pools = SqlitePools::open(url, &sqlite).await?;
            if migrate {
                pools.migrate().await?;
            }
            Ok(AnyStore::Sqlite(SqliteStore::new(pools)))
        }
        DatabaseKind::Postgres => {
            let pg =
                PgSettings { max_connections: settings.database.max_connections, ..PgSettings::default() };
            let store = PgStore::connect(url, &pg).await?;
            if migrate {
                store.migrate().await?;
            }
            Ok(AnyStore::Postgres(store))
        }
    }
}

/// Opens the store and queue the settings name and runs `user` with them. With `serve`, also
/// returns the database lock file, which must stay open as long as the process serves.
pub async fn with_backends<U: UseBackends>(
    settings: &Settings,
    options: OpenOptions,
    user: U,
) -> Result<(U::Output, Option<std::fs::File>), StartError> {
    let amqp = settings.amqp_url().map_err(StartError::Config)?;
    let lock = match settings.database_kind().map_err(StartError::Config)? {
        DatabaseKind::Sqlite if options.serve => {
            Some(lock_database_file(settings.database.url.expose_secret(), amqp.is_none())?)
        }
        _ => None,
    };
    let output = match (open_store(settings, options.migrate).await?, amqp) {
        (AnyStore::Sqlite(store), None) => {
            let lease = Duration::from_secs(settings.queue.lease_secs);
            let queue = LocalQueue::new(
                store.pools().writer.clone(),
                LocalSettings { lease, ..LocalSettings::default() },
            );
            if options.serve {
                // One process per database file (the lock above), so a lease left behind belongs to
                // a process that died: its messages are delivered again now.
                let released = queue.release_all_leases().await?;
                if released > 0 {
                    tracing::warn!(released, "messages held by a process that stopped are delivered again");
                }
            }
            user.run(store, queue).await?
        }
        (AnyStore::Sqlite(store), Some(url)) => user.run(store, connect_amqp(settings, url).await?).await?,
        (AnyStore::Postgres(store), Some(url)) => user.run(store, connect_amqp(settings, url).await?).await?,
        (AnyStore::Postgres(_), None) => {
            return Err(StartError::Config(
                "with PostgreSQL, set queue.url to a RabbitMQ URL: the local queue lives in the SQLite file"
                    .into(),
            ));
        }
    };
    Ok((output, lock))
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
