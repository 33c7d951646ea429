//! Checking and compiling the rules: the checks a rule fails on its own, then the index
//! (`ruleset`), then the ties between rules (`ties`, which reads the index). Apart from `ruleset`
//! so that the compiled form and the tie finder that reads it do not import each other.

use std::collections::HashSet;

use crate::rule::Rule;
use crate::ruleset::{RuleError, RuleSet};
use crate::ties;

impl RuleSet {
    /// Checks and compiles the rules, reporting every problem: a duplicate id (at its second
    /// definition), a rule with no category, keyword or area, an empty keyword, a lead among its
    /// own assists, and ties (see `ties`).
    pub fn compile(rules: Vec<Rule>) -> Result<Self, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for r in &rules {
            let mut err = |message: String| {
                errors.push(RuleError { rule: r.id.clone(), message, related: None });
            };
            if !seen.insert(&r.id) {
                err(format!("rule id `{}` is defined twice", r.id));
            }
            if r.categories.is_empty() && r.keywords.is_empty() && r.areas.is_empty() {
                err(format!(
                    "rule `{}` names no category, keyword or area: it would claim every request",
                    r.id
                ));
            }
            if r.keywords.iter().chain(&r.exclude_keywords).any(|k| k.trim().is_empty()) {
                err(format!("rule `{}` has an empty keyword", r.id));
            }
            if r.assists.contains(&r.lead) {
                err(format!("rule `{}` lists its lead `{}` among the assists", r.id, r.lead));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set = Self::index(rules);
        let ties = ties::find(&set);
        if ties.is_empty() { Ok(set) } else { Err(ties) }
    }
}
