//! Whether anything rewrote an event row: events are the request's history, written once, and
//! the outbox must publish them without touching them (an update copies the whole row with its
//! payload; on PostgreSQL that was most of the events table's bloat). A trigger counts every
//! update and delete of an event row, so a test can assert none happened.

use std::future::Future;

use jiesu_store_postgres::PgStore;
use jiesu_store_sqlite::SqliteStore;

/// Counts rewrites of event rows from when `watch_event_rewrites` is called.
pub trait EventRewrites {
    fn watch_event_rewrites(&self) -> impl Future<Output = ()> + Send;
    /// Event rows updated or deleted since the watch began.
    fn event_rewrites(&self) -> impl Future<Output = i64> + Send;
}

const COUNT: &str = "SELECT count(*) FROM event_rewrites";

impl EventRewrites for SqliteStore {
    async fn watch_event_rewrites(&self) {
        sqlx::raw_sql(
            "CREATE TABLE event_rewrites (op TEXT NOT NULL);
             CREATE TRIGGER event_updated AFTER UPDATE ON events
             BEGIN INSERT INTO event_rewrites VALUES ('update'); END;
             CREATE TRIGGER event_deleted AFTER DELETE ON events
             BEGIN INSERT INTO event_rewrites VALUES ('delete'); END;",
        )
        .execute(&self.pools().writer)
        .await
        .expect("watch event rows");
    }

    async fn event_rewrites(&self) -> i64 {
        sqlx::query_scalar(COUNT).fetch_one(&self.pools().writer).await.expect("count rewrites")
    }
}

impl EventRewrites for PgStore {
    async fn watch_event_rewrites(&self) {
        sqlx::raw_sql(
            "CREATE TABLE event_rewrites (op text NOT NULL);
             CREATE FUNCTION count_event_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN INSERT INTO event_rewrites VALUES (lower(TG_OP)); RETURN NULL; END $$;
             CREATE TRIGGER event_rewritten AFTER UPDATE OR DELETE ON events
             FOR EACH ROW EXECUTE FUNCTION count_event_rewrite();",
        )
        .execute(self.pool())
        .await
        .expect("watch event rows");
    }

    async fn event_rewrites(&self) -> i64 {
        sqlx::query_scalar(COUNT).fetch_one(self.pool()).await.expect("count rewrites")
    }
}
