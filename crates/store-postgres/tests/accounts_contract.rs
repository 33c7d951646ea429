//! The accounts and audit contracts on PostgreSQL, and the audit table's refusal to change.
jiesu_testkit::accounts_contract!(jiesu_testkit::pg_store);
jiesu_testkit::audit_contract!(jiesu_testkit::pg_store);

use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::Audit;
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_testkit::pg::TestDatabase;

/// Not through the port, which has no way to: with SQL on the database itself.
#[tokio::test]
async fn the_audit_log_refuses_updates_deletes_and_truncation() {
    let db = TestDatabase::create().await;
    let store = PgStore::connect(&db.url, &PgSettings { max_connections: 2, ..PgSettings::default() })
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let e = AuditEntry::new(None, AuditAction::KeyCreated, "坪山 app", "open311", jiesu_domain::time::now());
    store.append_audit(&e).await.expect("append");
    let raw = sqlx::PgPool::connect(&db.url).await.expect("connect");
    for sql in
        ["UPDATE audit_log SET detail = 'nothing happened'", "DELETE FROM audit_log", "TRUNCATE audit_log"]
    {
        let refused = sqlx::query(sql).execute(&raw).await.expect_err(sql);
        assert!(refused.to_string().contains("append-only"), "{sql}: {refused}");
    }
    let (n, detail): (i64, String) =
        sqlx::query_as("SELECT count(*), max(detail) FROM audit_log").fetch_one(&raw).await.expect("count");
    assert_eq!((n, detail.as_str()), (1, "open311"));
    raw.close().await;
    store.close().await;
}
