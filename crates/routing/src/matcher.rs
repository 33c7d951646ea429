//! Matching a request against the compiled rules: one automaton pass finds every keyword in the
//! text, the indexes hand over only the rules that can concern the request (by the lineage of its
//! category, the keywords found, the ancestry of its area), and each is checked in full.
//!
//! Matches are ordered best first: by specificity, then (a residual tie the checks allow, e.g.
//! two keyword rules with disjoint keywords both found) by the number of the rule's keywords
//! found, then by the longest keyword found, then by file order.

use std::cmp::Reverse;

use chrono::{DateTime, Utc};

use crate::hours::local_minute;
use crate::rule::{Rule, Specificity};
use crate::ruleset::RuleSet;
use jiesu_model::area::AreaCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::request::{Channel, Kind};

/// The facts about a request that rules look at.
#[derive(Debug, Clone, Copy)]
pub struct RouteInput<'a> {
    pub category: Option<&'a CategoryCode>,
    /// The request's words: its title and description.
    pub text: &'a str,
    /// The area it was placed in, if any.
    pub area: Option<&'a AreaCode>,
    pub kind: Kind,
    pub channel: Channel,
    /// When it was received (rules' hours are local time of day).
    pub at: DateTime<Utc>,
}

/// A rule that matched, with what matched it.
#[derive(Debug, Clone)]
pub struct RuleMatch<'a> {
    pub rule: &'a Rule,
    /// Position in file order (files in load order, rules in file order).
    pub position: usize,
    pub specificity: Specificity,
    /// The rule's category code the request's category falls under (the deepest, if several).
    pub category: Option<&'a CategoryCode>,
    /// The rule's area the request lies in (the deepest, if several).
    pub area: Option<&'a AreaCode>,
    /// The rule's keywords found in the text, longest first.
    pub keywords: Vec<&'a str>,
}

/// What is computed once per request, not once per rule.
struct Facts<'i> {
    /// Pattern ids found in the text, sorted.
    hits: Vec<u32>,
    /// The request's area code and its ancestors' codes, innermost first.
    ancestry: Vec<&'i str>,
    minute: u16,
    kind: u8,
    channel: u8,
}

impl RuleSet {
    /// Every rule that matches the request, best first.
    pub fn matching<'a>(&'a self, input: &RouteInput<'_>) -> Vec<RuleMatch<'a>> {
        let facts = self.facts(input);
        let mut found = Vec::new();
        let mut tried: Vec<u32> = Vec::new();
        let mut try_rule = |i: u32, category: Option<&str>| {
            // Only a rule with several codes, keywords or areas can be reached twice.
            if self.compiled[i as usize].reachable_twice {
                if tried.contains(&i) {
                    return;
                }
                tried.push(i);
            }
            if let Some(m) = self.evaluate(i as usize, category, &facts) {
                found.push(m);
            }
        };
        if let Some(code) = input.category {
            let code = code.as_str();
            // The code itself first, then its branches: the first sighting of a rule is its deepest.
            for len in (1..=code.len() / 2).rev().map(|l| l * 2) {
                for &i in self.by_category.get(&code[..len]).map_or(&[][..], Vec::as_slice) {
                    try_rule(i, Some(&code[..len]));
                }
            }
        }
        for &p in &facts.hits {
            for &i in &self.by_keyword[p as usize] {
                try_rule(i, None);
            }
        }
        for a in &facts.ancestry {
            for &i in self.by_area.get(*a).map_or(&[][..], Vec::as_slice) {
                try_rule(i, None);
            }
        }
        found.sort_by_key(|m| {
            let longest = m.keywords.first().map_or(0, |k| k.chars().count());
            (Reverse(m.specificity), Reverse(m.keywords.len()), Reverse(longest), m.position)
        });
        found
    }

    fn facts<'i>(&self, input: &RouteInput<'i>) -> Facts<'i> {
        let mut hits: Vec<u32> = match &self.automaton {
            Some(ac) => ac.find_overlapping_iter(input.text).map(|m| m.pattern().as_u32()).collect(),
            None => Vec::new(),
        };
        hits.sort_unstable();
        hits.dedup();
        let mut ancestry = Vec::new();
        if let Some(area) = input.area {
            let code = area.as_str();
            ancestry.push(code);
            ancestry.extend(code.rmatch_indices('.').map(|(i, _)| &code[..i]));
        }
        Facts {
            hits,
            ancestry,
            minute: local_minute(input.at),
            kind: 1 << input.kind as u8,
            channel: 1 << input.channel as u8,
        }
    }

    /// Checks every condition of rule `i`; `category` is the code through which it was reached.
    fn evaluate<'a>(&'a self, i: usize, category: Option<&str>, f: &Facts<'_>) -> Option<RuleMatch<'a>> {
        let (rule, c) = (&self.rules[i], &self.compiled[i]);
        if (c.kinds != 0 && c.kinds & f.kind == 0)
            || (c.channels != 0 && c.channels & f.channel == 0)
            || rule.hours.is_some_and(|h| !h.contains_minute(f.minute))
            || c.excludes.iter().any(|x| f.hits.binary_search(x).is_ok())
        {
            return None;
        }
        let area = if rule.areas.is_empty() {
            None
        } else {
            Some(f.ancestry.iter().find_map(|a| rule.areas.iter().find(|r| r.as_str() == *a))?)
        };
        let mut found: Vec<u32> =
            c.keywords.iter().copied().filter(|k| f.hits.binary_search(k).is_ok()).collect();
        if !c.keywords.is_empty() && found.is_empty() {
            return None;
        }
        found.sort_by_key(|&k| Reverse(self.pattern_chars[k as usize]));
        let keywords = found.iter().map(|&k| self.patterns[k as usize].as_str()).collect();
        let category = category.and_then(|code| rule.categories.iter().find(|r| r.as_str() == code));
        Some(RuleMatch {
            rule,
            position: i,
            specificity: rule.specificity(category, area),
            category,
            area,
            keywords,
        })
    }
}
