//! The working-day calendar (工作日历): which dates are working days in the district. China moves
//! its weekends around public holidays (调休), so this is data, one year at a time, taken from the
//! State Council's yearly notice: public holidays (法定节假日, dates off) and make-up working days
//! (调休上班, weekend dates that are worked). Outside the years it covers, the calendar falls back to
//! Monday to Friday and says so (`covers`), so a loader or service can warn.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

use jiesu_model::ValidationError;

/// One year's exceptions to the Monday-to-Friday week, validated as they are added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarYear {
    pub(crate) year: i32,
    /// Dates off, each with the holiday's name (春节). Weekend dates inside a holiday span are
    /// listed too: the notice gives whole spans, and they are off either way.
    pub(crate) holidays: BTreeMap<NaiveDate, String>,
    /// Weekend dates that are working days, each with its name (春节调休).
    pub(crate) workdays: BTreeMap<NaiveDate, String>,
}

impl CalendarYear {
    pub fn new(year: i32) -> Self {
        Self { year, holidays: BTreeMap::new(), workdays: BTreeMap::new() }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// Marks `date` as a day off. Refuses a date of another year, a date already listed, and a
    /// date that is also a make-up working day.
    pub fn add_holiday(&mut self, name: &str, date: NaiveDate) -> Result<(), ValidationError> {
        self.check(date, "holiday")?;
        self.holidays.insert(date, name.trim().to_owned());
        Ok(())
    }

    /// Marks a Saturday or Sunday as a working day. A make-up day on a weekday would change
    /// nothing, so it is almost certainly a typo and is refused.
    pub fn add_workday(&mut self, name: &str, date: NaiveDate) -> Result<(), ValidationError> {
        if !is_weekend(date) {
            return Err(ValidationError::invalid(
                "workday",
                format!(
                    "{date} is a {}: a make-up working day must be a Saturday or Sunday",
                    date.format("%A")
                ),
            ));
        }
        self.check(date, "workday")?;
        self.workdays.insert(date, name.trim().to_owned());
        Ok(())
    }

    fn check(&self, date: NaiveDate, field: &'static str) -> Result<(), ValidationError> {
        let why = if date.year() != self.year {
            format!("{date} is not in {}", self.year)
        } else if let Some(name) = self.holidays.get(&date) {
            format!("{date} is already listed as a holiday ({name})")
        } else if let Some(name) = self.workdays.get(&date) {
            format!("{date} is already listed as a make-up working day ({name})")
        } else {
            return Ok(());
        };
        Err(ValidationError::invalid(field, why))
    }

    pub fn holidays(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.holidays.iter().map(|(d, n)| (*d, n.as_str()))
    }

    pub fn workdays(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.workdays.iter().map(|(d, n)| (*d, n.as_str()))
    }
}

/// The district's working days: the covered years' exceptions over a Monday-to-Friday week.
/// The default covers no year at all (Monday to Friday everywhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    pub(crate) years: BTreeMap<i32, CalendarYear>,
}

impl WorkCalendar {
    /// Adds a year; a year may be defined only once.
    pub fn add_year(&mut self, year: CalendarYear) -> Result<(), ValidationError> {
        if self.years.contains_key(&year.year) {
            return Err(ValidationError::invalid("year", format!("{} is defined twice", year.year)));
        }
        self.years.insert(year.year, year);
        Ok(())
    }

    /// Whether `year`'s holidays are known. When not, working days that year are assumed to be
    /// Monday to Friday, which is wrong around every public holiday.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether every year from `from`'s to `to`'s is covered: a deadline computed over that span
    /// did not rely on the Monday-to-Friday fallback.
    pub fn covers_span(&self, from: NaiveDate, to: NaiveDate) -> bool {
        (from.year().min(to.year())..=from.year().max(to.year())).all(|y| self.covers(y))
    }

    /// The covered years, in order.
    pub fn covered_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// Monday to Friday unless a public holiday; Saturday or Sunday only as a make-up day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.years.get(&date.year()) {
            Some(y) if y.holidays.contains_key(&date) => false,
            Some(y) if y.workdays.contains_key(&date) => true,
            _ => !is_weekend(date),
        }
    }

    /// The name of the public holiday `date` falls in, if any.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.years.get(&date.year())?.holidays.get(&date).map(String::as_str)
    }

    /// The `n`-th working day after `date`, not counting `date` itself (期间开始之日不计算在内).
    /// `n = 0` gives `date` back. The caller bounds `n` (limits are parsed with a maximum), and
    /// every year, covered or not, has working days, so the walk ends.
    pub fn working_days_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().expect("working-day limits stay far from the end of time");
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

pub(crate) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
pub(crate) mod tests;
