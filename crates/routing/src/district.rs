//! The district: its areas, bureaus, taxonomy, rules and gazetteer, checked as a whole so that a
//! rule never names a bureau that does not exist. Loading the files is the `district` crate's job;
//! this module only validates and answers questions.

use std::collections::{BTreeMap, BTreeSet};

use crate::{RouteInput, Routing, Rule, RuleError, RuleId, RuleSet, route};
use jiesu_calendar::calendar::WorkCalendar;
use jiesu_calendar::sla::TimeLimits;
use jiesu_model::area::{Area, AreaCode, AreaLevel, AreaTree, Gazetteer, Placement};
use jiesu_model::bureau::{Bureau, BureauCode, BureauKind};
use jiesu_model::category::{Category, CategoryCode, Taxonomy};
use jiesu_model::request::Location;

/// What a validation error is about, so a loader can point at the file and line that defined it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Bureau(BureauCode),
    Area(AreaCode),
    Category(CategoryCode),
    Rule(RuleId),
    /// A gazetteer entry, by its keyword.
    Place(String),
    /// The district as a whole (e.g. no district area at all).
    District,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DistrictError {
    pub subject: Subject,
    pub message: String,
    /// Another definition the problem involves (the rule a rule ties with), so that a loader can
    /// point at both.
    pub related: Option<Subject>,
}

/// The district's data as read from its files, before cross-checking.
#[derive(Debug, Clone, Default)]
pub struct DistrictParts {
    pub bureaus: Vec<Bureau>,
    pub areas: Vec<Area>,
    pub categories: Vec<Category>,
    pub rules: Vec<Rule>,
    pub gazetteer: Vec<(String, AreaCode)>,
    /// Checked as they are built (`WorkCalendar::add_year`, `TimeLimits::new`).
    pub calendar: WorkCalendar,
    pub time_limits: TimeLimits,
}

#[derive(Debug, Clone)]
pub struct District {
    bureaus: BTreeMap<BureauCode, Bureau>,
    areas: AreaTree,
    taxonomy: Taxonomy,
    rules: RuleSet,
    gazetteer: Gazetteer,
    calendar: WorkCalendar,
    time_limits: TimeLimits,
    /// The district area's default owner: who owns what nobody else does, and convenes by default.
    last_resort: BureauCode,
}

struct Errors(Vec<DistrictError>);

impl Errors {
    fn push(&mut self, subject: Subject, message: impl Into<String>) {
        self.0.push(DistrictError { subject, message: message.into(), related: None });
    }
}

impl District {
    /// Cross-checks everything and reports every problem found, not just the first.
    pub fn assemble(parts: DistrictParts) -> Result<Self, Vec<DistrictError>> {
        let mut errs = Errors(Vec::new());
        let bureaus = unique(parts.bureaus, |b| b.code.clone(), Subject::Bureau, "bureau", &mut errs);
        let areas = unique(parts.areas, |a| a.code.clone(), Subject::Area, "area", &mut errs);
        let categories =
            unique(parts.categories, |c| c.code.clone(), Subject::Category, "category", &mut errs);
        let bureau_known = |code: &BureauCode| bureaus.contains_key(code);

        for b in bureaus.values() {
            let needs_area = matches!(b.kind, BureauKind::StreetOffice | BureauKind::Community);
            match &b.area {
                Some(a) if !areas.contains_key(a) => errs.push(
                    Subject::Bureau(b.code.clone()),
                    format!("bureau `{}` serves unknown area `{a}`", b.code),
                ),
                None if needs_area => errs.push(
                    Subject::Bureau(b.code.clone()),
                    format!("bureau `{}` is a street office or community and needs an `area`", b.code),
                ),
                _ => {}
            }
        }

        let roots: Vec<&AreaCode> = areas.keys().filter(|c| c.depth() == 0).collect();
        if roots.len() != 1 {
            errs.push(
                Subject::District,
                format!("expected exactly one district area, found {}", roots.len()),
            );
        }
        for a in areas.values() {
            let subject = || Subject::Area(a.code.clone());
            if AreaLevel::for_depth(a.code.depth()) != Some(a.level) {
                errs.push(
                    subject(),
                    format!(
                        "area `{}` has level {:?}, but its code has depth {}",
                        a.code,
                        a.level,
                        a.code.depth()
                    ),
                );
            }
            if let Some(p) = a.code.parent().filter(|p| !areas.contains_key(p)) {
                errs.push(subject(), format!("area `{}` has no parent area `{p}`", a.code));
            }
            match &a.default_owner {
                Some(o) if !bureau_known(o) => {
                    errs.push(subject(), format!("area `{}` names unknown default owner `{o}`", a.code))
                }
                None if a.code.depth() == 0 => errs.push(
                    subject(),
                    format!("the district area `{}` needs a default owner: the owner of last resort", a.code),
                ),
                _ => {}
            }
        }

        for c in categories.values() {
            let subject = || Subject::Category(c.code.clone());
            if let Some(p) = c.code.parent().filter(|p| !categories.contains_key(p)) {
                errs.push(subject(), format!("category {} has no parent category {p}", c.code));
            }
            let is_branch = categories.keys().any(|k| k != &c.code && c.code.contains(k));
            if is_branch && !c.attributes.is_empty() {
                errs.push(
                    subject(),
                    format!("category {} has attributes but only leaves (services) may", c.code),
                );
            }
            let mut seen = std::collections::HashSet::new();
            for a in &c.attributes {
                if let Err(why) = check_attribute_def(a) {
                    errs.push(subject(), format!("category {}, attribute `{}`: {why}", c.code, a.code));
                }
                if !seen.insert(a.code.as_str()) {
                    errs.push(subject(), format!("category {} defines attribute `{}` twice", c.code, a.code));
                }
            }
        }

        // References are checked here, where bureaus, categories and areas are known; the rule set
        // checks the rest (ids, conditions, ties) when it compiles.
        for r in &parts.rules {
            let known = Known {
                bureau: &bureau_known,
                category: &|c| categories.contains_key(c),
                area: &|a| areas.contains_key(a),
                time_limits: &parts.time_limits,
            };
            for message in known.problems(r) {
                errs.push(Subject::Rule(r.id.clone()), message);
            }
        }
        let rules = RuleSet::compile(parts.rules).unwrap_or_else(|rule_errs| {
            for e in rule_errs {
                errs.0.push(DistrictError {
                    subject: Subject::Rule(e.rule),
                    message: e.message,
                    related: e.related.map(Subject::Rule),
                });
            }
            RuleSet::default()
        });

        for (keyword, area) in &parts.gazetteer {
            if keyword.trim().is_empty() {
                errs.push(Subject::Place(keyword.clone()), "a gazetteer keyword is empty");
            }
            if !areas.contains_key(area) {
                errs.push(
                    Subject::Place(keyword.clone()),
                    format!("place `{keyword}` names unknown area `{area}`"),
                );
            }
        }

        if !errs.0.is_empty() {
            return Err(errs.0);
        }
        let root = roots[0].clone();
        // Checked above: the district area has a default owner.
        let Some(last_resort) = areas.get(&root).and_then(|a| a.default_owner.clone()) else {
            return Err(vec![DistrictError {
                subject: Subject::Area(root),
                message: "the district area needs a default owner".into(),
                related: None,
            }]);
        };
        Ok(Self {
            last_resort,
            bureaus,
            areas: AreaTree::new(areas, root),
            taxonomy: Taxonomy::new(categories),
            rules,
            gazetteer: Gazetteer::new(parts.gazetteer),
            calendar: parts.calendar,
            time_limits: parts.time_limits,
        })
    }

    /// The district area's default owner (兜底单位 of last resort).
    pub fn last_resort(&self) -> &BureauCode {
        &self.last_resort
    }

    pub fn bureau(&self, code: &BureauCode) -> Option<&Bureau> {
        self.bureaus.get(code)
    }

    pub fn bureaus(&self) -> impl Iterator<Item = &Bureau> {
        self.bureaus.values()
    }

    pub fn areas(&self) -> &AreaTree {
        &self.areas
    }

    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    pub fn calendar(&self) -> &WorkCalendar {
        &self.calendar
    }

    pub fn time_limits(&self) -> &TimeLimits {
        &self.time_limits
    }

    /// Places a request: by its point when it has one inside the district, else by the area the
    /// channel named, else by its address.
    pub fn place(&self, location: &Location, named: Option<&AreaCode>) -> Option<Placement> {
        if let Some(area) = location.point().and_then(|p| self.areas.locate(p)) {
            return Some(Placement::Point { area: area.code.clone() });
        }
        if let Some(area) = named.filter(|a| self.areas.get(a).is_some()) {
            return Some(Placement::Named { area: area.clone() });
        }
        let address = location.address()?;
        self.gazetteer
            .lookup(address.as_str())
            .map(|(keyword, area)| Placement::Address { area: area.clone(), keyword: keyword.to_owned() })
    }

    /// The area a person named ("坑梓街道", "金沙社区", or a code), optionally inside another one:
    /// a community name is only unique within its street.
    pub fn area_named(&self, name: &str, within: Option<&AreaCode>) -> Option<&Area> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        self.areas.iter().find(|a| {
            let named = a.name == name || a.name_en.as_deref() == Some(name) || a.code.as_str() == name;
            named && within.is_none_or(|w| a.code.parent().as_ref() == Some(w))
        })
    }

    /// The candidate bureaus for a request, in order, with the best rule's urgency and time limit.
    pub fn route(&self, input: &RouteInput<'_>) -> Routing {
        route(&self.rules, &self.areas, input)
    }
}

/// Adding rules to a district (the rules supervisors accepted from meetings: see `compose`).
impl District {
    /// Every category, area, bureau and time-limit class `rule` names that this district lacks.
    pub fn unknown_references(&self, rule: &Rule) -> Vec<String> {
        let (bureau, category, area) = (
            |b: &BureauCode| self.bureaus.contains_key(b),
            |c: &CategoryCode| self.taxonomy.get(c).is_some(),
            |a: &AreaCode| self.areas.get(a).is_some(),
        );
        Known { bureau: &bureau, category: &category, area: &area, time_limits: &self.time_limits }
            .problems(rule)
    }

    /// This district with `extra` rules after its own, checked and compiled together as one list.
    /// The same district on another working-day calendar (the files' with the days
    /// administrators set laid over it).
    pub fn with_calendar(&self, calendar: WorkCalendar) -> District {
        District { calendar, ..self.clone() }
    }

    pub fn with_rules(&self, extra: Vec<Rule>) -> Result<District, Vec<RuleError>> {
        let mut errors: Vec<RuleError> = extra
            .iter()
            .flat_map(|r| {
                self.unknown_references(r).into_iter().map(|message| RuleError {
                    rule: r.id.clone(),
                    message,
                    related: None,
                })
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let rules = RuleSet::compile(self.rules.iter().cloned().chain(extra).collect());
        match rules {
            Ok(rules) => Ok(District {
                bureaus: self.bureaus.clone(),
                areas: self.areas.clone(),
                taxonomy: self.taxonomy.clone(),
                rules,
                gazetteer: self.gazetteer.clone(),
                calendar: self.calendar.clone(),
                time_limits: self.time_limits.clone(),
                last_resort: self.last_resort.clone(),
            }),
            Err(e) => {
                errors.extend(e);
                Err(errors)
            }
        }
    }
}

/// What a district knows, for checking what a rule names.
struct Known<'a> {
    bureau: &'a dyn Fn(&BureauCode) -> bool,
    category: &'a dyn Fn(&CategoryCode) -> bool,
    area: &'a dyn Fn(&AreaCode) -> bool,
    time_limits: &'a TimeLimits,
}

impl Known<'_> {
    /// Every category, area, bureau and time-limit class the rule names that the district lacks.
    fn problems(&self, r: &Rule) -> Vec<String> {
        let mut out = Vec::new();
        for c in r.categories.iter().filter(|c| !(self.category)(c)) {
            out.push(format!("rule `{}` names unknown category {c}", r.id));
        }
        for a in r.areas.iter().filter(|a| !(self.area)(a)) {
            out.push(format!("rule `{}` names unknown area `{a}`", r.id));
        }
        for b in std::iter::once(&r.lead).chain(&r.assists).filter(|b| !(self.bureau)(b)) {
            out.push(format!("rule `{}` names unknown bureau `{b}`", r.id));
        }
        // An unknown class would silently fall back to the urgency's default: refuse it.
        if let Some(c) = r.time_limit.as_ref().filter(|c| self.time_limits.class(c).is_none()) {
            out.push(format!("rule `{}` names unknown time-limit class `{c}`", r.id));
        }
        out
    }
}

fn check_attribute_def(a: &jiesu_model::category::AttributeDef) -> Result<(), &'static str> {
    use jiesu_model::category::Datatype;
    let code_ok = !a.code.is_empty()
        && a.code.len() <= 64
        && a.code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let is_list = matches!(a.datatype, Datatype::Singlevaluelist | Datatype::Multivaluelist);
    match () {
        _ if !code_ok => Err("codes are up to 64 letters, digits, _ or -"),
        _ if is_list && a.values.is_empty() => Err("a list attribute needs values"),
        _ if !is_list && !a.values.is_empty() => Err("only list attributes have values"),
        _ => Ok(()),
    }
}

/// Collects items by key, reporting duplicates.
fn unique<K: Ord + Clone + std::fmt::Display, T>(
    items: Vec<T>,
    key: impl Fn(&T) -> K,
    subject: impl Fn(K) -> Subject,
    what: &str,
    errs: &mut Errors,
) -> BTreeMap<K, T> {
    let mut seen = BTreeSet::new();
    let mut out = BTreeMap::new();
    for item in items {
        let k = key(&item);
        if !seen.insert(k.clone()) {
            errs.push(subject(k.clone()), format!("{what} `{k}` is defined twice"));
            continue;
        }
        out.insert(k, item);
    }
    out
}
