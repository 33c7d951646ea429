//! The accounts and audit contracts on SQLite, and the audit table's refusal to change.
jiesu_testkit::accounts_contract!(jiesu_testkit::sqlite_store);
jiesu_testkit::audit_contract!(jiesu_testkit::sqlite_store);

use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::Audit;
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore};

/// Not through the port, which has no way to: with SQL on the file itself.
#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let (url, _dir) = jiesu_testkit::sqlite_file();
    let pools = SqlitePools::open(&url, &SqliteSettings::default()).await.expect("open");
    pools.migrate().await.expect("migrate");
    let e = AuditEntry::new(None, AuditAction::KeyCreated, "坪山 app", "open311", jiesu_domain::time::now());
    SqliteStore::new(pools.clone()).append_audit(&e).await.expect("append");
    let raw = sqlx::SqlitePool::connect(&url).await.expect("connect");
    for sql in ["UPDATE audit_log SET detail = 'nothing happened'", "DELETE FROM audit_log"] {
        let refused = sqlx::query(sql).execute(&raw).await.expect_err(sql);
        assert!(refused.to_string().contains("append-only"), "{sql}: {refused}");
    }
    let (n, detail): (i64, String) =
        sqlx::query_as("SELECT count(*), max(detail) FROM audit_log").fetch_one(&raw).await.expect("count");
    assert_eq!((n, detail.as_str()), (1, "open311"));
}
