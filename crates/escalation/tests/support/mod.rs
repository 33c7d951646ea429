//! What the escalation service's tests share: a database of either backend that can be opened
//! again (a restarted process), requests stored as dispatched at a chosen time, the workflow the
//! service runs on them, and counts of the events it wrote.

#![allow(dead_code)] // each test file uses its own part of this

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::RequestId;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{Cases, Store};
use jiesu_domain::staff::{Principal, StaffRole, UserId, Username};
use jiesu_domain::workflow::{Caller, Command, DisclaimReason, Note, Policy};
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings, SqliteStore};
use jiesu_testkit::fixtures::{district, new_request};
use jiesu_workflow::Workflow;

pub type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A test database and how to reach it as a new process would.
pub struct Db<S> {
    pub url: String,
    open: fn(String) -> Boxed<S>,
    corrupt: fn(String, RequestId) -> Boxed<()>,
}

impl<S: Store + Cases> Db<S> {
    /// A new connection (pool) to the database, as a process that just started has.
    pub async fn open(&self) -> S {
        (self.open)(self.url.clone()).await
    }

    /// Spoils one of the request's stored rows so that its case can no longer be read.
    pub async fn corrupt(&self, request: RequestId) {
        (self.corrupt)(self.url.clone(), request).await;
    }
}

const SPOIL: &str = "UPDATE deadlines SET class = 'Not A Class!' WHERE request_id = $1";

pub fn sqlite(url: String) -> Db<SqliteStore> {
    Db {
        url,
        open: |url| {
            Box::pin(async move {
                let pools = SqlitePools::open(&url, &SqliteSettings::default()).await.expect("open SQLite");
                pools.migrate().await.expect("migrate");
                SqliteStore::new(pools)
            })
        },
        corrupt: |url, request| {
            Box::pin(async move {
                let pools = SqlitePools::open(&url, &SqliteSettings::default()).await.expect("open SQLite");
                sqlx::query(SPOIL).bind(request.as_uuid()).execute(&pools.writer).await.expect("spoil");
            })
        },
    }
}

pub fn postgres(url: String) -> Db<PgStore> {
    Db {
        url,
        open: |url| {
            Box::pin(async move {
                let settings = PgSettings { max_connections: 4, ..PgSettings::default() };
                let store = PgStore::connect(&url, &settings).await.expect("connect");
                store.migrate().await.expect("migrate");
                store
            })
        },
        corrupt: |url, request| {
            Box::pin(async move {
                let pool = sqlx::PgPool::connect(&url).await.expect("connect");
                sqlx::query(SPOIL).bind(request.as_uuid()).execute(&pool).await.expect("spoil");
            })
        },
    }
}

/// Runs each named `async fn case(db: Db<S>)` on a fresh database of each backend, as
/// `embedded::case` and `at_scale::case`.
#[macro_export]
macro_rules! on_both_databases {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (url, _dir) = jiesu_testkit::sqlite_file();
                    super::$case(super::support::sqlite(url)).await;
                }
            )*
        }
        mod at_scale {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let db = jiesu_testkit::pg::TestDatabase::create().await;
                    super::$case(super::support::postgres(db.url.clone())).await;
                }
            )*
        }
    };
}

/// The workflow the escalation service runs, on the sample district with the default policy.
pub fn workflow<S: Cases>(store: S) -> Workflow<S> {
    Workflow::new(store, LiveDistrict::new(district().clone()), Policy::default())
}

/// Stores `n` sample requests dispatched at `t`; their ids, oldest first.
pub async fn dispatched<S: Store>(store: &S, n: usize, t: DateTime<Utc>) -> Vec<RequestId> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let new = jiesu_domain::request::NewRequest { received_at: t, ..new_request() };
        let a = jiesu_domain::admission::admit(new, district(), t);
        store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
        ids.push(a.request.submitted.id);
    }
    ids
}

/// How many events of each of these kinds the request has, in the order asked.
pub async fn count<S: Store>(store: &S, request: RequestId, kinds: &[&str]) -> Vec<usize> {
    let events = store.request_events(request).await.expect("events");
    kinds.iter().map(|k| events.iter().filter(|e| e.kind.name() == *k).count()).collect()
}

/// The kinds a missed deadline's chain writes: reminders, the escalation and its meeting.
pub const CHAIN: &[&str] = &["deadline_reminder", "escalation_opened", "escalation_raised", "meeting_called"];

/// A staff member of the bureau.
pub fn staff(bureau: &BureauCode) -> Principal {
    Principal {
        user_id: UserId::generate(),
        username: Username::parse("bureau-staff").expect("username"),
        role: StaffRole::BureauStaff,
        bureau: Some(bureau.clone()),
    }
}

/// Every candidate disclaims the request in turn: it must be escalated.
pub async fn exhaust<S: Cases>(wf: &Workflow<S>, id: RequestId) {
    loop {
        let case = wf.store().load_case(id).await.expect("load").expect("stored");
        let Some(lead) = case.active_lead().cloned() else { return };
        let disclaim = Command::Disclaim {
            task: lead.id,
            reason: DisclaimReason::OverlappingDuties,
            explanation: Note::parse("职能交叉").expect("note"),
        };
        wf.act(Caller::Staff(&staff(&lead.bureau)), id, disclaim).await.expect("disclaim");
    }
}
