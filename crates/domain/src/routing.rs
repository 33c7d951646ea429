//! The responsibility list (职责清单) as routing rules, and the routing decision: an ordered list of
//! candidate bureaus, each with the reason it is there, so every assignment can be explained.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::area::{AreaCode, AreaTree};
use crate::bureau::{BureauCode, slug};
use crate::category::CategoryCode;
use crate::text::string_newtype;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RuleId(String);

impl RuleId {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        slug(raw, "rule", 100).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(RuleId);

/// One line of the responsibility list: requests in these categories (a code covers its whole
/// branch) go to `lead`, with `assists` helping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: RuleId,
    pub categories: Vec<CategoryCode>,
    pub lead: BureauCode,
    pub assists: Vec<BureauCode>,
    pub note: Option<String>,
}

/// The rules, compiled for lookup: category code → the rule naming it.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_category: HashMap<CategoryCode, usize>,
}

impl RuleSet {
    /// Compiles the rules. A category named by two rules would make routing depend on file order,
    /// so it is refused; the errors name the later rule.
    pub fn new(rules: Vec<Rule>) -> Result<Self, Vec<(RuleId, String)>> {
        let mut by_category = HashMap::new();
        let mut errors = Vec::new();
        let mut ids = HashMap::new();
        for (i, rule) in rules.iter().enumerate() {
            if let Some(first) = ids.insert(rule.id.clone(), i) {
                errors.push((
                    rule.id.clone(),
                    format!("rule id `{}` is used twice (first at rule #{})", rule.id, first + 1),
                ));
            }
            for c in &rule.categories {
                if let Some(&other) = by_category.get(c) {
                    let other: &Rule = &rules[other];
                    errors.push((
                        rule.id.clone(),
                        format!(
                            "category {c} is already routed by rule `{}`: which one wins would be ambiguous",
                            other.id
                        ),
                    ));
                } else {
                    by_category.insert(c.clone(), i);
                }
            }
        }
        if errors.is_empty() { Ok(Self { rules, by_category }) } else { Err(errors) }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Rules that apply to a category, most specific first: the rule naming the leaf, then the
    /// one naming its branch, then the top level.
    pub fn matching<'a>(
        &'a self,
        category: &'a CategoryCode,
    ) -> impl Iterator<Item = (&'a Rule, CategoryCode)> + 'a {
        category.lineage().filter_map(move |c| self.by_category.get(&c).map(|&i| (&self.rules[i], c)))
    }
}

/// Why a bureau is a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum RouteReason {
    /// A responsibility-list rule names the bureau for this category (or its branch).
    Rule { rule: RuleId, matched: CategoryCode },
    /// No rule placed it: the default owner (兜底单位) of the area it is in.
    AreaDefaultOwner { area: AreaCode },
}

impl RouteReason {
    pub fn explain(&self) -> String {
        match self {
            Self::Rule { rule, matched } => format!("rule `{rule}` routes category {matched}"),
            Self::AreaDefaultOwner { area } => format!("default owner of area {area}"),
        }
    }
}

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<crate::request::Urgency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit: Option<crate::sla::TimeLimitClass>,
}

impl Routing {
    pub fn lead(&self) -> &Candidate {
        &self.candidates[0]
    }
}

/// Orders the candidates: matching rules from the most specific, then the default owners of the
/// request's area and its ancestors (the street office, then the district), each bureau once.
/// Without an area, the district's default owner.
pub fn route(
    rules: &RuleSet,
    areas: &AreaTree,
    category: Option<&CategoryCode>,
    area: Option<&AreaCode>,
) -> Routing {
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut push = |c: Candidate| {
        if !candidates.iter().any(|x| x.bureau == c.bureau) {
            candidates.push(c);
        }
    };
    if let Some(cat) = category {
        for (rule, matched) in rules.matching(cat) {
            push(Candidate {
                bureau: rule.lead.clone(),
                assists: rule.assists.clone(),
                reason: RouteReason::Rule { rule: rule.id.clone(), matched },
            });
        }
    }
    let ancestry = match area {
        Some(a) => areas.ancestry(a),
        None => vec![areas.root()],
    };
    for a in ancestry {
        if let Some(owner) = &a.default_owner {
            push(Candidate {
                bureau: owner.clone(),
                assists: Vec::new(),
                reason: RouteReason::AreaDefaultOwner { area: a.code.clone() },
            });
        }
    }
    Routing { candidates, urgency: None, time_limit: None }
}
