//! How long until a deadline, as a clerk reads it: "1 个工作日 3 小时", counted on the working-day
//! calendar in district time. The whole working days strictly between now and the deadline's
//! day count as days; what is left of today (if today is a working day) and what the deadline's
//! own day allows (if it is one) count as hours. A working-day deadline ends at the last instant
//! of its day, so "due at the end of tomorrow, a working day" at 21:00 today reads "1 个工作日 3
//! 小时". Rounded to the minute. The same count backwards says how late an overdue clock is.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiesu_model::time::LOCAL;

use crate::calendar::WorkCalendar;

/// Working time between two instants, in whole working days and the hours and minutes beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingTime {
    pub days: u32,
    pub hours: u32,
    pub minutes: u32,
}

/// A clock's standing: time left, or time since it ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLeft {
    Left(WorkingTime),
    Overdue(WorkingTime),
}

fn local_start(date: NaiveDate) -> DateTime<Utc> {
    jiesu_model::time::local_midnight(date)
}

/// Working time from `from` to `to` (zero if `to` is not after `from`).
pub fn working_time(cal: &WorkCalendar, from: DateTime<Utc>, to: DateTime<Utc>) -> WorkingTime {
    if to <= from {
        return WorkingTime { days: 0, hours: 0, minutes: 0 };
    }
    let (a, b) = (from.with_timezone(&LOCAL).date_naive(), to.with_timezone(&LOCAL).date_naive());
    let (days, partial) = if a == b {
        (0, to - from)
    } else {
        let mut days = 0u32;
        let mut d = a.succ_opt().expect("far from the end of time");
        while d < b {
            days += u32::from(cal.is_working_day(d));
            d = d.succ_opt().expect("far from the end of time");
        }
        let rest_of_first =
            if cal.is_working_day(a) { local_start(a + Duration::days(1)) - from } else { Duration::zero() };
        let part_of_last = if cal.is_working_day(b) { to - local_start(b) } else { Duration::zero() };
        (days, rest_of_first + part_of_last)
    };
    // To the nearest minute: a deadline at 23:59:59.999999 is a whole day.
    let minutes = (partial.num_seconds() + 30) / 60;
    let extra_days = u32::try_from(minutes / (24 * 60)).unwrap_or(0);
    let minutes = u32::try_from(minutes % (24 * 60)).unwrap_or(0);
    WorkingTime { days: days + extra_days, hours: minutes / 60, minutes: minutes % 60 }
}

/// Where a clock due at `due` stands at `now`.
pub fn time_left(cal: &WorkCalendar, now: DateTime<Utc>, due: DateTime<Utc>) -> TimeLeft {
    if due >= now {
        TimeLeft::Left(working_time(cal, now, due))
    } else {
        TimeLeft::Overdue(working_time(cal, due, now))
    }
}

/// Where a clock-time clock (one that runs through nights and holidays, `2h`) stands at `now`:
/// hours and minutes of clock time, no days (a working day is not 24 of them).
pub fn clock_left(now: DateTime<Utc>, due: DateTime<Utc>) -> TimeLeft {
    let span = |d: Duration| {
        let minutes = u32::try_from((d.num_seconds() + 30) / 60).unwrap_or(u32::MAX);
        WorkingTime { days: 0, hours: minutes / 60, minutes: minutes % 60 }
    };
    if due >= now { TimeLeft::Left(span(due - now)) } else { TimeLeft::Overdue(span(now - due)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarYear;
    use chrono::TimeZone;

    fn cal() -> WorkCalendar {
        let mut y = CalendarYear::new(2026);
        y.add_holiday("元旦", NaiveDate::from_ymd_opt(2026, 1, 1).expect("date")).expect("holiday");
        let mut c = WorkCalendar::default();
        c.add_year(y).expect("year");
        c
    }

    /// District time (UTC+8) to UTC.
    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        let t = NaiveDate::from_ymd_opt(y, m, d).expect("date").and_hms_opt(h, min, 0).expect("time");
        LOCAL.from_local_datetime(&t).single().expect("one instant").with_timezone(&Utc)
    }

    fn end_of(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        at(y, m, d, 0, 0) + Duration::days(1) - Duration::microseconds(1)
    }

    fn wt(days: u32, hours: u32, minutes: u32) -> WorkingTime {
        WorkingTime { days, hours, minutes }
    }

    #[test]
    fn the_end_of_tomorrow_at_nine_tonight_is_one_working_day_and_three_hours() {
        // Monday 7 December 2026, 21:00; due at the end of Tuesday.
        assert_eq!(working_time(&cal(), at(2026, 12, 7, 21, 0), end_of(2026, 12, 8)), wt(1, 3, 0));
    }

    #[test]
    fn within_a_day_it_is_hours_and_minutes() {
        assert_eq!(working_time(&cal(), at(2026, 12, 7, 9, 10), at(2026, 12, 7, 11, 30)), wt(0, 2, 20));
        // A clock limit across midnight on working days counts both parts.
        assert_eq!(working_time(&cal(), at(2026, 12, 7, 23, 0), at(2026, 12, 8, 1, 0)), wt(0, 2, 0));
    }

    #[test]
    fn weekends_and_holidays_do_not_count() {
        // Friday 11 December 15:00 → end of Monday 14th: the rest of Friday, then Monday whole.
        assert_eq!(working_time(&cal(), at(2026, 12, 11, 15, 0), end_of(2026, 12, 14)), wt(1, 9, 0));
        // From a Saturday nothing of Saturday or Sunday counts.
        assert_eq!(working_time(&cal(), at(2026, 12, 12, 10, 0), end_of(2026, 12, 15)), wt(2, 0, 0));
        // New Year's Day 2026 (a Thursday) is a holiday.
        assert_eq!(working_time(&cal(), end_of(2025, 12, 31), end_of(2026, 1, 2)), wt(1, 0, 0));
    }

    #[test]
    fn an_overdue_clock_counts_backwards_and_an_instant_is_nothing() {
        let due = end_of(2026, 12, 7);
        assert_eq!(time_left(&cal(), at(2026, 12, 9, 10, 0), due), TimeLeft::Overdue(wt(1, 10, 0)));
        assert_eq!(time_left(&cal(), due, due), TimeLeft::Left(wt(0, 0, 0)));
    }

    #[test]
    fn clock_time_runs_through_the_weekend_in_hours() {
        // Saturday 12 December 10:00, due Monday 10:00: 48 hours of clock time, though only the
        // Monday morning is working time.
        let (now, due) = (at(2026, 12, 12, 10, 0), at(2026, 12, 14, 10, 0));
        assert_eq!(clock_left(now, due), TimeLeft::Left(wt(0, 48, 0)));
        assert_eq!(time_left(&cal(), now, due), TimeLeft::Left(wt(0, 10, 0)));
        // A day and a half late is 36 hours.
        assert_eq!(clock_left(due + Duration::hours(36), due), TimeLeft::Overdue(wt(0, 36, 0)));
    }
}
