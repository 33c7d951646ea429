//! The responsibility list (职责清单) as a rules engine, the routing decision it makes, and the
//! district it is compiled into (areas, bureaus, taxonomy, rules, calendar and time limits, checked
//! as a whole). Built on `jiesu-model` and `jiesu-calendar`; no IO, usable on its own (see
//! `benches/routing.rs`).
//!
//! - `rule`: a rule's conditions and outcome, and its `Specificity`.
//! - `hours`: local time-of-day windows.
//! - `compile`: checking the rules and compiling them.
//! - `ruleset`: the compiled rules (keyword automaton, indexes).
//! - `ties`: refusing two equally specific rules that can match one request and disagree.
//! - `matcher`: the rules a request matches, best first.
//! - `decision`: the ordered candidate bureaus with urgency and time limit.
//! - `reason`: why each candidate is there, stored and explained.
//! - `district`: the district the rules are checked against and routed in.
//! - `clocks`: the district's answers about a task's clocks and routing a stored request again.
//! - `live_district`: the district in force, replaceable while the service runs.

pub mod clocks;
mod compile;
mod decision;
pub mod district;
mod hours;
pub mod live_district;
mod matcher;
mod reason;
mod rule;
mod ruleset;
mod ties;

pub use decision::{Candidate, Routing, route};
pub use hours::{Hours, local_minute};
pub use matcher::{RouteInput, RuleMatch};
pub use reason::RouteReason;
pub use rule::{Rule, RuleId, RuleVersion, Specificity};
pub use ruleset::{RuleError, RuleSet};

#[cfg(test)]
mod tests;
