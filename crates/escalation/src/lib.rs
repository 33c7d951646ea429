//! The escalation service, two loops over the same workflow:
//!
//! - **the event consumer** takes the events that can make a request an escalation (a lead
//!   disclaimed, a request escalated) off its queue and asks the workflow to review the request:
//!   the domain opens what the case calls for (every candidate disclaimed; disclaimed N times) and
//!   calls a coordination meeting. The decision is taken on the case as it stands, so a redelivered
//!   event, or the same request reviewed by two workers at once, opens nothing twice (the version
//!   check; unique keys behind it). It acknowledges after the commit.
//! - **the hotspot trigger**, on its own queue (so disclaims never wait behind reports): a routed
//!   request with a category and a point is weighed with its neighbours (open requests of its
//!   category within `radius_m` metres, received within `days`); `min_requests` of them make one
//!   hotspot escalation on the oldest, with the others linked, and later neighbours join it (a
//!   member row and an event, a take's joins in one commit, the work bounded whatever the
//!   cluster's size). Safe with several workers: the anchor's version check, and a request in at
//!   most one hotspot (the member table's key).
//! - **the scanner** leases the deadlines whose chain is due and the meetings past their time to
//!   decide (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers take different rows), and asks the
//!   workflow to move them. The rows carry their next step's time, so nothing lives in memory: a
//!   restarted scanner catches up, each step once.

mod consumer;
mod hotspot;
mod scanner;

pub use consumer::{ESCALATION_QUEUE, Escalator, TOPICS};
pub use hotspot::{HOTSPOT_QUEUE, HOTSPOT_TOPICS, HotspotTrigger};
pub use scanner::{Scanner, ScannerSettings};
