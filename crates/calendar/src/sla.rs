//! Time limits (时限): the classes a district defines (emergency, utilities, general, complex),
//! each with a response limit (dispatch → claim, 签收) and a resolution limit (dispatch → resolved,
//! 办结), which class a request gets, and the deadlines they give.
//!
//! A limit is clock time (`30m`, `2h`, `24h`) or working days (`5wd`):
//!
//! - **Clock time** runs around the clock, nights and holidays included: emergencies do not wait
//!   for Monday. The deadline is the start plus the duration.
//! - **Working days** are counted on the district's [`WorkCalendar`] in district local time
//!   ([`LOCAL`], UTC+8). The day the clock starts does not count (期间开始之日不计算在内), whether
//!   or not it is a working day; the limit ends at the end of the N-th following working day,
//!   23:59:59.999999 local time (the last instant at storage precision, so that anything done on
//!   that day, up to its last microsecond, is on time: on time means `done <= due`).

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use jiesu_model::ValidationError;
use jiesu_model::request::Urgency;
use jiesu_model::text::{slug, string_newtype};
use jiesu_model::time::LOCAL;

/// A time-limit class's code, e.g. `general` or `emergency`, as named in the district's
/// `time-limits.toml` and in the rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeLimitClass(String);

impl TimeLimitClass {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        slug(raw, "time_limit", 64).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(TimeLimitClass);

/// The longest working-day limit [`Limit::parse`] accepts: about a working year. Bounding it keeps
/// the day-by-day walk over the calendar short.
pub const MAX_WORKING_DAYS: u32 = 250;
/// The longest clock limit [`Limit::parse`] accepts, in hours: a year.
pub const MAX_CLOCK_HOURS: i64 = 366 * 24;

/// How long a task may take: clock time or working days. Written `30m`, `2h`, `5wd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Limit {
    Clock(Duration),
    WorkingDays(u32),
}

impl Limit {
    /// Parses `30m` (minutes), `2h` (hours) or `5wd` (working days); at least one unit, at most
    /// [`MAX_CLOCK_HOURS`] or [`MAX_WORKING_DAYS`]. There is no plain `d`: "7 days" is ambiguous
    /// between 168 hours and 7 working days, and the difference is a week at Spring Festival.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let invalid = |why: &str| ValidationError::invalid("time_limit", format!("`{s}` {why}"));
        let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (number, unit) = s.split_at(digits);
        let n: u32 = number.parse().map_err(|_| {
            invalid("is not a time limit: write minutes (30m), hours (2h) or working days (5wd)")
        })?;
        if n == 0 {
            return Err(invalid("is zero: a limit is at least one unit"));
        }
        let limit = match unit.trim() {
            "m" => Self::Clock(Duration::minutes(n.into())),
            "h" => Self::Clock(Duration::hours(n.into())),
            "wd" => Self::WorkingDays(n),
            _ => {
                return Err(invalid(
                    "has no known unit: write minutes (30m), hours (2h) or working days (5wd)",
                ));
            }
        };
        match limit {
            Self::Clock(d) if d > Duration::hours(MAX_CLOCK_HOURS) => {
                Err(invalid(&format!("is too long (at most {MAX_CLOCK_HOURS}h)")))
            }
            Self::WorkingDays(n) if n > MAX_WORKING_DAYS => {
                Err(invalid(&format!("is too long (at most {MAX_WORKING_DAYS}wd)")))
            }
            _ => Ok(limit),
        }
    }

    /// When a limit started at `start` runs out (see the module docs for the counting).
    pub fn due_from(&self, start: DateTime<Utc>, cal: &WorkCalendar) -> DateTime<Utc> {
        match *self {
            Self::Clock(d) => start.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC),
            Self::WorkingDays(n) => end_of_local_day(cal.working_days_after(local_date(start), n)),
        }
    }

    /// An approved extension (延期) by this limit, from the `due` it replaces: N working days are
    /// counted from the old due date, so the new deadline is the end of the N-th working day after
    /// it; clock time is added to it. Extending `due_from(s, n wd)` by `m wd` gives
    /// `due_from(s, (n + m) wd)`.
    pub fn extend(&self, due: DateTime<Utc>, cal: &WorkCalendar) -> DateTime<Utc> {
        // The old deadline is itself a start: its own day does not count.
        self.due_from(due, cal)
    }

    /// A lower bound on the time the limit allows: the duration, or 24 hours a working day (the
    /// N-th working day after a start ends at least N whole days after it).
    fn at_least(&self) -> Duration {
        match *self {
            Self::Clock(d) => d,
            Self::WorkingDays(n) => Duration::days(n.into()),
        }
    }

    /// Whether this limit is shorter than `other`: exactly when both count the same way; across
    /// kinds, a clock limit no longer than `other`'s lower bound always ends first, and a longer
    /// one is taken to end later (true outside the longest holidays).
    pub fn is_stricter_than(&self, other: &Limit) -> bool {
        match (self, other) {
            (Self::WorkingDays(a), Self::WorkingDays(b)) => a < b,
            (Self::Clock(a), _) => *a < other.at_least(),
            (Self::WorkingDays(_), Self::Clock(b)) => self.at_least() < *b,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::WorkingDays(n) => write!(f, "{n}wd"),
            Self::Clock(d) if d.num_seconds() % 3600 == 0 => write!(f, "{}h", d.num_hours()),
            Self::Clock(d) if d.num_seconds() % 60 == 0 => write!(f, "{}m", d.num_minutes()),
            Self::Clock(d) => write!(f, "{}s", d.num_seconds()),
        }
    }
}

impl TryFrom<String> for Limit {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Limit> for String {
    fn from(l: Limit) -> String {
        l.to_string()
    }
}

/// The date an instant falls on in the district.
fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&LOCAL).date_naive()
}

/// The last instant (at microsecond storage precision) of a district-local date.
fn end_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    let last = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("a valid time");
    LOCAL
        .from_local_datetime(&date.and_time(last))
        .single()
        .expect("a fixed offset maps every local time to one instant")
        .with_timezone(&Utc)
}

/// Which of a task's two deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// 签收: dispatch → the bureau claims the task.
    Response,
    /// 办结: dispatch → the bureau resolves it.
    Resolution,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 2] = [Self::Response, Self::Resolution];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Response => "response",
            Self::Resolution => "resolution",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Response => "签收",
            Self::Resolution => "办结",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL.into_iter().find(|k| k.as_str() == raw || k.name_zh() == raw)
    }
}

/// A class of time limits (时限类别), e.g. 一般件: response 1wd, resolution 5wd.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitClass {
    pub code: TimeLimitClass,
    pub name: String,
    pub name_en: Option<String>,
    pub response: Limit,
    pub resolution: Limit,
}

impl LimitClass {
    pub fn limit(&self, kind: DeadlineKind) -> Limit {
        match kind {
            DeadlineKind::Response => self.response,
            DeadlineKind::Resolution => self.resolution,
        }
    }
}

/// Both deadlines of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    pub response: DateTime<Utc>,
    pub resolution: DateTime<Utc>,
}

impl Deadlines {
    pub fn get(&self, kind: DeadlineKind) -> DateTime<Utc> {
        match kind {
            DeadlineKind::Response => self.response,
            DeadlineKind::Resolution => self.resolution,
        }
    }
}

/// Both deadlines of a task of `class` dispatched at `at`.
pub fn deadlines(class: &LimitClass, at: DateTime<Utc>, cal: &WorkCalendar) -> Deadlines {
    Deadlines { response: class.response.due_from(at, cal), resolution: class.resolution.due_from(at, cal) }
}

/// Which class each urgency gets when no rule names one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrgencyDefaults {
    pub normal: TimeLimitClass,
    pub urgent: TimeLimitClass,
    pub critical: TimeLimitClass,
}

impl UrgencyDefaults {
    pub fn get(&self, urgency: Urgency) -> &TimeLimitClass {
        match urgency {
            Urgency::Normal => &self.normal,
            Urgency::Urgent => &self.urgent,
            Urgency::Critical => &self.critical,
        }
    }
}

/// What the dispatch desk owes (its clocks are `desk::DeskClock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskClockKind {
    /// Place a request no rule could place (待分拨).
    Placement,
    /// Accept or reject a bureau's held disclaim (退单审核).
    DisclaimReview,
    /// Approve or send back a resolved request's result (结案审核).
    ClosureReview,
}

impl DeskClockKind {
    pub const ALL: [DeskClockKind; 3] = [Self::Placement, Self::DisclaimReview, Self::ClosureReview];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placement => "placement",
            Self::DisclaimReview => "disclaim_review",
            Self::ClosureReview => "closure_review",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// How long the desk has for each kind, from `time-limits.toml`'s `[desk]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeskLimits {
    pub placement: Limit,
    pub disclaim_review: Limit,
    pub closure_review: Limit,
}

impl DeskLimits {
    pub fn get(&self, kind: DeskClockKind) -> Limit {
        match kind {
            DeskClockKind::Placement => self.placement,
            DeskClockKind::DisclaimReview => self.disclaim_review,
            DeskClockKind::ClosureReview => self.closure_review,
        }
    }

    /// The sample district's: a request is placed within 2 hours around the clock (the hotline
    /// is staffed day and night, and a request nobody placed has no clock running anywhere
    /// else); a held disclaim and a result are reviewed within one working day (the municipal
    /// rule that a unit disclaims within one working day, applied to the desk's answer).
    pub fn standard() -> Self {
        let limit = |raw| Limit::parse(raw).expect("a valid limit");
        Self { placement: limit("2h"), disclaim_review: limit("1wd"), closure_review: limit("1wd") }
    }
}

impl Default for DeskLimits {
    fn default() -> Self {
        Self::standard()
    }
}

/// Why a district's time limits were refused. `index` is the class's position in the list given
/// to [`TimeLimits::new`], so a loader can point at the line that defined it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeLimitsError {
    #[error("time-limit class `{code}` is defined twice")]
    DuplicateClass { index: usize, code: TimeLimitClass },
    #[error(
        "time-limit class `{code}`: the response limit ({response}) is longer than the resolution limit ({resolution})"
    )]
    ResponseAfterResolution { index: usize, code: TimeLimitClass, response: Limit, resolution: Limit },
    #[error("the default class for {} requests, `{code}`, is not defined", urgency.as_str())]
    UnknownDefault { urgency: Urgency, code: TimeLimitClass },
}

/// The district's time-limit classes and the default class of each urgency, checked as a whole:
/// every default names a defined class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeLimits {
    classes: Vec<LimitClass>,
    defaults: UrgencyDefaults,
    /// The dispatch desk's own limits (`[desk]`; the standard ones when a district states none).
    desk: DeskLimits,
}

impl TimeLimits {
    /// Checks the classes (unique codes, a response no longer than the resolution when both count
    /// the same way) and the defaults; reports every problem, not just the first.
    pub fn new(classes: Vec<LimitClass>, defaults: UrgencyDefaults) -> Result<Self, Vec<TimeLimitsError>> {
        let mut errs = Vec::new();
        for (index, c) in classes.iter().enumerate() {
            if classes[..index].iter().any(|earlier| earlier.code == c.code) {
                errs.push(TimeLimitsError::DuplicateClass { index, code: c.code.clone() });
            }
            let same_kind = matches!(
                (c.response, c.resolution),
                (Limit::Clock(_), Limit::Clock(_)) | (Limit::WorkingDays(_), Limit::WorkingDays(_))
            );
            if same_kind && c.resolution.is_stricter_than(&c.response) {
                errs.push(TimeLimitsError::ResponseAfterResolution {
                    index,
                    code: c.code.clone(),
                    response: c.response,
                    resolution: c.resolution,
                });
            }
        }
        for urgency in Urgency::ALL {
            let code = defaults.get(urgency);
            if !classes.iter().any(|c| &c.code == code) {
                errs.push(TimeLimitsError::UnknownDefault { urgency, code: code.clone() });
            }
        }
        if errs.is_empty() { Ok(Self { classes, defaults, desk: DeskLimits::standard() }) } else { Err(errs) }
    }

    /// The same classes with the desk's limits set.
    pub fn with_desk(self, desk: DeskLimits) -> Self {
        Self { desk, ..self }
    }

    pub fn desk(&self) -> &DeskLimits {
        &self.desk
    }

    /// The classes in the order the district listed them.
    pub fn classes(&self) -> impl Iterator<Item = &LimitClass> {
        self.classes.iter()
    }

    pub fn class(&self, code: &TimeLimitClass) -> Option<&LimitClass> {
        self.classes.iter().find(|c| &c.code == code)
    }

    pub fn defaults(&self) -> &UrgencyDefaults {
        &self.defaults
    }

    /// The default class of an urgency.
    pub fn for_urgency(&self, urgency: Urgency) -> &LimitClass {
        self.class(self.defaults.get(urgency)).expect("TimeLimits::new checked that every default is defined")
    }

    /// The class a task gets: the class its routing rule names, else its urgency's default.
    /// A request marked urgent or critical never gets a longer resolution limit than its urgency's
    /// default, even when a rule names a slower class: the person who judged it urgent saw
    /// something the category alone does not say (a trapped passenger in a "lift fault").
    /// A rule naming an unknown class (the district's cross-check should prevent it) counts as
    /// naming none.
    pub fn choose(&self, rule_class: Option<&TimeLimitClass>, urgency: Urgency) -> &LimitClass {
        let by_urgency = self.for_urgency(urgency);
        match rule_class.and_then(|c| self.class(c)) {
            Some(by_rule)
                if urgency == Urgency::Normal
                    || !by_urgency.resolution.is_stricter_than(&by_rule.resolution) =>
            {
                by_rule
            }
            _ => by_urgency,
        }
    }

    /// The sample district's classes, after the anchors in DOMAIN.md (Beijing's 12345 draft
    /// standard and other cities' working-day limits). Districts built from files must state their
    /// own in `time-limits.toml`; this serves districts built in code (tests).
    pub fn standard() -> Self {
        let class = |code: &str, name: &str, name_en: &str, response: &str, resolution: &str| LimitClass {
            code: TimeLimitClass::parse(code).expect("a valid code"),
            name: name.to_owned(),
            name_en: Some(name_en.to_owned()),
            response: Limit::parse(response).expect("a valid limit"),
            resolution: Limit::parse(resolution).expect("a valid limit"),
        };
        let code = |c: &str| TimeLimitClass::parse(c).expect("a valid code");
        Self::new(
            vec![
                class("emergency", "紧急", "Emergency: threat to life or property", "30m", "2h"),
                class("utilities", "水电气", "Water, power, gas, heating", "2h", "24h"),
                class("urgent", "急件", "Urgent", "2h", "3wd"),
                class("general", "一般件", "General", "1wd", "5wd"),
                class("complex", "复杂件", "Complex", "1wd", "15wd"),
            ],
            UrgencyDefaults { normal: code("general"), urgent: code("urgent"), critical: code("emergency") },
        )
        .expect("the standard classes are consistent")
    }
}

impl Default for TimeLimits {
    fn default() -> Self {
        Self::standard()
    }
}

#[cfg(test)]
#[path = "sla_tests.rs"]
mod tests;
