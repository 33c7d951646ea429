//! Time in Jiesu's domain: the working-day calendar (`calendar`: holidays and make-up working
//! days), the time limits a request is given (`sla`: response and resolution limits per urgency and
//! class) and the deadlines they become (`deadline`: clocks stored as rows, with their reminder
//! and escalation chain; `desk`: the dispatch desk's own clocks). Built on `jiesu-model`; no IO.

pub mod calendar;
pub mod deadline;
pub mod desk;
pub mod left;
pub mod overlay;
pub mod sla;
