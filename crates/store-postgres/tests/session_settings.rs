//! What every connection of the pool is set up with.

use jiesu_sql::Backend;
use jiesu_store_postgres::{PgPools, PgSettings};
use jiesu_testkit::pg::TestDatabase;

/// Parallel plans only add the cost of starting workers to the few-row reads and writes Jiesu
/// runs: every connection has them off, whatever the server's default.
#[tokio::test]
async fn connections_run_without_parallel_workers() {
    let db = TestDatabase::create().await;
    let pools = PgPools::connect(&db.url, &PgSettings { max_connections: 2, ..PgSettings::default() })
        .await
        .expect("connect");
    for _ in 0..2 {
        let (workers,): (String,) = sqlx::query_as("SHOW max_parallel_workers_per_gather")
            .fetch_one(pools.reader())
            .await
            .expect("SHOW");
        assert_eq!(workers, "0");
    }
    pools.close().await;
}
