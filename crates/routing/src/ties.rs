//! Tie detection: two rules tie when their specificities are equal, some request can match both,
//! and they decide differently (lead, assists, urgency or time limit). Which one routed such a
//! request would then depend on file order, which nobody reading the list can see, so the rule set
//! is refused and `check-config` names both rules.
//!
//! A rule with several category codes or areas has a specificity per (code, area) it can match
//! through, so each rule is expanded into one *variant* per pair. Overlap is decided per dimension:
//!
//! - categories and areas: at equal depth, "equal or prefix" (category) and "equal or ancestor"
//!   (area) leave only equality, so variants are grouped by (specificity, code, area) and only
//!   rules in the same group are compared. This keeps 10,000 rules from costing 50 million pairs.
//! - kinds, channels: the sets intersect, or one rule does not restrict it.
//! - hours: the windows overlap, or one rule has none.
//! - keywords: two keyword rules overlap only if a keyword of one contains (or equals) a keyword of
//!   the other, and that longer keyword contains none of either rule's exclude keywords. Rules with
//!   disjoint keyword lists are deemed distinct, although one text may contain a keyword of each;
//!   at run time such a residual tie is broken deterministically: more keywords found, then the
//!   longest keyword found, then file order (see `matcher`).
//!
//! Exclude keywords are otherwise not used to prove rules disjoint, and a rule's broad code is
//! compared as if its deeper codes did not take part of its branch away: both err on the side of
//! reporting a tie, which the author resolves by making one rule more specific.

use std::collections::{HashMap, HashSet};

use crate::rule::{Rule, Specificity};
use crate::ruleset::{RuleError, RuleSet};

/// One way a rule can match: through one of its category codes and one of its areas.
#[derive(PartialEq, Eq, Hash)]
struct GroupKey<'a> {
    spec: Specificity,
    category: Option<&'a str>,
    area: Option<&'a str>,
}

pub(crate) fn find(set: &RuleSet) -> Vec<RuleError> {
    let mut groups: HashMap<GroupKey<'_>, Vec<u32>> = HashMap::new();
    for (i, r) in set.rules.iter().enumerate() {
        let cats: Vec<_> =
            if r.categories.is_empty() { vec![None] } else { r.categories.iter().map(Some).collect() };
        let areas: Vec<_> = if r.areas.is_empty() { vec![None] } else { r.areas.iter().map(Some).collect() };
        for c in &cats {
            for a in &areas {
                let key = GroupKey {
                    spec: r.specificity(*c, *a),
                    category: c.map(|c| c.as_str()),
                    area: a.map(|a| a.as_str()),
                };
                groups.entry(key).or_default().push(i as u32);
            }
        }
    }
    let contained = contained_patterns(set);
    let mut finder = Finder { set, contained: &contained, reported: HashSet::new(), errors: Vec::new() };
    // Sorted so that the errors come out in a stable order.
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, members)| members.len() > 1).collect();
    groups.sort_by_key(|(_, members)| members[0]);
    for (key, members) in groups {
        if key.spec.keywords {
            finder.keyword_group(&key, &members);
        } else {
            for (n, &a) in members.iter().enumerate() {
                for &b in &members[n + 1..] {
                    finder.check(&key, a, b, None);
                }
            }
        }
    }
    finder.errors.sort_by_key(|e| set.rules.iter().position(|r| r.id == e.rule));
    finder.errors
}

/// For every pattern (keyword), the patterns it contains, itself included.
fn contained_patterns(set: &RuleSet) -> Vec<Vec<u32>> {
    let Some(ac) = &set.automaton else { return Vec::new() };
    set.patterns
        .iter()
        .map(|p| {
            let mut ids: Vec<u32> =
                ac.find_overlapping_iter(p.as_str()).map(|m| m.pattern().as_u32()).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
        .collect()
}

struct Finder<'a> {
    set: &'a RuleSet,
    contained: &'a [Vec<u32>],
    reported: HashSet<(u32, u32)>,
    errors: Vec<RuleError>,
}

impl Finder<'_> {
    /// Pairs keyword rules through shared or nested keywords rather than comparing all pairs.
    fn keyword_group(&mut self, key: &GroupKey<'_>, members: &[u32]) {
        let (set, contained) = (self.set, self.contained);
        let mut having: HashMap<u32, Vec<u32>> = HashMap::new();
        for &m in members {
            for &k in &set.compiled[m as usize].keywords {
                having.entry(k).or_default().push(m);
            }
        }
        for &a in members {
            for &long in &set.compiled[a as usize].keywords {
                for &short in &contained[long as usize] {
                    for &b in having.get(&short).map_or(&[][..], Vec::as_slice) {
                        // A text containing `long` contains `short`: both rules' keywords are found,
                        // unless `long` itself carries an exclude keyword of either rule.
                        if b != a && !self.excluded(long, a) && !self.excluded(long, b) {
                            self.check(key, a.min(b), a.max(b), Some(long));
                        }
                    }
                }
            }
        }
    }

    fn excluded(&self, keyword: u32, rule: u32) -> bool {
        let excludes = &self.set.compiled[rule as usize].excludes;
        self.contained[keyword as usize].iter().any(|k| excludes.binary_search(k).is_ok())
    }

    /// Reports `b` (the later rule) if it ties with `a`.
    fn check(&mut self, key: &GroupKey<'_>, a: u32, b: u32, keyword: Option<u32>) {
        let (ra, rb) = (&self.set.rules[a as usize], &self.set.rules[b as usize]);
        let (ca, cb) = (&self.set.compiled[a as usize], &self.set.compiled[b as usize]);
        let sets_meet = |x: u8, y: u8| x == 0 || y == 0 || x & y != 0;
        let hours_meet = match (&ra.hours, &rb.hours) {
            (Some(x), Some(y)) => x.overlaps(y),
            _ => true,
        };
        if !sets_meet(ca.kinds, cb.kinds)
            || !sets_meet(ca.channels, cb.channels)
            || !hours_meet
            || ra.same_outcome(rb)
            || !self.reported.insert((a, b))
        {
            return;
        }
        let mut common = Vec::new();
        common.extend(key.category.map(|c| format!("category {c}")));
        common.extend(key.area.map(|a| format!("area {a}")));
        common.extend(keyword.map(|k| format!("text containing 「{}」", self.set.patterns[k as usize])));
        self.errors.push(RuleError {
            rule: rb.id.clone(),
            message: format!(
                "rule `{}` ties with rule `{}`: both have specificity {} and can match the same request ({}), \
                 but they decide differently ({}); make one of them more specific or give them the same outcome",
                rb.id,
                ra.id,
                key.spec,
                common.join(", "),
                difference(ra, rb),
            ),
            related: Some(ra.id.clone()),
        });
    }
}

fn difference(a: &Rule, b: &Rule) -> String {
    let show = |x: Option<String>| x.unwrap_or_else(|| "none".into());
    let list = |v: Vec<&jiesu_model::bureau::BureauCode>| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.iter().map(|b| b.as_str()).collect::<Vec<_>>().join("+")
        }
    };
    let mut out = Vec::new();
    if a.lead != b.lead {
        out.push(format!("lead {} vs {}", a.lead, b.lead));
    }
    if a.sorted_assists() != b.sorted_assists() {
        out.push(format!("assists {} vs {}", list(a.sorted_assists()), list(b.sorted_assists())));
    }
    if a.urgency != b.urgency {
        let u = |r: &Rule| show(r.urgency.map(|u| u.as_str().to_owned()));
        out.push(format!("urgency {} vs {}", u(a), u(b)));
    }
    if a.time_limit != b.time_limit {
        let t = |r: &Rule| show(r.time_limit.as_ref().map(ToString::to_string));
        out.push(format!("time limit {} vs {}", t(a), t(b)));
    }
    out.join(", ")
}
