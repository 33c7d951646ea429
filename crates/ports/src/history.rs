//! The history port: storing many requests' whole lives at once, as the running system would have
//! left them (the generator of realistic histories uses it to fill a store for measurements).

use std::future::Future;

use chrono::{DateTime, Utc};

use jiesu_decisions::workflow::Case;
use jiesu_events::event::Event;

use super::store::StoreError;

/// One request's life, decided through the workflow: its case as the last commit left it, and
/// every event of its admission and of each commit, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub case: Case,
    pub events: Vec<Event>,
    /// When the dispatcher stored it (the request row's `created_at`).
    pub admitted_at: DateTime<Utc>,
    /// What the case counts towards (as the stats role would have recorded it).
    pub tallies: jiesu_rates::Tallies,
}

pub trait Histories: Send + Sync {
    /// How many requests the store holds.
    fn count_requests(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Stores the histories in one transaction: each case's rows at their final state, its version
    /// (one per commit), its events, already published (the relay would have long sent them), and
    /// its tallies in the rates' summary.
    fn store_histories(&self, histories: &[History]) -> impl Future<Output = Result<(), StoreError>> + Send;
}
