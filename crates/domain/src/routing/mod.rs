//! The responsibility list (职责清单) as a rules engine, and the routing decision it makes.
//!
//! - `rule`: a rule's conditions and outcome, and its `Specificity`.
//! - `hours`: local time-of-day windows.
//! - `compile`: checking the rules and compiling them.
//! - `ruleset`: the compiled rules (keyword automaton, indexes).
//! - `ties`: refusing two equally specific rules that can match one request and disagree.
//! - `matcher`: the rules a request matches, best first.
//! - `decision`: the ordered candidate bureaus with urgency and time limit.
//! - `reason`: why each candidate is there, stored and explained.

mod compile;
mod decision;
mod hours;
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
