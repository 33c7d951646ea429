//! Days an administrator set on the administration pages, laid over the calendar the files give.
//!
//! The yearly notice comes out in November or December, while deadlines already run into the
//! next year; and a district sometimes has to move a day on short notice. So the calendar is
//! also data in the database, edited by administrators: each stored day says what its date is
//! (a day off, a make-up working day, or an ordinary day, which takes back an exception the files
//! give) and replaces whatever the files said of that date. A year the files do not cover counts
//! as covered once a day of it is stored: the administrator entered that year's notice.

use chrono::{Datelike, NaiveDate};

use crate::calendar::{CalendarYear, WorkCalendar, is_weekend};

/// What a stored day makes of its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// A day off (法定节假日).
    Holiday,
    /// A Saturday or Sunday that is worked (调休上班).
    Workday,
    /// No exception: the date is what its weekday makes it.
    Ordinary,
}

impl DayKind {
    pub const ALL: [Self; 3] = [Self::Holiday, Self::Workday, Self::Ordinary];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Workday => "workday",
            Self::Ordinary => "ordinary",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One stored day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOverride {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The holiday's or make-up day's name (春节, 春节调休); empty for an ordinary day.
    pub name: String,
}

impl DayOverride {
    /// Checks the day on its own: a make-up working day must be a Saturday or Sunday (on a
    /// weekday it would change nothing, so it is a mistake), and a named kind needs its name.
    pub fn check(&self) -> Result<(), String> {
        match self.kind {
            DayKind::Workday if !is_weekend(self.date) => Err(format!(
                "{} is a {}: a make-up working day must be a Saturday or Sunday",
                self.date,
                self.date.format("%A")
            )),
            DayKind::Holiday | DayKind::Workday if self.name.trim().is_empty() => {
                Err("a day off or a make-up working day needs its name (春节, 春节调休)".to_owned())
            }
            _ => Ok(()),
        }
    }
}

impl WorkCalendar {
    /// This calendar with `days` laid over it, and the days left out because they do not check
    /// (each with why). A stored day replaces whatever this calendar said of its date.
    pub fn overlaid(&self, days: &[DayOverride]) -> (WorkCalendar, Vec<String>) {
        let mut out = self.clone();
        let mut problems = Vec::new();
        for day in days {
            if let Err(why) = day.check() {
                problems.push(why);
                continue;
            }
            let year = out.years.entry(day.date.year()).or_insert_with(|| CalendarYear::new(day.date.year()));
            year.holidays.remove(&day.date);
            year.workdays.remove(&day.date);
            let name = day.name.trim().to_owned();
            match day.kind {
                DayKind::Holiday => {
                    year.holidays.insert(day.date, name);
                }
                DayKind::Workday => {
                    year.workdays.insert(day.date, name);
                }
                DayKind::Ordinary => {}
            }
        }
        (out, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> NaiveDate {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").expect("date")
    }

    fn set(date: &str, kind: DayKind, name: &str) -> DayOverride {
        DayOverride { date: day(date), kind, name: name.to_owned() }
    }

    fn files() -> WorkCalendar {
        let mut y = CalendarYear::new(2026);
        y.add_holiday("国庆节", day("2026-10-01")).expect("holiday");
        y.add_workday("国庆节调休", day("2026-10-10")).expect("workday");
        let mut c = WorkCalendar::default();
        c.add_year(y).expect("year");
        c
    }

    #[test]
    fn a_stored_day_replaces_what_the_files_say_of_its_date() {
        let (c, problems) = files().overlaid(&[
            set("2026-10-01", DayKind::Ordinary, ""),
            set("2026-10-10", DayKind::Holiday, "临时调整"),
            set("2026-10-12", DayKind::Holiday, "台风停工"),
        ]);
        assert!(problems.is_empty());
        assert!(c.is_working_day(day("2026-10-01")), "taken back");
        assert!(!c.is_working_day(day("2026-10-10")), "a Saturday off again");
        assert_eq!(c.holiday(day("2026-10-12")), Some("台风停工"));
        assert!(!files().overlaid(&[]).0.is_working_day(day("2026-10-01")), "no stored day, the files");
    }

    #[test]
    fn a_year_the_files_lack_is_covered_once_a_day_of_it_is_stored() {
        assert!(!files().covers(2027));
        let (c, _) = files().overlaid(&[
            set("2027-01-01", DayKind::Holiday, "元旦"),
            set("2027-02-06", DayKind::Workday, "春节调休"),
        ]);
        assert!(c.covers(2027));
        assert!(!c.is_working_day(day("2027-01-01")));
        assert!(c.is_working_day(day("2027-02-06")), "a Saturday worked");
        // 2026-12-31 is a Thursday: one working day later is 2027-01-04, the Monday after 元旦.
        assert_eq!(c.working_days_after(day("2026-12-31"), 1), day("2027-01-04"));
    }

    #[test]
    fn a_weekday_make_up_day_or_a_nameless_holiday_is_left_out_with_why() {
        let (c, problems) = files().overlaid(&[
            set("2027-01-05", DayKind::Workday, "调休"),
            set("2027-01-06", DayKind::Holiday, "  "),
        ]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("Saturday or Sunday"));
        assert!(!c.covers(2027), "nothing of 2027 was taken");
    }
}
