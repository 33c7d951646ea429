//! Database faults a test can switch on and off, for each store adapter, and the contract every
//! adapter keeps under them: a database that is full or read-only is the database's state
//! (`StoreError::Unavailable`: hold the work, it will pass), and data the database refuses is the
//! work's own fault (`StoreError::Unexpected`).
//!
//! SQLite's faults are real: `max_page_count` at the file's current size, its free pages then
//! filled, makes the disk full (`SQLITE_FULL`; a few rows may still fit in the unused ends of
//! pages), `query_only` makes the connection read-only (`SQLITE_READONLY`). PostgreSQL's
//! are forced: a trigger on writes to `requests` raises the SQLSTATE a full disk (53100) or a read-only
//! standby after a failover (25006) would give, which no test can bring about for real.

use std::future::Future;

use jiesu_domain::ports::{IngestOutcome, Store, StoreError};
use jiesu_store_postgres::PgStore;
use jiesu_store_sqlite::SqliteStore;

use crate::fixtures::{admission, new_request};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The disk is full.
    DiskFull,
    /// The database accepts reads only (a standby after a failover).
    ReadOnly,
    /// The database refuses the data itself (a check a row does not pass).
    BadData,
}

/// A store whose database a test can put into a fault, and take out of it.
pub trait Faults: Store {
    fn inject(&self, fault: Fault) -> impl Future<Output = ()> + Send;
    fn clear(&self) -> impl Future<Output = ()> + Send;
}

impl Faults for SqliteStore {
    async fn inject(&self, fault: Fault) {
        // The writer pool has exactly one connection: the pragmas stay with every write.
        let writer = &self.pools().writer;
        match fault {
            Fault::DiskFull => {
                sqlx::raw_sql("CREATE TABLE IF NOT EXISTS jiesu_test_fill (b BLOB)")
                    .execute(writer)
                    .await
                    .expect("create the filler");
                let pages: i64 =
                    sqlx::query_scalar("PRAGMA page_count").fetch_one(writer).await.expect("page count");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {pages}")))
                    .execute(writer)
                    .await
                    .expect("limit pages");
                // Free pages would still take new rows: fill them until the file is full.
                for _ in 0..100_000 {
                    let filled = sqlx::query("INSERT INTO jiesu_test_fill VALUES (zeroblob(256))")
                        .execute(writer)
                        .await;
                    if filled.is_err() {
                        break;
                    }
                }
            }
            Fault::ReadOnly => {
                sqlx::raw_sql("PRAGMA query_only = ON").execute(writer).await.expect("query only");
            }
            Fault::BadData => {
                sqlx::raw_sql(
                    "CREATE TRIGGER jiesu_test_fault BEFORE INSERT ON requests
                     BEGIN SELECT RAISE(ABORT, 'forced: the row breaks a rule'); END",
                )
                .execute(writer)
                .await
                .expect("create trigger");
            }
        }
    }

    async fn clear(&self) {
        sqlx::raw_sql(
            "PRAGMA query_only = OFF; PRAGMA max_page_count = 4294967294;
             DROP TRIGGER IF EXISTS jiesu_test_fault; DROP TABLE IF EXISTS jiesu_test_fill;",
        )
        .execute(&self.pools().writer)
        .await
        .expect("clear the faults");
    }
}

impl Faults for PgStore {
    async fn inject(&self, fault: Fault) {
        let code = match fault {
            Fault::DiskFull => "53100",
            Fault::ReadOnly => "25006",
            Fault::BadData => "22023",
        };
        // `code` is one of the constants above.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE OR REPLACE FUNCTION jiesu_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'forced fault' USING ERRCODE = '{code}'; END $$;
             DROP TRIGGER IF EXISTS jiesu_test_fault ON requests;
             CREATE TRIGGER jiesu_test_fault BEFORE INSERT OR UPDATE ON requests
                 FOR EACH ROW EXECUTE FUNCTION jiesu_test_fault();"
        )))
        .execute(self.pool())
        .await
        .expect("create the fault trigger");
    }

    async fn clear(&self) {
        sqlx::raw_sql("DROP TRIGGER IF EXISTS jiesu_test_fault ON requests")
            .execute(self.pool())
            .await
            .expect("drop the fault trigger");
    }
}

/// Instantiates the faults contract for an adapter, as `store_contract!` does.
#[macro_export]
macro_rules! faults_contract {
    ($factory:path) => {
        $crate::faults_contract!(@cases $factory;
            a_full_disk_is_the_databases_state_and_passes,
            a_read_only_database_is_the_databases_state_and_passes,
            data_the_database_refuses_is_the_works_own_fault,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::faults::$case(store).await;
            }
        )*
    };
}

/// Enough requests that a full disk cannot hide them in the free space of existing pages.
fn batch() -> Vec<jiesu_domain::admission::Admission> {
    (0..50).map(|_| admission(new_request())).collect()
}

async fn passes_once_cleared(store: impl Faults, fault: Fault) {
    let work = batch();
    store.inject(fault).await;
    match store.ingest(&work).await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("{fault:?}: expected the database's state (Unavailable), got {other:?}"),
    }
    store.clear().await;
    let outcomes = store.ingest(&work).await.expect("the same work once the fault passed");
    assert!(outcomes.iter().all(|o| *o == IngestOutcome::Stored), "{fault:?}: stored once it passed");
}

pub async fn a_full_disk_is_the_databases_state_and_passes(store: impl Faults) {
    passes_once_cleared(store, Fault::DiskFull).await;
}

pub async fn a_read_only_database_is_the_databases_state_and_passes(store: impl Faults) {
    passes_once_cleared(store, Fault::ReadOnly).await;
}

pub async fn data_the_database_refuses_is_the_works_own_fault(store: impl Faults) {
    store.inject(Fault::BadData).await;
    match store.ingest(&batch()).await {
        Err(StoreError::Unexpected(_)) => {}
        other => panic!("expected the work's own fault (Unexpected), got {other:?}"),
    }
    store.clear().await;
}
