//! Opening the database file: WAL, a single writer connection, a few readers.

use std::str::FromStr;
use std::time::Duration;

use jiesu_domain::ports::StoreError;
use jiesu_sql::store_error;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqlitePool};

/// How hard SQLite works to keep a commit across a power cut. `Full` (the default) syncs the WAL
/// on every commit; `Normal` survives a crash of the process but may lose the last commits on
/// power loss. A citizen is told "received" after commit, so the default stays `Full`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Synchronous {
    #[default]
    Full,
    Normal,
}

#[derive(Debug, Clone)]
pub struct SqliteSettings {
    pub synchronous: Synchronous,
    pub readers: u32,
    pub busy_timeout: Duration,
}

impl Default for SqliteSettings {
    fn default() -> Self {
        Self { synchronous: Synchronous::Full, readers: 4, busy_timeout: Duration::from_secs(10) }
    }
}

#[derive(Debug, Clone)]
pub struct SqlitePools {
    /// Exactly one connection: every write in the process queues here.
    pub writer: SqlitePool,
    pub reader: SqlitePool,
}

impl SqlitePools {
    /// Opens (creating if needed) the database named by a `sqlite:` URL, and its directory.
    pub async fn open(url: &str, settings: &SqliteSettings) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unexpected(format!("bad sqlite URL `{url}`: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match settings.synchronous {
                Synchronous::Full => SqliteSynchronous::Full,
                Synchronous::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            .busy_timeout(settings.busy_timeout);
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // When a write fails with SQLITE_FULL, SQLITE_IOERR or SQLITE_NOMEM, SQLite rolls the
            // transaction back by itself; sqlx's own ROLLBACK then fails and it goes on counting
            // one transaction open, so every later BEGIN IMMEDIATE on this, the only writer
            // connection, fails until the process restarts. Such a connection is closed when it
            // comes back to the pool, and the next write opens a fresh one.
            .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(store_error)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(settings.readers.max(1))
            .connect_with(options)
            .await
            .map_err(store_error)?;
        Ok(Self { writer, reader })
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        jiesu_sql::SQLITE
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Unexpected(format!("migration failed: {e}")))
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}
