//! The stats role: the summary the supervisors' rates are read from, kept up to date from the
//! events (the escalation service's pattern: a queue-fed consumer on `jiesu-worker`).
//!
//! An event says only that a request changed. The consumer loads the request's case and works out
//! everything it counts towards (`jiesu_rates::tally`); the store replaces the request's old
//! tallies by these, moving the summary by the difference, unless it has already recorded this
//! version or a later one. So a redelivered event, events out of order, or two consumers on one
//! request count it once, and the summary always equals the sum of the cases as they stand: what
//! `rebuild` recomputes from scratch (`jiesu stats rebuild`).

mod keeper;
mod rebuild;

pub use keeper::{STATS_QUEUE, StatsKeeper, TOPICS};
pub use rebuild::{Rebuilt, rebuild, tallies_of};
