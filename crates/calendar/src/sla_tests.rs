//! Time limits and deadlines, on the 2025 and 2026 calendars. Every expected date was counted by
//! hand on a printed calendar; the comments show the count.

use chrono::{DateTime, NaiveDateTime, Utc};
use proptest::prelude::*;

use super::*;
use crate::calendar::tests::{china, d};

/// A district-local time, `2026-09-18 14:00`.
fn local(s: &str) -> DateTime<Utc> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a local time");
    LOCAL.from_local_datetime(&t).single().expect("one instant").with_timezone(&Utc)
}

/// The end of a district-local date, written out independently of `end_of_local_day`.
fn end_of(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}T23:59:59.999999+08:00")).expect("a time").with_timezone(&Utc)
}

fn wd(n: u32) -> Limit {
    Limit::WorkingDays(n)
}

fn class(code: &str) -> TimeLimitClass {
    TimeLimitClass::parse(code).expect("a code")
}

#[test]
fn limits_parse_from_their_short_form_and_print_back() {
    assert_eq!(Limit::parse("30m"), Ok(Limit::Clock(Duration::minutes(30))));
    assert_eq!(Limit::parse("2h"), Ok(Limit::Clock(Duration::hours(2))));
    assert_eq!(Limit::parse(" 24h "), Ok(Limit::Clock(Duration::hours(24))));
    assert_eq!(Limit::parse("5wd"), Ok(wd(5)));
    assert_eq!(Limit::parse("15 wd"), Ok(wd(15)));
    for s in ["30m", "2h", "24h", "90m", "1wd", "15wd"] {
        assert_eq!(Limit::parse(s).expect("valid").to_string(), s);
    }
    assert_eq!(Limit::parse("120m").expect("valid").to_string(), "2h");
}

#[test]
fn malformed_limits_are_refused_with_a_reason() {
    for (raw, why) in [
        ("", "not a time limit"),
        ("h", "not a time limit"),
        ("-1h", "not a time limit"),
        ("5", "no known unit"),
        ("5d", "no known unit"),
        ("2 hours", "no known unit"),
        ("0h", "zero"),
        ("0wd", "zero"),
        ("251wd", "too long"),
        ("8785h", "too long"),
        ("99999999999h", "not a time limit"),
    ] {
        let err = Limit::parse(raw).expect_err(raw);
        assert_eq!(err.field(), "time_limit");
        assert!(err.to_string().contains(why), "{raw}: {err}");
    }
}

#[test]
fn limits_serialize_as_their_short_form() {
    assert_eq!(serde_json::to_string(&wd(5)).expect("json"), "\"5wd\"");
    assert_eq!(serde_json::from_str::<Limit>("\"30m\"").expect("json"), Limit::Clock(Duration::minutes(30)));
    assert!(serde_json::from_str::<Limit>("\"5d\"").is_err());
}

#[test]
fn a_working_day_limit_ends_at_the_last_instant_of_the_local_day() {
    let due = wd(1).due_from(local("2026-03-06 16:00"), &china());
    assert_eq!(due.to_rfc3339(), "2026-03-09T15:59:59.999999+00:00");
}

#[test]
fn working_days_skip_the_weekend() {
    let cal = china();
    // Fri 6 Mar 2026, 16:00: Sat 7, Sun 8 off; Mon 9 (1) ... Fri 13 (5).
    let start = local("2026-03-06 16:00");
    assert_eq!(wd(1).due_from(start, &cal), end_of("2026-03-09"));
    assert_eq!(wd(5).due_from(start, &cal), end_of("2026-03-13"));
}

#[test]
fn working_days_count_in_district_time_not_utc() {
    // 20:00 UTC on Thu 5 Mar is 04:00 on Fri 6 Mar in the district: the start day is Friday.
    let start = DateTime::parse_from_rfc3339("2026-03-05T20:00:00Z").expect("time").with_timezone(&Utc);
    assert_eq!(wd(1).due_from(start, &china()), end_of("2026-03-09"));
}

#[test]
fn national_day_2026_counts_its_make_up_working_days() {
    let cal = china();
    // Fri 18 Sep, 14:00: Sat 19 off; Sun 20 worked (1); Mon 21 (2), Tue 22 (3), Wed 23 (4),
    // Thu 24 (5). (Fri 25 to Sun 27 is the Mid-Autumn holiday.)
    assert_eq!(wd(5).due_from(local("2026-09-18 14:00"), &cal), end_of("2026-09-24"));
    // Wed 30 Sep: Thu 1 to Wed 7 Oct off; Thu 8 (1), Fri 9 (2), Sat 10 worked (3), Sun 11 off,
    // Mon 12 (4), Tue 13 (5).
    assert_eq!(wd(5).due_from(local("2026-09-30 10:00"), &cal), end_of("2026-10-13"));
    // Thu 24 Sep: Fri 25 to Sun 27 off (Mid-Autumn); Mon 28 (1), Tue 29 (2), Wed 30 (3).
    assert_eq!(wd(1).due_from(local("2026-09-24 09:00"), &cal), end_of("2026-09-28"));
    assert_eq!(wd(3).due_from(local("2026-09-24 09:00"), &cal), end_of("2026-09-30"));
}

#[test]
fn spring_festival_2026_counts_its_make_up_saturdays() {
    let cal = china();
    // Fri 13 Feb, 10:00: Sat 14 worked (1); Sun 15 to Mon 23 off; Tue 24 (2), Wed 25 (3),
    // Thu 26 (4), Fri 27 (5), Sat 28 worked (6), Sun 1 Mar off, Mon 2 Mar (7).
    let start = local("2026-02-13 10:00");
    assert_eq!(wd(1).due_from(start, &cal), end_of("2026-02-14"));
    assert_eq!(wd(5).due_from(start, &cal), end_of("2026-02-27"));
    assert_eq!(wd(6).due_from(start, &cal), end_of("2026-02-28"));
    assert_eq!(wd(7).due_from(start, &cal), end_of("2026-03-02"));
    // Thu 12 Feb: Fri 13 (1), Sat 14 worked (2).
    assert_eq!(wd(2).due_from(local("2026-02-12 17:30"), &cal), end_of("2026-02-14"));
}

#[test]
fn national_day_2025_merged_with_mid_autumn() {
    let cal = china();
    // Fri 26 Sep 2025: Sat 27 off; Sun 28 worked (1); Mon 29 (2), Tue 30 (3); Wed 1 to Wed 8 Oct
    // off; Thu 9 (4), Fri 10 (5), Sat 11 worked (6).
    let start = local("2025-09-26 11:00");
    assert_eq!(wd(3).due_from(start, &cal), end_of("2025-09-30"));
    assert_eq!(wd(5).due_from(start, &cal), end_of("2025-10-10"));
    assert_eq!(wd(6).due_from(start, &cal), end_of("2025-10-11"));
}

#[test]
fn a_start_on_a_holiday_or_weekend_counts_from_the_next_working_day() {
    let cal = china();
    // Sat 3 Oct 2026 (holiday): Thu 8 (1), Fri 9 (2), Sat 10 worked (3), Mon 12 (4), Tue 13 (5).
    assert_eq!(wd(5).due_from(local("2026-10-03 09:00"), &cal), end_of("2026-10-13"));
    // Sun 8 Mar 2026: Mon 9 (1).
    assert_eq!(wd(1).due_from(local("2026-03-08 22:00"), &cal), end_of("2026-03-09"));
    // Sun 20 Sep 2026 is worked, but the start day never counts: Mon 21 (1).
    assert_eq!(wd(1).due_from(local("2026-09-20 10:00"), &cal), end_of("2026-09-21"));
}

#[test]
fn clock_limits_run_through_holidays_and_nights() {
    let cal = china();
    let start = local("2026-10-01 10:00");
    assert_eq!(Limit::parse("30m").expect("limit").due_from(start, &cal), local("2026-10-01 10:30"));
    assert_eq!(Limit::parse("2h").expect("limit").due_from(start, &cal), local("2026-10-01 12:00"));
    assert_eq!(Limit::parse("24h").expect("limit").due_from(start, &cal), local("2026-10-02 10:00"));
    let night = local("2026-02-16 23:00");
    assert_eq!(Limit::parse("2h").expect("limit").due_from(night, &cal), local("2026-02-17 01:00"));
}

#[test]
fn an_extension_moves_the_deadline_by_working_days_past_the_old_one() {
    let cal = china();
    // Due Tue 13 Oct 2026; +5wd: Wed 14 (1), Thu 15 (2), Fri 16 (3), Mon 19 (4), Tue 20 (5).
    let due = wd(5).due_from(local("2026-09-30 10:00"), &cal);
    assert_eq!(wd(5).extend(due, &cal), end_of("2026-10-20"));
    // Due Fri 13 Feb 2026; +3wd: Sat 14 worked (1), Tue 24 (2), Wed 25 (3).
    assert_eq!(wd(3).extend(end_of("2026-02-13"), &cal), end_of("2026-02-25"));
    // A clock extension adds its time.
    assert_eq!(Limit::parse("24h").expect("limit").extend(end_of("2026-02-13"), &cal), end_of("2026-02-14"));
}

#[test]
fn a_task_gets_both_deadlines_of_its_class() {
    let cal = china();
    let limits = TimeLimits::standard();
    let general = limits.class(&class("general")).expect("general");
    // Wed 30 Sep 2026: response 1wd → Thu 8 Oct; resolution 5wd → Tue 13 Oct.
    let due = deadlines(general, local("2026-09-30 10:00"), &cal);
    assert_eq!(due, Deadlines { response: end_of("2026-10-08"), resolution: end_of("2026-10-13") });
    assert_eq!(due.get(DeadlineKind::Resolution), end_of("2026-10-13"));
    let emergency = limits.for_urgency(Urgency::Critical);
    let due = deadlines(emergency, local("2026-10-01 03:00"), &cal);
    assert_eq!(due.response, local("2026-10-01 03:30"));
    assert_eq!(due.resolution, local("2026-10-01 05:00"));
}

#[test]
fn the_rule_class_wins_unless_the_urgency_asks_for_faster() {
    let limits = TimeLimits::standard();
    let pick = |rule: Option<&str>, u| limits.choose(rule.map(class).as_ref(), u).code.to_string();
    assert_eq!(pick(None, Urgency::Normal), "general");
    assert_eq!(pick(None, Urgency::Urgent), "urgent");
    assert_eq!(pick(None, Urgency::Critical), "emergency");
    // A slower class from the rule holds for a normal request...
    assert_eq!(pick(Some("complex"), Urgency::Normal), "complex");
    // ...but not for one someone judged urgent or critical.
    assert_eq!(pick(Some("complex"), Urgency::Urgent), "urgent");
    assert_eq!(pick(Some("complex"), Urgency::Critical), "emergency");
    // A faster class from the rule always holds (24h beats 3wd).
    assert_eq!(pick(Some("utilities"), Urgency::Normal), "utilities");
    assert_eq!(pick(Some("utilities"), Urgency::Urgent), "utilities");
    // An unknown class counts as none.
    assert_eq!(pick(Some("nonesuch"), Urgency::Normal), "general");
}

#[test]
fn inconsistent_time_limits_are_refused_with_every_problem() {
    let c = |code: &str, response: &str, resolution: &str| LimitClass {
        code: class(code),
        name: code.to_owned(),
        name_en: None,
        response: Limit::parse(response).expect("limit"),
        resolution: Limit::parse(resolution).expect("limit"),
    };
    let defaults = UrgencyDefaults { normal: class("a"), urgent: class("a"), critical: class("fast") };
    let errs =
        TimeLimits::new(vec![c("a", "1wd", "5wd"), c("a", "1wd", "3wd"), c("b", "3wd", "1wd")], defaults)
            .expect_err("three problems");
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(matches!(&errs[0], TimeLimitsError::DuplicateClass { index: 1, .. }));
    assert!(matches!(&errs[1], TimeLimitsError::ResponseAfterResolution { index: 2, .. }));
    assert_eq!(
        errs[1].to_string(),
        "time-limit class `b`: the response limit (3wd) is longer than the resolution limit (1wd)"
    );
    assert_eq!(errs[2].to_string(), "the default class for critical requests, `fast`, is not defined");
}

#[test]
fn deadline_kinds_have_stable_names() {
    for k in DeadlineKind::ALL {
        assert_eq!(DeadlineKind::parse(k.as_str()), Some(k));
        assert_eq!(DeadlineKind::parse(k.name_zh()), Some(k));
        assert_eq!(serde_json::to_string(&k).expect("json"), format!("\"{}\"", k.as_str()));
    }
    assert_eq!(DeadlineKind::parse("办结"), Some(DeadlineKind::Resolution));
    assert_eq!(DeadlineKind::parse("soon"), None);
}

fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    // From 2024 to 2027: covered years and the fallback on both sides.
    let from = local("2024-01-01 00:00").timestamp();
    (0i64..4 * 366 * 86_400).prop_map(move |s| DateTime::from_timestamp(from + s, 0).expect("a time"))
}

proptest! {
    #[test]
    fn a_working_day_deadline_ends_a_working_day_after_the_start(start in any_instant(), n in 1u32..30) {
        let cal = china();
        let due = wd(n).due_from(start, &cal);
        let local_due = due.with_timezone(&LOCAL);
        prop_assert!(cal.is_working_day(local_due.date_naive()));
        prop_assert_eq!(local_due.time(), NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("time"));
        prop_assert!(local_due.date_naive() > start.with_timezone(&LOCAL).date_naive());
        prop_assert!(due - start > Duration::days(n.into()), "n working days last more than n days");
    }

    #[test]
    fn one_more_working_day_is_strictly_later(start in any_instant(), n in 1u32..30) {
        let cal = china();
        prop_assert!(wd(n + 1).due_from(start, &cal) > wd(n).due_from(start, &cal));
    }

    #[test]
    fn extending_by_m_working_days_is_counting_n_plus_m(start in any_instant(), n in 1u32..20, m in 1u32..20) {
        let cal = china();
        prop_assert_eq!(wd(m).extend(wd(n).due_from(start, &cal), &cal), wd(n + m).due_from(start, &cal));
    }

    #[test]
    fn a_clock_limit_is_exactly_its_duration(start in any_instant(), minutes in 1i64..100_000) {
        let limit = Limit::Clock(Duration::minutes(minutes));
        prop_assert_eq!(limit.due_from(start, &china()) - start, Duration::minutes(minutes));
    }
}

#[test]
fn the_calendar_dates_used_here_are_the_published_ones() {
    // Guards the hand counts above against a typo in the test calendar.
    let cal = china();
    for day in ["2026-09-20", "2026-10-10", "2026-02-14", "2026-02-28", "2025-09-28", "2025-10-11"] {
        assert!(cal.is_working_day(d(day)), "{day}");
    }
}

#[test]
fn a_warning_falls_three_quarters_of_the_way_and_never_on_a_day_off() {
    use crate::deadline::warning_at;
    let cal = china();
    // Tue 13 Oct 2026 10:00, 1 working day: due the end of Wed 14. Three quarters of 37:59:59
    // is 28:29:59: 14:29 Wed 14, a working day, so it stays.
    let start = local("2026-10-13 10:00");
    let due = wd(1).due_from(start, &cal);
    assert_eq!(due, end_of("2026-10-14"));
    let at = warning_at(start, due, &wd(1), &cal).expect("a warning");
    assert_eq!(at.with_timezone(&LOCAL).format("%m-%d %H:%M").to_string(), "10-14 14:29");
    // Thu 15 Oct 10:00, 2 working days: due the end of Mon 19; three quarters of 109:59:59 is
    // 82:29:59, 20:29 Sun 18, a weekend: 09:00 Mon 19.
    let start = local("2026-10-15 10:00");
    let due = wd(2).due_from(start, &cal);
    assert_eq!(due, end_of("2026-10-19"));
    assert_eq!(warning_at(start, due, &wd(2), &cal), Some(local("2026-10-19 09:00")));
    // Wed 30 Sep 10:00, 1 working day: due the end of Thu 8 Oct. Three quarters of the way is in
    // the National Day holiday: 09:00 Thu 8, the next working morning.
    let start = local("2026-09-30 10:00");
    let due = wd(1).due_from(start, &cal);
    assert_eq!(due, end_of("2026-10-08"));
    assert_eq!(warning_at(start, due, &wd(1), &cal), Some(local("2026-10-08 09:00")));
    // Clock time runs through holidays: 2 hours from 10:00 on 1 Oct warns at 11:30 that day.
    let start = local("2026-10-01 10:00");
    let two_hours = Limit::Clock(Duration::hours(2));
    let due = two_hours.due_from(start, &cal);
    assert_eq!(warning_at(start, due, &two_hours, &cal), Some(local("2026-10-01 11:30")));
    // No time left, no warning.
    assert_eq!(warning_at(due, due, &two_hours, &cal), None);
}
