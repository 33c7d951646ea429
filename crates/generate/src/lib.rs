//! A generator of realistic histories: requests spread over the last years (weekdays and office
//! hours weighted), over the district's categories, areas and channels, admitted and routed as the
//! dispatcher does (`admit`), then lived through the workflow (`decide` at each step's simulated
//! time: claims, disclaims and re-dispatches, extensions, resolutions, closure reviews, return
//! visits, reopenings, the escalation scanner's reminders), stopped at `end`. So every row is one
//! the running system would have written, and events and state agree.
//!
//! The same seed and `end` give the same history, except the ids the domain draws itself (tasks,
//! events, deadlines, visits), which are fresh UUIDv7s; request ids and tracking numbers are
//! derived from the seed.

mod life;
mod request;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jiesu_domain::district::District;
use jiesu_domain::ports::{Histories, History, StoreError};
use jiesu_domain::secret::ServerKey;
use jiesu_domain::workflow::Policy;

pub use request::Plan;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub requests: u64,
    /// Requests are received over this many years before `end`.
    pub years: u32,
    pub seed: u64,
    /// The simulated present: nothing happens after it.
    pub end: DateTime<Utc>,
    /// Requests per transaction.
    pub batch: usize,
}

impl Options {
    pub fn new(requests: u64, end: DateTime<Utc>) -> Self {
        Self { requests, years: 2, seed: 1, end, batch: 2_000 }
    }
}

/// What was written so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub requests: u64,
    /// Rows of every table, events included.
    pub rows: u64,
    pub events: u64,
    pub elapsed: Duration,
}

/// One request's whole history: the same plan and index always give the same life.
pub fn history(plan: &Plan, index: u64) -> History {
    life::live(plan, index)
}

/// Generates `options.requests` histories into `store`, in batches of one transaction each. The
/// next batch is simulated on a blocking thread while the store writes the previous one.
pub async fn generate<S: Histories>(
    store: &S,
    district: Arc<District>,
    policy: Policy,
    key: ServerKey,
    options: &Options,
    mut progress: impl FnMut(&Progress),
) -> Result<Progress, StoreError> {
    let plan = Arc::new(Plan::new(district, policy, key, options));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<History>>(2);
    let (total, batch) = (options.requests, options.batch.max(1) as u64);
    let producer = {
        let plan = plan.clone();
        tokio::task::spawn_blocking(move || {
            let mut start = 0;
            while start < total {
                let end = (start + batch).min(total);
                let histories: Vec<History> = (start..end).map(|i| history(&plan, i)).collect();
                if tx.blocking_send(histories).is_err() {
                    return;
                }
                start = end;
            }
        })
    };
    let began = Instant::now();
    let mut done = Progress::default();
    while let Some(histories) = rx.recv().await {
        store.store_histories(&histories).await?;
        done.requests += histories.len() as u64;
        done.events += histories.iter().map(|h| h.events.len() as u64).sum::<u64>();
        done.rows += histories.iter().map(rows).sum::<u64>();
        done.elapsed = began.elapsed();
        progress(&done);
    }
    producer.await.map_err(|e| StoreError::Unexpected(format!("the simulation stopped: {e}")))?;
    Ok(done)
}

/// Rows a history writes, its events included.
fn rows(h: &History) -> u64 {
    let c = &h.case;
    (1 + c.tasks.len()
        + c.deadlines.len()
        + c.disclaims.len()
        + c.extensions.len()
        + c.visits.len()
        + c.escalations.len()
        + c.meetings.len()
        + h.events.len()) as u64
}
