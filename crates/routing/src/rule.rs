//! One line of the responsibility list (职责清单): the conditions a request must meet, what the rule
//! decides when it does, and its specificity, the measure by which the most specific rule wins.

use serde::{Deserialize, Serialize};

use crate::hours::Hours;
use jiesu_calendar::sla::TimeLimitClass;
use jiesu_model::ValidationError;
use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::ids::MeetingId;
use jiesu_model::request::{Channel, Kind, Urgency};
use jiesu_model::text::slug;
use jiesu_model::text::{bounded, string_newtype};

/// A rule's stable slug, unique across every rule file: routings stored years ago name it.
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

/// The version of the rule file a rule came from (`"2026-11-30"`, `"v3"`): recorded with every
/// routing, so that a decision can be explained by the list that was in force when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RuleVersion(String);

impl RuleVersion {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let v = bounded(raw, "version", true, 64)?;
        if v.chars().any(char::is_whitespace) {
            return Err(ValidationError::invalid(
                "version",
                "a version has no spaces, e.g. 2026-11-30 or v3",
            ));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(RuleVersion);

/// One rule. It matches a request when every condition it states holds; an unstated condition
/// matches anything. At least one of `categories`, `keywords` and `areas` must be stated, so that
/// no rule silently claims every request of the district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: RuleId,
    pub version: RuleVersion,
    /// Any of these codes, each covering its whole branch (`"03"` covers `030101`).
    pub categories: Vec<CategoryCode>,
    /// Any of these substrings of the request's text (title and description). Chinese has no
    /// spaces between words, so these are plain substrings, not words.
    pub keywords: Vec<String>,
    /// None of these substrings.
    pub exclude_keywords: Vec<String>,
    /// Any of these areas, each covering everything inside it.
    pub areas: Vec<AreaCode>,
    pub kinds: Vec<Kind>,
    pub channels: Vec<Channel>,
    /// A window of the district's local time of day, which may wrap midnight.
    pub hours: Option<Hours>,
    pub lead: BureauCode,
    pub assists: Vec<BureauCode>,
    /// Raises the request's urgency to at least this; never lowers it.
    pub urgency: Option<Urgency>,
    /// The time-limit class the request is handled under.
    pub time_limit: Option<TimeLimitClass>,
    pub note: Option<String>,
    /// The coordination meeting that proposed the rule, when a supervisor accepted it into the
    /// list; `None` for the rules of the district's files.
    pub meeting: Option<MeetingId>,
    /// Where the files define it (`rules/lamps.toml:12`); `None` for a rule from a meeting.
    pub source: Option<String>,
}

impl Rule {
    /// A rule with only an id, a version and a lead: the other fields are set by the caller.
    pub fn new(id: RuleId, version: RuleVersion, lead: BureauCode) -> Self {
        Self {
            id,
            version,
            categories: Vec::new(),
            keywords: Vec::new(),
            exclude_keywords: Vec::new(),
            areas: Vec::new(),
            kinds: Vec::new(),
            channels: Vec::new(),
            hours: None,
            lead,
            assists: Vec::new(),
            urgency: None,
            time_limit: None,
            note: None,
            meeting: None,
            source: None,
        }
    }

    /// How many of the kind, channel and hours conditions the rule states (0 to 3).
    pub fn constraints(&self) -> u8 {
        u8::from(!self.kinds.is_empty())
            + u8::from(!self.channels.is_empty())
            + u8::from(self.hours.is_some())
    }

    /// The rule's specificity for a request that matched it through `category` and `area` (the
    /// deepest of its codes that the request falls under).
    pub fn specificity(&self, category: Option<&CategoryCode>, area: Option<&AreaCode>) -> Specificity {
        Specificity {
            category_depth: category.map_or(0, |c| c.level() as u8),
            area_depth: area.map_or(0, |a| a.depth() as u8 + 1),
            keywords: !self.keywords.is_empty(),
            constraints: self.constraints(),
        }
    }

    /// What the rule decides, compared to tell a real conflict from two rules that agree.
    pub(crate) fn same_outcome(&self, other: &Rule) -> bool {
        self.lead == other.lead
            && self.sorted_assists() == other.sorted_assists()
            && self.urgency == other.urgency
            && self.time_limit == other.time_limit
    }

    /// The assists as a set: their order in the file means nothing.
    pub(crate) fn sorted_assists(&self) -> Vec<&BureauCode> {
        let mut v: Vec<&BureauCode> = self.assists.iter().collect();
        v.sort();
        v
    }
}

/// How specific a rule is for a request, compared field by field in this order (the derived
/// `Ord` is lexicographic); the greater is the more specific and wins:
///
/// 1. `category_depth`: the level of the deepest of the rule's category codes the request falls
///    under (1 for `03`, 3 for `030101`), 0 when the rule names no category. What a request is
///    about decides first: a street-level rule for all of `01` does not beat the district's rule
///    for `010102` road damage.
/// 2. `area_depth`: 1 + the depth of the deepest of the rule's areas the request lies in (1 for
///    the district, 2 for a street, 3 for a community, 4 for a grid), 0 when it names no area. A
///    street's own arrangement beats the district-wide one for the same category.
/// 3. `keywords`: whether the rule needs a keyword. Words in the text single out special cases
///    within a category and area ("夜间" in construction noise).
/// 4. `constraints`: how many of kinds, channels and hours the rule restricts.
///
/// Two rules whose specificities are equal and which can match the same request must agree on
/// the outcome, or the rule set is refused (see `RuleSet::compile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Specificity {
    pub category_depth: u8,
    pub area_depth: u8,
    pub keywords: bool,
    pub constraints: u8,
}

impl std::fmt::Display for Specificity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "(category {}, area {}, keywords {}, constraints {})",
            self.category_depth,
            self.area_depth,
            u8::from(self.keywords),
            self.constraints
        )
    }
}
