//! The store ports on SQL, written once for SQLite and PostgreSQL: `SqlStore<B>` implements them
//! over a `Backend` each store crate supplies (`backend`); statements are generic over
//! `sqlx::Database` with a small `Dialect` (`dialect`); rows are `records` with `FromRow`. Also
//! the schema of each backend, embedded at compile time from `migrations/<backend>/`, and the
//! mapping of driver errors onto the store port's errors (`classify`).
//!
//! Migrations are append-only: a released migration is never edited, a new one is added. One
//! migrator per backend covers every table, the local queue's included, so one `jiesu migrate`
//! brings a database fully up to date.

mod accounts;
mod answers;
mod api_clients;
mod audit;
pub mod backend;
mod calendar_days;
mod case_load;
mod cases;
pub mod classify;
pub mod dialect;
mod escalations;
mod history;
pub mod ingest;
mod multirow;
mod notifications;
mod paging;
mod photos;
pub mod records;
mod rulebook;
mod sessions;
mod staff_prefs;
pub mod statements;
mod stats;
mod store;
mod task_select;
mod tokens;
mod webhooks;
pub mod writes;

pub use backend::{Backend, SqlStore};

use chrono::{DateTime, Utc};
use jiesu_domain::event::Event;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{RequestView, StoreError};
use jiesu_domain::request::Request;
use jiesu_domain::task::Task;
use records::CorruptRow;
use sqlx::migrate::Migrator;

pub static SQLITE: Migrator = sqlx::migrate!("../../migrations/sqlite");
pub static POSTGRES: Migrator = sqlx::migrate!("../../migrations/postgres");

/// Maps a driver error onto the outcomes a caller can act on: a uniqueness conflict, the
/// database's state (hold the work and retry later), or the work itself failing (see `classify`).
pub fn store_error(e: sqlx::Error) -> StoreError {
    match classify::driver(&e) {
        classify::Meaning::Conflict => match &e {
            sqlx::Error::Database(db) => StoreError::Conflict(db.message().to_owned()),
            _ => StoreError::Conflict(e.to_string()),
        },
        classify::Meaning::DatabaseState => StoreError::Unavailable(e.to_string()),
        classify::Meaning::TheWork => StoreError::Unexpected(e.to_string()),
    }
}

pub fn corrupt(e: CorruptRow) -> StoreError {
    StoreError::Unexpected(e.to_string())
}

/// A tracking number as a column holds it (or none).
pub fn tracking_number(raw: Option<String>) -> Result<Option<TrackingNumber>, StoreError> {
    raw.map(|t| TrackingNumber::parse(&t).map_err(|e| StoreError::Unexpected(e.to_string()))).transpose()
}

/// SQLite keeps times as INTEGER microseconds since the epoch: comparable in SQL, exact, compact
/// (the local queue's tables; the store's go through `dialect::DbTime`).
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

/// Events are stored whole, as JSON; a payload that no longer decodes is corrupt data.
pub fn decode_event(payload: dialect::RawJson) -> Result<Event, StoreError> {
    serde_json::from_str(payload.0.get())
        .map_err(|e| StoreError::Unexpected(format!("corrupt event payload: {e}")))
}

/// Pairs listed requests with their tasks (fetched together, in order), keeping the requests' order.
/// `expected`: each request's latest running resolution deadline, by request id.
pub fn with_tasks(
    requests: Vec<Request>,
    tasks: Vec<Task>,
    expected: &std::collections::HashMap<jiesu_domain::ids::RequestId, DateTime<Utc>>,
) -> Vec<RequestView> {
    let mut by_request: std::collections::HashMap<_, Vec<Task>> = std::collections::HashMap::new();
    for t in tasks {
        by_request.entry(t.request_id).or_default().push(t);
    }
    requests
        .into_iter()
        .map(|request| {
            let tasks = by_request.remove(&request.submitted.id).unwrap_or_default();
            let expected_at = expected.get(&request.submitted.id).copied();
            RequestView { request, tasks, expected_at }
        })
        .collect()
}
