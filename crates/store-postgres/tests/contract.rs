//! The store contract on PostgreSQL, one fresh database per test.
jiesu_testkit::store_contract!(jiesu_testkit::pg_store);

mod faults {
    jiesu_testkit::faults_contract!(jiesu_testkit::pg_store);
}

/// A standby (or a database forced read-only) answers queries but cannot store: not ready.
#[tokio::test]
async fn a_read_only_database_fails_the_readiness_ping() {
    use jiesu_domain::ports::Store;
    use jiesu_store_postgres::{PgSettings, PgStore};

    let db = jiesu_testkit::pg::TestDatabase::create().await;
    let settings = PgSettings { max_connections: 1, ..PgSettings::default() };
    let store = PgStore::connect(&db.url, &settings).await.expect("connect");
    store.ping().await.expect("a writable database is ready");
    store.close().await;
    db.admin(&format!("ALTER DATABASE {} SET default_transaction_read_only = on", db.name())).await;
    let store = PgStore::connect(&db.url, &settings).await.expect("connect");
    let refused = store.ping().await.expect_err("read-only is not ready");
    assert!(refused.to_string().contains("read-only"), "{refused}");
    store.close().await;
}
