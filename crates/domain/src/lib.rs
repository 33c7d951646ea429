//! The Jiesu domain: what a citizen's request is, who may handle it, how it moves through its
//! lifecycle, and the ports (traits) that storage and queue adapters implement.
//!
//! The domain is layered in crates, each depending only on those before it:
//! `jiesu-model` (types, ids, lifecycles) → `jiesu-calendar` (working days, time limits,
//! deadlines) → `jiesu-routing` (the responsibility list and the district) → `jiesu-events` (the
//! history and queue messages) → `jiesu-decisions` (admission, workflow, escalation) →
//! `jiesu-rates` (what a case counts towards, and the rates) → `jiesu-ports` (the traits adapters
//! implement). This crate re-exports them at the paths the rest
//! of Jiesu names (`jiesu_domain::workflow::Case`, ...), and its tests check that no files of
//! those crates import each other in a circle.
//!
//! Nothing here performs IO: no database, broker, network or file access. Adapters live in their
//! own crates and convert their wire formats into these types at the edge ("parse, don't validate").

pub use jiesu_calendar::{calendar, deadline, desk, left, overlay, sla};
pub use jiesu_decisions::{admission, escalation, notices, what_if, workflow};
pub use jiesu_events::{event, messages, trigger};
pub use jiesu_model::{
    ValidationError, api_client, area, audit, bureau, category, codes, contact, exemption, geo, ids, note,
    notice, records, request, request_status, secret, staff, task, text, time, webhook,
};
pub use jiesu_ports as ports;
pub use jiesu_rates as rates;
pub use jiesu_routing as routing;
pub use jiesu_routing::live_district;

/// The district: its areas, bureaus, taxonomy and rules (`jiesu-routing`), and the district in
/// force composed with the rules accepted from meetings (`jiesu-decisions`).
pub mod district {
    pub use jiesu_decisions::compose::{Composed, Skipped, check_acceptance, compose};
    pub use jiesu_routing::district::*;
}
