//! A fresh backend for one test, and the application started on it.

use std::time::Duration;

use jiesu::{App, Roles, Settings};
use jiesu_domain::api_client::{ApiClient, ApiKey, ClientChannel};
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::ports::Store;
use jiesu_queue::AmqpQueue;
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore};
use jiesu_testkit::amqp::TestBroker;
use jiesu_testkit::pg::TestDatabase;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

#[derive(Debug)]
pub enum Kind {
    Embedded { dir: tempfile::TempDir },
    AtScale { db: TestDatabase, broker: TestBroker },
}

/// Where a test's data lives. Dropping it deletes the database (and the broker's queues).
#[derive(Debug)]
pub struct Backend {
    pub kind: Kind,
    /// Where the web form's photos go.
    pub media: tempfile::TempDir,
    pub database_url: String,
    pub queue_url: String,
    pub queue_prefix: String,
}

impl Backend {
    pub async fn embedded() -> Self {
        let (url, dir) = jiesu_testkit::sqlite_file();
        Self {
            kind: Kind::Embedded { dir },
            media: tempfile::tempdir().expect("media dir"),
            database_url: url,
            queue_url: String::new(),
            queue_prefix: "jiesu".into(),
        }
    }

    pub async fn at_scale() -> Self {
        let db = TestDatabase::create().await;
        let broker = TestBroker::new();
        Self {
            database_url: db.url.clone(),
            queue_url: broker.url.clone(),
            queue_prefix: broker.settings.prefix.clone(),
            kind: Kind::AtScale { db, broker },
            media: tempfile::tempdir().expect("media dir"),
        }
    }

    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Embedded { .. } => "embedded",
            Kind::AtScale { .. } => "at_scale",
        }
    }

    /// Settings for this backend, listening on a free port.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::defaults();
        s.server.listen = "127.0.0.1:0".parse().expect("address");
        s.server.shutdown_grace_secs = 10;
        s.database.url = SecretString::from(self.database_url.clone());
        s.database.max_connections = 4;
        s.queue.url = SecretString::from(self.queue_url.clone());
        s.queue.prefix = self.queue_prefix.clone();
        s.outbox.idle_ms = 50;
        s.district.dir = "does-not-exist".into(); // the built-in sample district
        s.web.media_dir = self.media.path().to_owned();
        s.wechat.token = SecretString::from(crate::wechat::TOKEN);
        s.wechat.encoding_aes_key = SecretString::from(crate::wechat::AES_KEY);
        s.wechat.app_id = crate::wechat::APP_ID.into();
        s.wechat.account = crate::wechat::ACCOUNT.into();
        s
    }

    /// The environment a `jiesu` process needs to run on this backend.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("JIESU__DATABASE__URL", self.database_url.clone()),
            ("JIESU__DATABASE__MAX_CONNECTIONS", "4".into()),
            ("JIESU__QUEUE__URL", self.queue_url.clone()),
            ("JIESU__QUEUE__PREFIX", self.queue_prefix.clone()),
            ("JIESU__SERVER__LISTEN", "127.0.0.1:0".into()),
            ("JIESU__DISTRICT__DIR", "does-not-exist".into()),
            ("JIESU__LOG__FILTER", "warn".into()),
            ("JIESU__WEB__MEDIA_DIR", self.media.path().display().to_string()),
            ("JIESU__WECHAT__TOKEN", crate::wechat::TOKEN.into()),
            ("JIESU__WECHAT__ENCODING_AES_KEY", crate::wechat::AES_KEY.into()),
            ("JIESU__WECHAT__APP_ID", crate::wechat::APP_ID.into()),
            ("JIESU__WECHAT__ACCOUNT", crate::wechat::ACCOUNT.into()),
        ]
    }

    /// Creates an Open311 client application and returns its key, as `jiesu api-key add` does.
    pub async fn api_key(&self, name: &str) -> String {
        self.client_key(name, ClientChannel::Open311).await
    }

    /// The 12345 call centre's key, as `jiesu api-key add --channel hotline` makes it.
    pub async fn hotline_key(&self, name: &str) -> String {
        self.client_key(name, ClientChannel::Hotline).await
    }

    async fn client_key(&self, name: &str, channel: ClientChannel) -> String {
        let client = ApiClient::new(name, channel, jiesu_domain::time::now()).expect("valid name");
        let mut random = [0u8; 20];
        random[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        random[16..].copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..4]);
        let key = ApiKey::from_random(random);
        let entry = AuditEntry::new(None, AuditAction::KeyCreated, name, channel.as_str(), client.created_at);
        match self.kind {
            Kind::Embedded { .. } => {
                let pools =
                    SqlitePools::open(&self.database_url, &SqliteSettings::default()).await.expect("open");
                pools.migrate().await.expect("migrate");
                SqliteStore::new(pools.clone())
                    .insert_api_client(&client, &key.hash(), &entry)
                    .await
                    .expect("insert");
                pools.close().await;
            }
            Kind::AtScale { .. } => {
                let store = PgStore::connect(
                    &self.database_url,
                    &PgSettings { max_connections: 1, ..PgSettings::default() },
                )
                .await
                .expect("connect");
                store.migrate().await.expect("migrate");
                store.insert_api_client(&client, &key.hash(), &entry).await.expect("insert");
                store.close().await;
            }
        }
        key.expose().to_owned()
    }

    /// Starts the application in this test process.
    pub async fn start(&self, roles: Roles) -> Running {
        self.start_with(roles, |_| {}).await
    }

    /// Starts the application with settings changed by `tweak`. A process without an HTTP role
    /// (a lone escalation worker, say) has an empty `base`.
    pub async fn start_with(&self, roles: Roles, tweak: impl FnOnce(&mut Settings)) -> Running {
        let mut settings = self.settings();
        tweak(&mut settings);
        let app =
            App::build(&settings, roles).await.unwrap_or_else(|e| panic!("start on {}: {e}", self.name()));
        // Empty for a process without HTTP (only the dispatcher, say).
        let base = app.local_addr().map(|a| format!("http://{a}")).unwrap_or_default();
        let stop = app.shutdown_token();
        let task = tokio::spawn(app.run_until(std::future::pending()));
        Running { base, stop, task }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Kind::AtScale { broker, .. } = &self.kind {
            let broker = broker.clone();
            let prefix = self.queue_prefix.clone();
            // Delete what the application declared under this test's prefix.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(q) = AmqpQueue::connect(&broker.url, broker.settings.clone()).await {
                        let queues = [
                            "intake",
                            "intake.dlq",
                            "escalation",
                            "escalation.dlq",
                            "hotspot",
                            "hotspot.dlq",
                            "stats",
                            "stats.dlq",
                            "notify",
                            "notify.dlq",
                        ];
                        let _ = q.delete(&queues.map(|n| format!("{prefix}.{n}"))).await;
                    }
                });
            })
            .join();
        }
    }
}

impl Backend {
    /// How many requests are stored.
    pub async fn count_requests(&self) -> i64 {
        self.count("SELECT count(*) FROM requests").await
    }

    /// Runs a `SELECT count(*) ...` written for both backends, straight on the database.
    pub async fn count(&self, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.kind {
            Kind::Embedded { .. } => {
                let pools =
                    SqlitePools::open(&self.database_url, &SqliteSettings::default()).await.expect("open");
                sqlx::query_scalar(sql).fetch_one(&pools.reader).await.expect("count")
            }
            Kind::AtScale { .. } => {
                let pool = sqlx::PgPool::connect(&self.database_url).await.expect("connect");
                sqlx::query_scalar(sql).fetch_one(&pool).await.expect("count")
            }
        }
    }

    /// Runs one statement written for this backend (an `UPDATE` backdating rows, say) straight on
    /// the database, and returns how many rows it touched.
    pub async fn execute(&self, sql: &str) -> u64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.kind {
            Kind::Embedded { .. } => {
                let pools =
                    SqlitePools::open(&self.database_url, &SqliteSettings::default()).await.expect("open");
                let done = sqlx::query(sql).execute(&pools.writer).await.expect("execute");
                pools.close().await;
                done.rows_affected()
            }
            Kind::AtScale { .. } => {
                let pool = sqlx::PgPool::connect(&self.database_url).await.expect("connect");
                let done = sqlx::query(sql).execute(&pool).await.expect("execute");
                pool.close().await;
                done.rows_affected()
            }
        }
    }

    /// How many messages wait on the intake queue (counted by consuming without acking).
    pub async fn queued_intake(&self) -> usize {
        use jiesu_domain::ports::Queue;
        use jiesu_testkit::queue_contract::recv;
        let wait = Duration::from_millis(700);
        match &self.kind {
            Kind::Embedded { .. } => {
                let pools =
                    SqlitePools::open(&self.database_url, &SqliteSettings::default()).await.expect("open");
                let q =
                    jiesu_queue::LocalQueue::new(pools.writer.clone(), jiesu_queue::LocalSettings::default());
                let mut c = q.consume("intake", 1000).await.expect("consume");
                recv(&mut c, 1000, wait).await.len()
            }
            Kind::AtScale { broker, .. } => {
                let mut settings = broker.settings.clone();
                settings.prefix = self.queue_prefix.clone();
                let q = AmqpQueue::connect(&broker.url, settings).await.expect("connect");
                let mut c = q.consume("intake", 1000).await.expect("consume");
                let mut n = 0;
                loop {
                    let got = recv(&mut c, 1000, wait).await.len();
                    if got == 0 {
                        return n;
                    }
                    n += got;
                }
            }
        }
    }
}

/// The application running in-process.
#[derive(Debug)]
pub struct Running {
    pub base: String,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops it the way SIGTERM does, and waits until it has.
    pub async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("stops in time")
            .expect("cleanly");
    }
}

/// Another client's transaction holding off every writer of a table (on SQLite, of the whole
/// database, as SQLite locks), until released: a database stuck behind a long job.
#[derive(Debug)]
pub enum WriteLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Backend {
    /// Takes the lock; readers still get through.
    pub async fn hold_write_lock(&self, table: &str) -> WriteLock {
        use sqlx::Connection;
        match self.kind {
            Kind::Embedded { .. } => {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url).await.expect("connect");
                sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut c).await.expect("lock the database");
                WriteLock::Sqlite(c)
            }
            Kind::AtScale { .. } => {
                let mut c = sqlx::PgConnection::connect(&self.database_url).await.expect("connect");
                let sql = format!("BEGIN; LOCK TABLE {table} IN EXCLUSIVE MODE");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.expect("lock the table");
                WriteLock::Postgres(c)
            }
        }
    }
}

impl WriteLock {
    /// Rolls the transaction back and closes the connection.
    pub async fn release(self) {
        use sqlx::Connection;
        match self {
            Self::Sqlite(mut c) => {
                sqlx::raw_sql("ROLLBACK").execute(&mut c).await.expect("unlock");
                c.close().await.expect("close");
            }
            Self::Postgres(mut c) => {
                sqlx::raw_sql("ROLLBACK").execute(&mut c).await.expect("unlock");
                c.close().await.expect("close");
            }
        }
    }
}
