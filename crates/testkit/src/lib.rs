//! Test support: real backends, made fresh for each test, and the contract suites.
//!
//! - `pg::TestDatabase`: a new PostgreSQL database per test, dropped afterwards. The server is
//!   found through `JIESU_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! - `sqlite_file()`: a database file in a fresh temporary directory.
//! - `store_contract!`: the store port's contract, one test per case, for any adapter.
//!
//! Contract cases are plain async functions taking the adapter under test; the macros turn each
//! into a `#[tokio::test]` so they run, pass and fail one by one.

pub mod fixtures;
pub mod pg;
pub mod store_contract;

use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore};

/// Keeps a test's backend alive; dropping it cleans up.
pub type Guard = Box<dyn std::any::Any + Send>;

/// A database file in a fresh temporary directory, and the directory's guard.
pub fn sqlite_file() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("jiesu.sqlite").display());
    (url, dir)
}

/// A migrated SQLite store in a fresh file.
pub async fn sqlite_store() -> (SqliteStore, Guard) {
    let (url, dir) = sqlite_file();
    let pools = SqlitePools::open(&url, &SqliteSettings::default()).await.expect("open SQLite");
    pools.migrate().await.expect("migrate SQLite");
    (SqliteStore::new(pools), Box::new(dir))
}

/// A migrated PostgreSQL store in a fresh database.
pub async fn pg_store() -> (PgStore, Guard) {
    let db = pg::TestDatabase::create().await;
    let store = PgStore::connect(&db.url, &PgSettings { max_connections: 4, ..PgSettings::default() })
        .await
        .expect("connect to the test database");
    store.migrate().await.expect("migrate PostgreSQL");
    (store, Box::new(db))
}
