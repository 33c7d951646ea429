//! Test support: real backends, made fresh for each test, and the contract suites.
//!
//! - `pg::TestDatabase`: a new PostgreSQL database per test, dropped afterwards. The server is
//!   found through `JIESU_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! - `sqlite_file()`: a database file in a fresh temporary directory.
//! - `amqp::TestBroker`: a unique name prefix on the RabbitMQ server (`JIESU_TEST_AMQP_URL`, default
//!   `amqp://guest:guest@127.0.0.1:5672/%2f`), whose queues are deleted afterwards.
//! - `store_contract!`, `sessions_contract!`, `accounts_contract!`, `cases_contract!` (with
//!   `hotspot_contract!`, the cases port's hotspot part), `rulebook_contract!`, `queue_contract!`:
//!   `answers_contract!` (the knowledge base's queue): each port's contract, one test per case,
//!   for any adapter.
//! - `faults`: database faults (disk full, read-only, refused data) to switch on per adapter, and
//!   `faults_contract!`, what the store reports under them.
//! - `queries::count`: how many SQL statements a call issues, to keep listings batched.
//! - `paging::walk`: a listing walked from cursor to cursor, as a client following `next` does.
//! - `meetings::MeetingFixture`: a decided meeting row for a request, which a proposed rule needs.
//! - `rewrites::EventRewrites`: counts updates and deletes of event rows (none may happen).
//!
//! Contract cases are plain async functions taking the adapter under test; the macros turn each
//! into a `#[tokio::test]` so they run, pass and fail one by one.

pub mod accounts_contract;
pub mod amqp;
pub mod answers_contract;
pub mod audit_contract;
pub mod cases_contract;
pub mod faults;
pub mod fixtures;
pub mod hotspot_contract;
pub mod meetings;
pub mod notifications_contract;
pub mod paging;
pub mod pg;
pub mod queries;
pub mod queue_contract;
pub mod rewrites;
pub mod rulebook_contract;
pub mod sessions_contract;
pub mod store_contract;

use jiesu_queue::{AmqpQueue, LocalQueue, LocalSettings};
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

/// A local queue in a fresh SQLite file.
pub async fn local_queue() -> (LocalQueue, Guard) {
    let (_store, queue, guard) = embedded().await;
    (queue, guard)
}

/// A RabbitMQ queue under a unique prefix, deleted afterwards.
pub async fn amqp_queue() -> (AmqpQueue, Guard) {
    let broker = amqp::TestBroker::new();
    let queue = broker.connect().await;
    (queue.clone(), Box::new(amqp::Cleanup { broker, queue }))
}

/// The embedded pair: SQLite store and the local queue in the same file.
pub async fn embedded() -> (SqliteStore, LocalQueue, Guard) {
    let (store, guard) = sqlite_store().await;
    let settings = LocalSettings { poll: std::time::Duration::from_millis(50), ..LocalSettings::default() };
    let queue = LocalQueue::new(store.pools().writer.clone(), settings);
    (store, queue, guard)
}

/// The pair at scale: a fresh PostgreSQL database and RabbitMQ under a unique prefix.
pub async fn at_scale() -> (PgStore, AmqpQueue, Guard) {
    let (store, db) = pg_store().await;
    let (queue, broker) = amqp_queue().await;
    (store, queue, Box::new((db, broker)))
}

/// Runs each named `async fn case(store, queue)` on both pairs, as `embedded::case` and
/// `at_scale::case`.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (store, queue, _guard) = $crate::embedded().await;
                    super::$case(store, queue).await;
                }
            )*
        }
        mod at_scale {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (store, queue, _guard) = $crate::at_scale().await;
                    super::$case(store, queue).await;
                }
            )*
        }
    };
}
