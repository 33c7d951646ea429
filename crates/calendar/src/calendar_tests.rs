//! The working-day calendar, with 2025 and 2026 as the State Council published them (the same
//! data as `config/calendar/`, built here in code because the domain reads no files).

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

pub(crate) fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

fn year(y: i32, holidays: &[(&str, &str, &str)], workdays: &[(&str, &str)]) -> CalendarYear {
    let mut cal = CalendarYear::new(y);
    for (name, from, to) in holidays {
        let mut day = d(from);
        while day <= d(to) {
            cal.add_holiday(name, day).expect("a valid holiday");
            day = day.succ_opt().expect("a next day");
        }
    }
    for (name, day) in workdays {
        cal.add_workday(name, d(day)).expect("a valid workday");
    }
    cal
}

/// 2025 and 2026, from the State Council's notices.
pub(crate) fn china() -> WorkCalendar {
    let mut cal = WorkCalendar::default();
    let y2025 = year(
        2025,
        &[
            ("元旦", "2025-01-01", "2025-01-01"),
            ("春节", "2025-01-28", "2025-02-04"),
            ("清明节", "2025-04-04", "2025-04-06"),
            ("劳动节", "2025-05-01", "2025-05-05"),
            ("端午节", "2025-05-31", "2025-06-02"),
            ("国庆节、中秋节", "2025-10-01", "2025-10-08"),
        ],
        &[
            ("春节调休", "2025-01-26"),
            ("春节调休", "2025-02-08"),
            ("劳动节调休", "2025-04-27"),
            ("国庆节调休", "2025-09-28"),
            ("国庆节调休", "2025-10-11"),
        ],
    );
    let y2026 = year(
        2026,
        &[
            ("元旦", "2026-01-01", "2026-01-03"),
            ("春节", "2026-02-15", "2026-02-23"),
            ("清明节", "2026-04-04", "2026-04-06"),
            ("劳动节", "2026-05-01", "2026-05-05"),
            ("端午节", "2026-06-19", "2026-06-21"),
            ("中秋节", "2026-09-25", "2026-09-27"),
            ("国庆节", "2026-10-01", "2026-10-07"),
        ],
        &[
            ("元旦调休", "2026-01-04"),
            ("春节调休", "2026-02-14"),
            ("春节调休", "2026-02-28"),
            ("劳动节调休", "2026-05-09"),
            ("国庆节调休", "2026-09-20"),
            ("国庆节调休", "2026-10-10"),
        ],
    );
    cal.add_year(y2025).expect("2025 once");
    cal.add_year(y2026).expect("2026 once");
    cal
}

#[test]
fn without_data_the_week_is_monday_to_friday() {
    let cal = WorkCalendar::default();
    // 2026-03-06 is a Friday.
    assert!(cal.is_working_day(d("2026-03-06")));
    assert!(!cal.is_working_day(d("2026-03-07")));
    assert!(!cal.is_working_day(d("2026-03-08")));
    assert!(cal.is_working_day(d("2026-03-09")));
    assert!(!cal.covers(2026));
    assert_eq!(cal.covered_years().count(), 0);
}

#[test]
fn holidays_are_off_and_make_up_weekends_are_worked() {
    let cal = china();
    // National Day 2026: Thu 1 Oct to Wed 7 Oct off; Sun 20 Sep and Sat 10 Oct worked.
    assert!(!cal.is_working_day(d("2026-10-01")));
    assert!(!cal.is_working_day(d("2026-10-07")));
    assert!(cal.is_working_day(d("2026-10-08")));
    assert!(cal.is_working_day(d("2026-09-20")));
    assert!(cal.is_working_day(d("2026-10-10")));
    assert!(!cal.is_working_day(d("2026-10-11")));
    // Spring Festival 2026: Sat 14 Feb worked, Sun 15 to Mon 23 Feb off, Sat 28 Feb worked.
    assert!(cal.is_working_day(d("2026-02-14")));
    assert!(!cal.is_working_day(d("2026-02-16")));
    assert!(!cal.is_working_day(d("2026-02-23")));
    assert!(cal.is_working_day(d("2026-02-24")));
    assert!(cal.is_working_day(d("2026-02-28")));
    // An ordinary weekend is still off.
    assert!(!cal.is_working_day(d("2026-03-07")));
    assert_eq!(cal.holiday(d("2026-02-17")), Some("春节"));
    assert_eq!(cal.holiday(d("2026-02-24")), None);
}

#[test]
fn an_uncovered_year_falls_back_to_monday_to_friday_and_says_so() {
    let cal = china();
    assert_eq!(cal.covered_years().collect::<Vec<_>>(), [2025, 2026]);
    assert!(!cal.covers(2027));
    // 1 Jan 2027 is a Friday: a holiday in fact, but without the notice it counts as worked.
    assert!(cal.is_working_day(d("2027-01-01")));
    assert!(cal.covers_span(d("2025-12-31"), d("2026-01-05")));
    assert!(!cal.covers_span(d("2026-12-31"), d("2027-01-04")));
}

#[test]
fn working_days_after_skips_the_start_day_and_counts_make_up_days() {
    let cal = china();
    // Fri 18 Sep 2026: Sat 19 off, Sun 20 worked (1), Mon 21 (2) ... Thu 24 (5).
    assert_eq!(cal.working_days_after(d("2026-09-18"), 1), d("2026-09-20"));
    assert_eq!(cal.working_days_after(d("2026-09-18"), 5), d("2026-09-24"));
    // Zero working days is the day itself.
    assert_eq!(cal.working_days_after(d("2026-09-18"), 0), d("2026-09-18"));
    // Across the new year: 1-3 Jan 2026 off, Sun 4 Jan worked.
    assert_eq!(cal.working_days_after(d("2025-12-31"), 1), d("2026-01-04"));
}

#[test]
fn a_holiday_outside_its_year_is_refused() {
    let mut y = CalendarYear::new(2026);
    let err = y.add_holiday("元旦", d("2025-12-31")).expect_err("wrong year");
    assert!(err.to_string().contains("2025-12-31 is not in 2026"), "{err}");
}

#[test]
fn a_make_up_working_day_must_fall_on_a_weekend() {
    let mut y = CalendarYear::new(2026);
    let err = y.add_workday("调休", d("2026-02-13")).expect_err("a Friday");
    assert!(err.to_string().contains("Saturday or Sunday"), "{err}");
}

#[test]
fn a_date_cannot_be_both_off_and_worked_or_listed_twice() {
    let mut y = CalendarYear::new(2026);
    y.add_holiday("春节", d("2026-02-15")).expect("first");
    let err = y.add_workday("春节调休", d("2026-02-15")).expect_err("both");
    assert!(err.to_string().contains("already listed as a holiday (春节)"), "{err}");
    let err = y.add_holiday("春节", d("2026-02-15")).expect_err("twice");
    assert!(err.to_string().contains("already listed"), "{err}");
    y.add_workday("春节调休", d("2026-02-14")).expect("a Saturday");
    let err = y.add_holiday("春节", d("2026-02-14")).expect_err("both");
    assert!(err.to_string().contains("make-up working day"), "{err}");
}

#[test]
fn a_year_is_defined_once() {
    let mut cal = WorkCalendar::default();
    cal.add_year(CalendarYear::new(2026)).expect("first");
    let err = cal.add_year(CalendarYear::new(2026)).expect_err("second");
    assert!(err.to_string().contains("2026 is defined twice"), "{err}");
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    // 2024 (uncovered) to 2027 (uncovered), so the walk crosses both covered and fallback years.
    (0i64..4 * 366).prop_map(|n| d("2024-01-01") + chrono::Duration::days(n))
}

proptest! {
    #[test]
    fn the_nth_working_day_is_a_working_day_after_the_start(start in any_date(), n in 1u32..40) {
        let cal = china();
        let due = cal.working_days_after(start, n);
        prop_assert!(due > start);
        prop_assert!(cal.is_working_day(due));
        // Exactly n working days lie in (start, due].
        let mut count = 0;
        let mut day = start;
        while day < due {
            day = day.succ_opt().expect("a next day");
            count += u32::from(cal.is_working_day(day));
        }
        prop_assert_eq!(count, n);
    }

    #[test]
    fn one_more_working_day_is_strictly_later(start in any_date(), n in 0u32..40) {
        let cal = china();
        prop_assert!(cal.working_days_after(start, n + 1) > cal.working_days_after(start, n));
    }
}
