//! The escalation service, two loops over the same workflow:
//!
//! - **the event consumer** takes the events that can make a request an escalation (a lead
//!   disclaimed, a request escalated) off its queue and asks the workflow to review the request:
//!   the domain opens what the case calls for (every candidate disclaimed; disclaimed N times) and
//!   calls a coordination meeting. The decision is taken on the case as it stands, so a redelivered
//!   event, or the same request reviewed by two workers at once, opens nothing twice (the version
//!   check; unique keys behind it). It acknowledges after the commit.
//! - **the scanner** leases the deadlines whose chain is due and the meetings past their time to
//!   decide (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers take different rows), and asks the
//!   workflow to move them. The rows carry their next step's time, so nothing lives in memory: a
//!   restarted scanner catches up, each step once.

mod consumer;
mod scanner;

pub use consumer::{ESCALATION_QUEUE, Escalator, TOPICS};
pub use scanner::{Scanner, ScannerSettings};
