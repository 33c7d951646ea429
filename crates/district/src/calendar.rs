//! The files that say when things are due: `time-limits.toml` (the time-limit classes and the
//! default class of each urgency) and `calendar/<year>.toml` (one year's public holidays and
//! make-up working days). Strict like the other files, every error at its line; the domain's
//! `TimeLimits::new` and `CalendarYear` do the checking, this file only locates their complaints.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use jiesu_domain::calendar::CalendarYear;
use jiesu_domain::desk::DeskLimits;
use jiesu_domain::district::{District, DistrictParts};
use jiesu_domain::request::Urgency;
use jiesu_domain::sla::{Limit, LimitClass, TimeLimitClass, TimeLimits, TimeLimitsError, UrgencyDefaults};
use serde::Deserialize;
use toml::Spanned;

use crate::raw::{FileErrors, line, parse_toml};
use crate::{ConfigError, SourceFile};

pub(crate) const TIME_LIMITS: &str = "time-limits.toml";
pub(crate) const CALENDAR_DIR: &str = "calendar";

/// Whether `path` is a year of the working-day calendar: `calendar/<year>.toml`.
pub(crate) fn is_calendar_year(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "toml")
        && path.parent().and_then(Path::file_name).is_some_and(|d| d == CALENDAR_DIR)
}

/// The time limits are commitments to citizens, so a district states its own: a missing
/// `time-limits.toml` is an error, not a silent default.
pub(crate) fn require_time_limits(sources: &[SourceFile]) -> Option<ConfigError> {
    if sources.iter().any(|s| s.path.ends_with(TIME_LIMITS)) {
        return None;
    }
    let dir = sources.iter().find(|s| s.path.ends_with("bureaus.toml")).and_then(|s| s.path.parent());
    Some(ConfigError {
        file: dir.map_or_else(|| TIME_LIMITS.into(), |d| d.join(TIME_LIMITS)),
        line: None,
        message: "missing: a district defines its time-limit classes and the default of each urgency".into(),
    })
}

/// Warnings that do not stop the district from loading: a year the calendar does not cover
/// counts its working days Monday to Friday, wrong around every public holiday. The current year
/// must be covered; the next one from November, when the State Council has usually published its
/// holidays and deadlines of December tasks start to reach into it.
pub fn calendar_warnings(district: &District, today: NaiveDate) -> Vec<String> {
    let cal = district.calendar();
    let next = (today.month() >= 11).then_some(today.year() + 1);
    std::iter::once(today.year())
        .chain(next)
        .filter(|y| !cal.covers(*y))
        .map(|y| {
            format!(
                "{CALENDAR_DIR}/{y}.toml is missing: working days in {y} are counted Monday to Friday, \
                 ignoring public holidays and make-up working days; add {y} from the State Council's notice"
            )
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeLimitsFile {
    #[serde(default)]
    class: Vec<Spanned<RawClass>>,
    defaults: RawDefaults,
    desk: Option<RawDesk>,
}

/// `[desk]`: how long the dispatch desk has to place a request, review a held disclaim and
/// review a result. Optional: the standard limits apply to what it leaves out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDesk {
    placement: Option<Spanned<String>>,
    disclaim_review: Option<Spanned<String>>,
    closure_review: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    code: Spanned<String>,
    name: String,
    name_en: Option<String>,
    response: Spanned<String>,
    resolution: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    normal: Spanned<String>,
    urgent: Spanned<String>,
    critical: Spanned<String>,
}

impl RawDefaults {
    fn get(&self, urgency: Urgency) -> &Spanned<String> {
        match urgency {
            Urgency::Normal => &self.normal,
            Urgency::Urgent => &self.urgent,
            Urgency::Critical => &self.critical,
        }
    }
}

pub(crate) fn parse_time_limits(src: &SourceFile, parts: &mut DistrictParts) -> Result<(), Vec<ConfigError>> {
    let file: TimeLimitsFile = parse_toml(src)?;
    let mut errs = FileErrors::new(src);
    let mut classes = Vec::new();
    let mut class_lines = Vec::new();
    for item in &file.class {
        let at = line(src, item);
        let raw = item.get_ref();
        let code = errs.check(line(src, &raw.code), TimeLimitClass::parse(raw.code.get_ref()));
        let response = errs.check(line(src, &raw.response), Limit::parse(raw.response.get_ref()));
        let resolution = errs.check(line(src, &raw.resolution), Limit::parse(raw.resolution.get_ref()));
        if raw.name.trim().is_empty() {
            errs.at(Some(at), "a time-limit class needs a name");
        }
        if let (Some(code), Some(response), Some(resolution)) = (code, response, resolution) {
            let name_en = raw.name_en.clone();
            classes.push(LimitClass {
                code,
                name: raw.name.trim().to_owned(),
                name_en,
                response,
                resolution,
            });
            class_lines.push(at);
        }
    }
    let d = &file.defaults;
    let mut code = |u: Urgency| errs.check(line(src, d.get(u)), TimeLimitClass::parse(d.get(u).get_ref()));
    let defaults = match (code(Urgency::Normal), code(Urgency::Urgent), code(Urgency::Critical)) {
        (Some(normal), Some(urgent), Some(critical)) => UrgencyDefaults { normal, urgent, critical },
        _ => return errs.finish(),
    };
    // A class that did not parse would make the cross-checks below misleading.
    if !errs.errors.is_empty() {
        return errs.finish();
    }
    let mut desk = DeskLimits::standard();
    if let Some(raw) = &file.desk {
        let mut set = |slot: &mut Limit, given: &Option<Spanned<String>>| {
            if let Some(given) = given
                && let Some(limit) = errs.check(line(src, given), Limit::parse(given.get_ref()))
            {
                *slot = limit;
            }
        };
        set(&mut desk.placement, &raw.placement);
        set(&mut desk.disclaim_review, &raw.disclaim_review);
        set(&mut desk.closure_review, &raw.closure_review);
    }
    if !errs.errors.is_empty() {
        return errs.finish();
    }
    match TimeLimits::new(classes, defaults) {
        Ok(limits) => parts.time_limits = limits.with_desk(desk),
        Err(problems) => {
            for p in problems {
                let at = match &p {
                    TimeLimitsError::DuplicateClass { index, .. }
                    | TimeLimitsError::ResponseAfterResolution { index, .. } => class_lines[*index],
                    TimeLimitsError::UnknownDefault { urgency, .. } => line(src, d.get(*urgency)),
                };
                errs.at(Some(at), p.to_string());
            }
        }
    }
    errs.finish()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: Spanned<i32>,
    #[serde(default)]
    holiday: Vec<Spanned<RawDays>>,
    #[serde(default)]
    workday: Vec<Spanned<RawDays>>,
}

/// Named dates: a list, a `from`..=`to` span, or both.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDays {
    name: String,
    #[serde(default)]
    days: Vec<Spanned<String>>,
    from: Option<Spanned<String>>,
    to: Option<Spanned<String>>,
}

pub(crate) fn parse_calendar_year(
    src: &SourceFile,
    parts: &mut DistrictParts,
) -> Result<(), Vec<ConfigError>> {
    let file: YearFile = parse_toml(src)?;
    let mut errs = FileErrors::new(src);
    let year = *file.year.get_ref();
    let year_line = line(src, &file.year);
    let stem = src.path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if stem.parse::<i32>().is_ok_and(|named| named != year) {
        errs.at(Some(year_line), format!("the file is named for {stem} but says year = {year}"));
    }
    let mut cal = CalendarYear::new(year);
    for (entries, is_holiday) in [(&file.holiday, true), (&file.workday, false)] {
        for item in entries {
            for (at, date) in dates(src, item, year, &mut errs) {
                let raw = item.get_ref();
                let added = if is_holiday {
                    cal.add_holiday(&raw.name, date)
                } else {
                    cal.add_workday(&raw.name, date)
                };
                errs.check(at, added);
            }
        }
    }
    errs.check(year_line, parts.calendar.add_year(cal));
    // Dates are checked as parsed, then as added: put the complaints back in file order.
    errs.errors.sort_by_key(|e| e.line);
    errs.finish()
}

/// The dates of one entry, each with the line to blame for it.
fn dates(
    src: &SourceFile,
    item: &Spanned<RawDays>,
    year: i32,
    errs: &mut FileErrors,
) -> Vec<(usize, NaiveDate)> {
    let at = line(src, item);
    let raw = item.get_ref();
    if raw.name.trim().is_empty() {
        errs.at(Some(at), "an entry needs a name (春节, 国庆节调休, ...)");
    }
    let mut parse = |s: &Spanned<String>| {
        let at = line(src, s);
        NaiveDate::parse_from_str(s.get_ref(), "%Y-%m-%d")
            .map_err(|_| errs.at(Some(at), format!("`{}` is not a date (YYYY-MM-DD)", s.get_ref())))
            .ok()
            .map(|d| (at, d))
    };
    let mut out: Vec<(usize, NaiveDate)> = raw.days.iter().filter_map(&mut parse).collect();
    match (raw.from.as_ref().map(&mut parse), raw.to.as_ref().map(&mut parse)) {
        (None, None) if raw.days.is_empty() => {
            errs.at(Some(at), "the entry lists no dates: give `days`, or `from` and `to`");
        }
        (None, None) => {}
        (Some(Some((from_at, from))), Some(Some((to_at, to)))) => {
            if to < from {
                errs.at(Some(to_at), format!("the span ends ({to}) before it starts ({from})"));
            } else if from.year() != year || to.year() != year {
                errs.at(Some(from_at), format!("the span {from} to {to} is not within {year}"));
            } else {
                out.extend(from.iter_days().take_while(|d| *d <= to).map(|d| (from_at, d)));
            }
        }
        (Some(_), None) | (None, Some(_)) => errs.at(Some(at), "a span needs both `from` and `to`"),
        _ => {} // A date that did not parse is already reported.
    }
    out
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
