//! The rules, checked and compiled once for lookup: the checks a rule set can make on its own
//! (duplicate ids, empty conditions, ties; references to bureaus, categories and areas are the
//! district's to check), one keyword automaton for every keyword of every rule, and indexes by
//! category code, keyword and area so that a request only looks at rules that can concern it.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::rule::{Rule, RuleId};

/// A problem with one rule, found while compiling; `related` names the other rule involved, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub rule: RuleId,
    pub message: String,
    pub related: Option<RuleId>,
}

/// A rule's conditions in the form matching uses: keywords as automaton pattern ids, kinds and
/// channels as bit sets.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) keywords: Vec<u32>,
    pub(crate) excludes: Vec<u32>,
    pub(crate) kinds: u8,
    pub(crate) channels: u8,
    /// Whether the indexes list the rule more than once (several codes, keywords or areas), so
    /// that matching must not evaluate it twice.
    pub(crate) reachable_twice: bool,
}

/// The compiled responsibility list. Rules keep their file order: it is the last tie-breaker.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    pub(crate) compiled: Vec<Compiled>,
    /// Every distinct keyword (include or exclude), indexed by automaton pattern id.
    pub(crate) patterns: Vec<String>,
    /// Pattern lengths in characters: the "longest keyword" tie-breaker counts characters.
    pub(crate) pattern_chars: Vec<u32>,
    pub(crate) automaton: Option<AhoCorasick>,
    /// Category code → rules naming it.
    pub(crate) by_category: HashMap<Box<str>, Vec<u32>>,
    /// Pattern id → rules without categories that need this keyword.
    pub(crate) by_keyword: Vec<Vec<u32>>,
    /// Area code → rules naming neither categories nor keywords, only this area.
    pub(crate) by_area: HashMap<Box<str>, Vec<u32>>,
}

impl RuleSet {
    /// Builds the automaton and the indexes of rules already checked (see `compile`).
    pub(crate) fn index(rules: Vec<Rule>) -> Self {
        let mut pattern_ids: HashMap<&str, u32> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut compiled = Vec::with_capacity(rules.len());
        for r in &rules {
            let keywords = intern(&r.keywords, &mut pattern_ids, &mut patterns);
            let excludes = intern(&r.exclude_keywords, &mut pattern_ids, &mut patterns);
            let reachable_twice = match () {
                _ if !r.categories.is_empty() => r.categories.len() > 1,
                _ if !keywords.is_empty() => keywords.len() > 1,
                _ => r.areas.len() > 1,
            };
            compiled.push(Compiled {
                reachable_twice,
                keywords,
                excludes,
                kinds: r.kinds.iter().fold(0, |m, k| m | 1 << *k as u8),
                channels: r.channels.iter().fold(0, |m, c| m | 1 << *c as u8),
            });
        }
        let mut by_category: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut by_keyword = vec![Vec::new(); patterns.len()];
        let mut by_area: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        for (i, (r, c)) in rules.iter().zip(&compiled).enumerate() {
            let i = i as u32;
            if !r.categories.is_empty() {
                for code in &r.categories {
                    by_category.entry(code.as_str().into()).or_default().push(i);
                }
            } else if !c.keywords.is_empty() {
                for &k in &c.keywords {
                    by_keyword[k as usize].push(i);
                }
            } else {
                for a in &r.areas {
                    by_area.entry(a.as_str().into()).or_default().push(i);
                }
            }
        }
        let pattern_chars = patterns.iter().map(|p| p.chars().count() as u32).collect();
        // Standard semantics with overlapping search reports every keyword occurrence, nested ones
        // included ("夜间" inside "夜间施工"), in one pass over the text.
        let automaton = (!patterns.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .expect("keywords are short literal strings")
        });
        Self { rules, compiled, patterns, pattern_chars, automaton, by_category, by_keyword, by_area }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    pub fn get(&self, id: &RuleId) -> Option<&Rule> {
        self.rules.iter().find(|r| &r.id == id)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// The automaton pattern ids of keywords, adding the ones not seen yet; sorted, without repeats.
fn intern<'r>(
    keywords: &'r [String],
    ids: &mut HashMap<&'r str, u32>,
    patterns: &mut Vec<String>,
) -> Vec<u32> {
    let mut v: Vec<u32> = keywords
        .iter()
        .map(|k| {
            *ids.entry(k.as_str()).or_insert_with(|| {
                patterns.push(k.clone());
                (patterns.len() - 1) as u32
            })
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}
