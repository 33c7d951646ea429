//! The time-limit and calendar files: the sample loads, and every mistake is reported at its line.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use jiesu_domain::request::Urgency;
use jiesu_domain::sla::{TimeLimits, deadlines};

use super::*;
use crate::tests::{sample, with_file};
use crate::{load, load_dir, sample_sources};

const LIMITS: &str = "config/time-limits.toml";
const Y2026: &str = "config/calendar/2026.toml";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("a time").with_timezone(&Utc)
}

/// The errors of loading the sample with `path` replaced by `text`, as `file:line: message`.
fn errors(path: &str, text: &str) -> Vec<String> {
    let err = load(&with_file(path, text)).expect_err("an error");
    err.0.iter().map(ToString::to_string).collect()
}

fn has(errors: &[String], want: &str) -> bool {
    errors.iter().any(|e| e.contains(want))
}

#[test]
fn the_sample_time_limits_are_the_standard_ones() {
    let d = sample();
    assert_eq!(d.time_limits(), &TimeLimits::standard());
    assert_eq!(d.time_limits().for_urgency(Urgency::Normal).code.as_str(), "general");
}

#[test]
fn the_sample_calendar_covers_2025_and_2026_as_published() {
    let d = sample();
    let cal = d.calendar();
    assert_eq!(cal.covered_years().collect::<Vec<_>>(), [2025, 2026]);
    for worked in ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"] {
        assert!(cal.is_working_day(date(worked)), "{worked}");
    }
    for worked in ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"] {
        assert!(cal.is_working_day(date(worked)), "{worked}");
    }
    for off in ["2025-01-01", "2025-02-04", "2025-06-02", "2025-10-08", "2026-01-02", "2026-02-23"] {
        assert!(!cal.is_working_day(date(off)), "{off}");
    }
    for off in ["2026-04-06", "2026-05-05", "2026-06-19", "2026-09-25", "2026-10-07"] {
        assert!(!cal.is_working_day(date(off)), "{off}");
    }
    assert_eq!(cal.holiday(date("2026-10-01")), Some("国庆节"));
    assert_eq!(cal.year(2026).map(|y| y.holidays().count()), Some(3 + 9 + 3 + 5 + 3 + 3 + 7));
    assert_eq!(cal.year(2025).map(|y| y.workdays().count()), Some(5));
}

#[test]
fn the_sample_gives_deadlines_across_national_day() {
    let d = sample();
    // Wed 30 Sep 2026, 10:00 in Pingshan: a general task is claimed by the end of Thu 8 Oct and
    // resolved by the end of Tue 13 Oct (8, 9, Sat 10 worked, 12, 13).
    let due = deadlines(
        d.time_limits().for_urgency(Urgency::Normal),
        at("2026-09-30T10:00:00+08:00"),
        d.calendar(),
    );
    assert_eq!(due.response, at("2026-10-08T23:59:59.999999+08:00"));
    assert_eq!(due.resolution, at("2026-10-13T23:59:59.999999+08:00"));
}

#[test]
fn the_calendar_on_disk_matches_the_embedded_one() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    let d = load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.calendar(), sample().calendar());
    assert_eq!(d.time_limits(), sample().time_limits());
}

#[test]
fn a_missing_year_is_worth_a_warning() {
    let d = sample();
    assert!(calendar_warnings(&d, date("2026-06-01")).is_empty());
    let w = calendar_warnings(&d, date("2026-11-30"));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("calendar/2027.toml is missing"), "{w:?}");
    assert_eq!(calendar_warnings(&d, date("2027-01-05")).len(), 1);
}

#[test]
fn without_a_time_limits_file_the_district_does_not_load() {
    let sources: Vec<_> = sample_sources().into_iter().filter(|s| !s.path.ends_with(TIME_LIMITS)).collect();
    let err = load(&sources).expect_err("missing");
    assert_eq!(err.0[0].to_string(), format!("config/time-limits.toml: {}", err.0[0].message));
    assert!(err.0[0].message.starts_with("missing"), "{err}");
}

const CLASS: &str =
    "[[class]]\ncode = \"general\"\nname = \"一般件\"\nresponse = \"1wd\"\nresolution = \"5wd\"\n";
const DEFAULTS: &str = "\n[defaults]\nnormal = \"general\"\nurgent = \"general\"\ncritical = \"general\"\n";

#[test]
fn a_malformed_limit_is_reported_at_its_line() {
    let errs = errors(LIMITS, &format!("{}{DEFAULTS}", CLASS.replace("\"5wd\"", "\"5d\"")));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("config/time-limits.toml:5: time_limit is not valid: `5d` has no known unit"),
        "{errs:?}"
    );
}

#[test]
fn a_default_naming_an_unknown_class_is_reported_at_its_line() {
    let errs = errors(
        LIMITS,
        &format!("{CLASS}{}", DEFAULTS.replace("critical = \"general\"", "critical = \"emergency\"")),
    );
    assert_eq!(
        errs,
        ["config/time-limits.toml:10: the default class for critical requests, `emergency`, is not defined"]
    );
}

#[test]
fn a_class_defined_twice_is_reported_at_the_second() {
    let errs = errors(LIMITS, &format!("{CLASS}\n{CLASS}{DEFAULTS}"));
    assert_eq!(errs, ["config/time-limits.toml:7: time-limit class `general` is defined twice"]);
}

#[test]
fn a_response_slower_than_the_resolution_is_refused() {
    let class = CLASS.replace("\"1wd\"", "\"7wd\"");
    let errs = errors(LIMITS, &format!("{class}{DEFAULTS}"));
    assert!(
        has(&errs, "config/time-limits.toml:1: time-limit class `general`: the response limit (7wd)"),
        "{errs:?}"
    );
}

#[test]
fn unknown_keys_and_missing_defaults_in_time_limits_are_reported() {
    let errs = errors(LIMITS, &format!("{}colour = \"red\"\n{DEFAULTS}", CLASS));
    assert!(has(&errs, "config/time-limits.toml:6: unknown field `colour`"), "{errs:?}");
    let errs = errors(LIMITS, CLASS);
    assert!(has(&errs, "missing field `defaults`"), "{errs:?}");
}

#[test]
fn a_date_outside_its_year_or_not_a_date_is_reported_at_its_line() {
    let text = "year = 2026\n\n[[holiday]]\nname = \"春节\"\ndays = [\n  \"2026-02-15\",\n  \"2025-02-16\",\n  \"2026-02-30\",\n]\n";
    let errs = errors(Y2026, text);
    assert_eq!(
        errs,
        [
            "config/calendar/2026.toml:7: holiday is not valid: 2025-02-16 is not in 2026",
            "config/calendar/2026.toml:8: `2026-02-30` is not a date (YYYY-MM-DD)",
        ]
    );
}

#[test]
fn a_make_up_day_must_be_a_weekend_and_not_a_holiday() {
    let text = "year = 2026\n[[holiday]]\nname = \"春节\"\nfrom = \"2026-02-15\"\nto = \"2026-02-23\"\n\
                [[workday]]\nname = \"春节调休\"\ndays = [\"2026-02-13\", \"2026-02-15\"]\n";
    let errs = errors(Y2026, text);
    assert_eq!(
        errs,
        [
            "config/calendar/2026.toml:8: workday is not valid: 2026-02-13 is a Friday: a make-up working day must be a Saturday or Sunday",
            "config/calendar/2026.toml:8: workday is not valid: 2026-02-15 is already listed as a holiday (春节)",
        ]
    );
}

#[test]
fn a_bad_span_is_reported() {
    let text = "year = 2026\n[[holiday]]\nname = \"春节\"\nfrom = \"2026-02-23\"\nto = \"2026-02-15\"\n\
                [[holiday]]\nname = \"元旦\"\nfrom = \"2026-12-31\"\nto = \"2027-01-02\"\n\
                [[holiday]]\nname = \"清明节\"\nfrom = \"2026-04-04\"\n\
                [[workday]]\nname = \"调休\"\n";
    let errs = errors(Y2026, text);
    assert_eq!(
        errs,
        [
            "config/calendar/2026.toml:5: the span ends (2026-02-15) before it starts (2026-02-23)",
            "config/calendar/2026.toml:8: the span 2026-12-31 to 2027-01-02 is not within 2026",
            "config/calendar/2026.toml:10: a span needs both `from` and `to`",
            "config/calendar/2026.toml:13: the entry lists no dates: give `days`, or `from` and `to`",
        ]
    );
}

#[test]
fn a_year_defined_twice_or_in_the_wrong_file_is_reported() {
    let mut sources = sample_sources();
    sources.push(SourceFile { path: "config/calendar/extra.toml".into(), text: "\nyear = 2026\n".into() });
    let err = load(&sources).expect_err("twice");
    assert_eq!(err.to_string(), "config/calendar/extra.toml:2: year is not valid: 2026 is defined twice");

    let errs = errors("config/calendar/2025.toml", "year = 2024\n");
    assert_eq!(errs, ["config/calendar/2025.toml:1: the file is named for 2025 but says year = 2024"]);
}

#[test]
fn an_unknown_key_in_a_calendar_entry_is_reported_at_its_line() {
    let errs = errors(Y2026, "year = 2026\n[[holiday]]\nname = \"春节\"\ndate = \"2026-02-15\"\n");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("config/calendar/2026.toml:4: unknown field `date`"), "{errs:?}");
}
