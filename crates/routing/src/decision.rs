//! The routing decision: every request gets an ordered list of candidate bureaus, each with the
//! reason it is there, and the urgency and time-limit class the best rule sets.

use serde::{Deserialize, Serialize};

use crate::matcher::{RouteInput, RuleMatch};
use crate::reason::RouteReason;
use crate::ruleset::RuleSet;
use jiesu_calendar::sla::TimeLimitClass;
use jiesu_model::area::AreaTree;
use jiesu_model::bureau::BureauCode;
use jiesu_model::request::Urgency;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub bureau: BureauCode,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assists: Vec<BureauCode>,
    pub reason: RouteReason,
}

/// The routing decision: candidates in the order they are tried. The first leads; when a bureau
/// disclaims, the next one gets the task. Never empty: the district always has a default owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    pub candidates: Vec<Candidate>,
    /// The urgency the best rule raises the request to (the request keeps a higher one).
    /// Absent from routings stored before rules could set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    /// The time-limit class the best rule sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit: Option<TimeLimitClass>,
}

impl Routing {
    pub fn lead(&self) -> &Candidate {
        &self.candidates[0]
    }

    /// The request's urgency after routing: a rule raises it, never lowers it.
    pub fn raise(&self, given: Urgency) -> Urgency {
        self.urgency.map_or(given, |u| u.max(given))
    }
}

/// Orders the candidates: the leads of the matching rules, best first; then the default owner of
/// the request's area (its innermost area that has one: in practice the street office); then the
/// district's. Each bureau appears once, with the reason it first earned its place. A request
/// without an area goes to the district's default owner after the rules.
pub fn route(rules: &RuleSet, areas: &AreaTree, input: &RouteInput<'_>) -> Routing {
    let matches = rules.matching(input);
    let mut candidates: Vec<Candidate> = Vec::with_capacity(matches.len() + 2);
    let mut push = |c: Candidate| {
        if !candidates.iter().any(|x| x.bureau == c.bureau) {
            candidates.push(c);
        }
    };
    for m in &matches {
        push(Candidate {
            bureau: m.rule.lead.clone(),
            assists: m.rule.assists.clone(),
            reason: reason(m, input),
        });
    }
    let local_owner =
        input.area.and_then(|a| areas.ancestry(a).into_iter().find(|a| a.default_owner.is_some()));
    let root = areas.root();
    for area in local_owner.into_iter().chain(std::iter::once(root)) {
        if let Some(owner) = &area.default_owner {
            push(Candidate {
                bureau: owner.clone(),
                assists: Vec::new(),
                reason: RouteReason::AreaDefaultOwner { area: area.code.clone() },
            });
        }
    }
    let best = matches.first().map(|m| m.rule);
    Routing {
        candidates,
        urgency: best.and_then(|r| r.urgency),
        time_limit: best.and_then(|r| r.time_limit.clone()),
    }
}

/// What matched, stating only the conditions the rule has.
fn reason(m: &RuleMatch<'_>, input: &RouteInput<'_>) -> RouteReason {
    let r = m.rule;
    RouteReason::Rule {
        rule: r.id.clone(),
        version: Some(r.version.clone()),
        category: m.category.cloned(),
        keywords: m.keywords.iter().map(|k| (*k).to_owned()).collect(),
        area: m.area.cloned(),
        kind: (!r.kinds.is_empty()).then_some(input.kind),
        channel: (!r.channels.is_empty()).then_some(input.channel),
        hours: r.hours,
        meeting: r.meeting,
    }
}
