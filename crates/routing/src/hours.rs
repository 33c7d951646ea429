//! A window of local time of day (`22:00-07:00`), as rules use it: night construction goes to the
//! night patrol. Counted in the district's time (`time::LOCAL`), start included, end excluded.

use chrono::{DateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use jiesu_model::ValidationError;
use jiesu_model::time::LOCAL;

const DAY: u16 = 24 * 60;

/// Minutes after local midnight, `start..end`; when `end <= start` the window wraps midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hours {
    start: u16,
    end: u16,
}

impl Hours {
    /// Parses `HH:MM-HH:MM` (24-hour clock; `24:00` may end a window). A window that starts where it
    /// ends would be either empty or the whole day, so it is refused: leave `hours` out instead.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::invalid("hours", format!("`{raw}` is not a window like 22:00-07:00"));
        let (a, b) = raw.trim().split_once('-').ok_or_else(bad)?;
        let minutes = |s: &str| -> Option<u16> {
            let (h, m) = s.trim().split_once(':')?;
            let two_digits = |x: &str| x.len() == 2 && x.bytes().all(|b| b.is_ascii_digit());
            if !two_digits(h) || !two_digits(m) {
                return None;
            }
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        };
        let (start, end) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
        if start == DAY {
            return Err(bad());
        }
        let end = end % DAY;
        if start == end {
            return Err(ValidationError::invalid(
                "hours",
                format!("`{raw}` starts where it ends: leave `hours` out for a rule that applies all day"),
            ));
        }
        Ok(Self { start, end })
    }

    pub fn wraps_midnight(&self) -> bool {
        self.end <= self.start
    }

    /// Whether a minute of the local day (0..1440) lies in the window.
    pub fn contains_minute(&self, minute: u16) -> bool {
        if self.wraps_midnight() {
            minute >= self.start || minute < self.end
        } else {
            (self.start..self.end).contains(&minute)
        }
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.contains_minute(local_minute(at))
    }

    /// Whether some minute lies in both windows.
    pub fn overlaps(&self, other: &Hours) -> bool {
        self.spans()
            .into_iter()
            .flatten()
            .any(|(s, e)| other.spans().into_iter().flatten().any(|(os, oe)| s < oe && os < e))
    }

    /// The window as at most two spans of one day, `[start, end)`.
    fn spans(&self) -> [Option<(u16, u16)>; 2] {
        if self.wraps_midnight() {
            [Some((self.start, DAY)), (self.end > 0).then_some((0, self.end))]
        } else {
            [Some((self.start, self.end)), None]
        }
    }
}

/// The minute of the district's local day at which `at` falls.
pub fn local_minute(at: DateTime<Utc>) -> u16 {
    let t = at.with_timezone(&LOCAL);
    (t.hour() * 60 + t.minute()) as u16
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let end = if self.end == 0 { DAY } else { self.end };
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.start / 60, self.start % 60, end / 60, end % 60)
    }
}

impl TryFrom<String> for Hours {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Hours> for String {
    fn from(h: Hours) -> String {
        h.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Hours {
        Hours::parse(s).expect("valid window")
    }

    #[test]
    fn windows_parse_and_print_back() {
        assert_eq!(h("22:00-07:00").to_string(), "22:00-07:00");
        assert_eq!(h("08:30-12:00").to_string(), "08:30-12:00");
        assert_eq!(h("18:00-24:00").to_string(), "18:00-24:00");
        for bad in
            ["", "22-07", "22:00", "7:00-09:00", "25:00-07:00", "22:60-07:00", "09:00-09:00", "24:00-01:00"]
        {
            assert!(Hours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_window_may_wrap_midnight() {
        let night = h("22:00-07:00");
        assert!(night.contains_minute(22 * 60));
        assert!(night.contains_minute(23 * 60 + 59));
        assert!(night.contains_minute(0));
        assert!(night.contains_minute(6 * 60 + 59));
        assert!(!night.contains_minute(7 * 60), "the end is excluded");
        assert!(!night.contains_minute(12 * 60));
        let day = h("07:00-22:00");
        assert!(day.contains_minute(7 * 60) && !day.contains_minute(22 * 60));
    }

    #[test]
    fn windows_overlap_across_midnight_or_not() {
        assert!(h("22:00-07:00").overlaps(&h("06:00-08:00")));
        assert!(h("22:00-07:00").overlaps(&h("23:00-01:00")));
        assert!(!h("22:00-07:00").overlaps(&h("07:00-22:00")), "they only touch");
        assert!(!h("08:00-12:00").overlaps(&h("12:00-18:00")));
        assert!(h("18:00-24:00").overlaps(&h("23:00-02:00")));
    }

    #[test]
    fn local_time_is_utc_plus_eight() {
        // 15:30 UTC is 23:30 in Shenzhen.
        let at = DateTime::parse_from_rfc3339("2026-11-30T15:30:00Z").expect("time").with_timezone(&Utc);
        assert_eq!(local_minute(at), 23 * 60 + 30);
        assert!(h("22:00-07:00").contains(at));
    }
}
