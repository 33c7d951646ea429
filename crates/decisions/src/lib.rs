//! Jiesu's decisions, without IO: admitting a new request (`admission`: placed, routed, the lead
//! task dispatched, with the events saying why), the workflow staff and citizens drive
//! (`workflow`: the case, the commands, `decide` and the `Change` it returns), escalations,
//! coordination meetings and the rules they propose (`escalation`), and the district in force
//! composed from the files and the accepted rules (`compose`), and what each event tells whom
//! (`notices`).

pub mod admission;
pub mod compose;
pub mod escalation;
pub mod notices;
pub mod what_if;
pub mod workflow;

#[cfg(test)]
mod district_tests;
