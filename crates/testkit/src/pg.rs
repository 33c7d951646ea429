//! One fresh PostgreSQL database per test, so tests can run in parallel and never see each
//! other's rows.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, ConnectOptions};

pub fn admin_url() -> String {
    std::env::var("JIESU_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    name: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let admin = admin_url();
        let name = format!("jiesu_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = connect(&admin).await;
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Self { url: format!("{base}/{name}"), name }
    }

    /// The database's name, for statements about it (`ALTER DATABASE ...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs one statement as the administrator, outside the test database.
    pub async fn admin(&self, sql: &str) {
        let mut conn = connect(&admin_url()).await;
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .expect("administrative statement");
    }
}

impl TestDatabase {
    /// The database stops accepting connections (SQLSTATE 55000 to whoever tries) and every
    /// open connection to it is ended: an outage the server itself reports, as a failover or an
    /// operator's maintenance would give.
    pub async fn refuse_connections(&self) {
        self.admin(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';",
            name = self.name
        ))
        .await;
    }

    /// Ends every open connection to the database: a server restart, as clients see it.
    pub async fn terminate_connections(&self) {
        self.admin(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
            self.name
        ))
        .await;
    }

    pub async fn accept_connections(&self) {
        self.admin(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", self.name)).await;
    }
}

async fn connect(url: &str) -> PgConnection {
    PgConnectOptions::from_str(url)
        .expect("a valid PostgreSQL URL in JIESU_TEST_POSTGRES_URL")
        .connect()
        .await
        .unwrap_or_else(|e| {
            panic!("cannot reach PostgreSQL at {url} (is it running? scripts/test starts it): {e}")
        })
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs outside any runtime guarantee, so clean up on a thread with its own runtime.
        let name = self.name.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                let mut conn = connect(&admin_url()).await;
                let _ = sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await;
            });
        });
        let _ = cleanup.join();
    }
}
