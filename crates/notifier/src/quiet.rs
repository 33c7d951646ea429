//! Quiet hours: a notice that may wait (not 立案, not urgent) is not sent to anyone between, say,
//! 22:00 and 08:00 district time; it is due when the quiet ends.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use jiesu_domain::time::LOCAL;

/// From `start` to `end`, district time, across midnight when `start` is after `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for QuietHours {
    fn default() -> Self {
        Self {
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
        }
    }
}

impl QuietHours {
    fn quiet_at(&self, t: NaiveTime) -> bool {
        if self.start <= self.end { self.start <= t && t < self.end } else { t >= self.start || t < self.end }
    }

    /// When a notice that may wait can go: `now`, or the end of the quiet it falls in.
    pub fn next_allowed(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let local = now.with_timezone(&LOCAL);
        if !self.quiet_at(local.time()) {
            return now;
        }
        let day = if local.time() >= self.end {
            local.date_naive() + Duration::days(1)
        } else {
            local.date_naive()
        };
        day.and_time(self.end).and_local_timezone(LOCAL).single().map_or(now, |t| t.with_timezone(&Utc))
    }
}

/// The next time the district's clock shows `at` after `now` (today's if it is still to come):
/// when a daily digest goes.
pub fn next_daily(at: NaiveTime, now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&LOCAL);
    let day = if local.time() < at { local.date_naive() } else { local.date_naive() + Duration::days(1) };
    day.and_time(at).and_local_timezone(LOCAL).single().map_or(now, |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn local(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        LOCAL.with_ymd_and_hms(2026, 12, d, h, m, 0).single().expect("time").with_timezone(&Utc)
    }

    #[test]
    fn a_notice_in_quiet_hours_waits_for_the_morning_and_one_outside_goes_now() {
        let q = QuietHours::default();
        assert_eq!(q.next_allowed(local(7, 21, 59)), local(7, 21, 59));
        assert_eq!(q.next_allowed(local(7, 22, 0)), local(8, 8, 0), "evening: the next morning");
        assert_eq!(q.next_allowed(local(8, 3, 15)), local(8, 8, 0), "small hours: this morning");
        assert_eq!(q.next_allowed(local(8, 8, 0)), local(8, 8, 0));
        let day = QuietHours {
            start: NaiveTime::from_hms_opt(12, 0, 0).expect("t"),
            end: NaiveTime::from_hms_opt(14, 0, 0).expect("t"),
        };
        assert_eq!(day.next_allowed(local(7, 13, 0)), local(7, 14, 0), "a window within a day");
    }

    #[test]
    fn a_digest_goes_at_its_hour_today_if_still_to_come_else_tomorrow() {
        let at = NaiveTime::from_hms_opt(8, 30, 0).expect("t");
        assert_eq!(next_daily(at, local(7, 6, 0)), local(7, 8, 30));
        assert_eq!(next_daily(at, local(7, 8, 30)), local(8, 8, 30));
        assert_eq!(next_daily(at, local(7, 17, 45)), local(8, 8, 30));
    }
}
