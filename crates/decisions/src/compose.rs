//! The district in force: the district as its files define it, plus the rules supervisors
//! accepted from coordination meetings, compiled together as one responsibility list.
//!
//! A meeting's rule never silently loses to, or ties with, another rule: it is checked against
//! the list in force before it is accepted (`check_acceptance`), and refused with the compile
//! messages if it does not fit. The files can still change under it later (a bureau dropped, a
//! new file rule that ties): then `compose` leaves the rule out, and says which and why, rather
//! than refusing the whole district. Accepted rules are taken in the order they were accepted,
//! so of two that came to tie, the later one is left out.

use crate::escalation::{ProposalId, ProposedRule};
use jiesu_routing::{Rule, RuleId, RuleSet};

use jiesu_routing::district::District;

/// An accepted rule left out of the district in force, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub proposal: ProposalId,
    pub rule: RuleId,
    pub problems: Vec<String>,
}

/// The district in force and the accepted rules it had to leave out.
#[derive(Debug, Clone)]
pub struct Composed {
    pub district: District,
    pub skipped: Vec<Skipped>,
}

/// The accepted rules that fit `files`, in acceptance order, and those that do not.
fn fitting(files: &District, accepted: &[ProposedRule]) -> (Vec<Rule>, Vec<Skipped>) {
    let mut candidates = Vec::with_capacity(accepted.len());
    let mut skipped = Vec::new();
    for p in accepted {
        match p.to_rule() {
            Ok(r) => candidates.push((p.id, r)),
            Err(e) => {
                skipped.push(Skipped { proposal: p.id, rule: p.rule_id(), problems: vec![e.to_string()] })
            }
        }
    }
    let all_known = candidates.iter().all(|(_, r)| files.unknown_references(r).is_empty());
    let rules = |extra: &[Rule]| files.rules().iter().chain(extra).cloned().collect::<Vec<_>>();
    let together: Vec<Rule> = candidates.iter().map(|(_, r)| r.clone()).collect();
    // The usual case: everything fits, one compile.
    if all_known && RuleSet::compile(rules(&together)).is_ok() {
        return (together, skipped);
    }
    let mut kept: Vec<Rule> = Vec::with_capacity(candidates.len());
    for (proposal, rule) in candidates {
        let mut problems = files.unknown_references(&rule);
        if problems.is_empty() {
            kept.push(rule.clone());
            if let Err(errs) = RuleSet::compile(rules(&kept)) {
                kept.pop();
                // The rest compiled before this one came: every problem is about it.
                problems = errs.into_iter().map(|e| e.message).collect();
            }
        }
        if !problems.is_empty() {
            skipped.push(Skipped { proposal, rule: rule.id, problems });
        }
    }
    (kept, skipped)
}

/// The district in force: `files` plus every accepted rule that still fits, in acceptance order.
pub fn compose(files: &District, accepted: &[ProposedRule]) -> Composed {
    let (kept, skipped) = fitting(files, accepted);
    // Each kept rule compiled with the ones before it, so the whole compiles too.
    let district = files.with_rules(kept).unwrap_or_else(|_| files.clone());
    Composed { district, skipped }
}

/// Whether `candidate` (a proposal about to be accepted, with the supervisor's edits) fits the
/// list in force: `files` and the `accepted` rules that fit them. Answers the rule it becomes, or
/// every problem: no category, an unknown bureau, area or category, a tie with another rule.
pub fn check_acceptance(
    files: &District,
    accepted: &[ProposedRule],
    candidate: &ProposedRule,
) -> Result<Rule, Vec<String>> {
    let rule = candidate.to_rule().map_err(|e| vec![e.to_string()])?;
    let problems = files.unknown_references(&rule);
    if !problems.is_empty() {
        return Err(problems);
    }
    let (mut kept, _) = fitting(files, accepted);
    kept.push(rule.clone());
    match RuleSet::compile(files.rules().iter().cloned().chain(kept).collect()) {
        Ok(_) => Ok(rule),
        Err(errs) => Err(errs.into_iter().map(|e| e.message).collect()),
    }
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;
