//! Times as staff read them: local (district) time in words, never ISO ("12月6日 09:39", with
//! the year when it is not this one), and how long a clock has left in working time ("剩余 1 个工作
//! 日 3 小时", "已超时 2 小时 5 分").

use chrono::{DateTime, Datelike, Utc};
use jiesu_domain::left::{TimeLeft, WorkingTime};
use jiesu_domain::time::LOCAL;

use crate::Lang;

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `at` in district time: "12月6日 09:39" (this year) or "2025年12月6日 09:39"; in English
/// "6 Dec 09:39" or "6 Dec 2025 09:39".
pub fn local_time(at: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let t = at.with_timezone(&LOCAL);
    let this_year = t.year() == now.with_timezone(&LOCAL).year();
    let clock = t.format("%H:%M");
    match (lang, this_year) {
        (Lang::Zh, true) => format!("{}月{}日 {clock}", t.month(), t.day()),
        (Lang::Zh, false) => format!("{}年{}月{}日 {clock}", t.year(), t.month(), t.day()),
        (Lang::En, true) => format!("{} {} {clock}", t.day(), MONTHS[t.month0() as usize]),
        (Lang::En, false) => format!("{} {} {} {clock}", t.day(), MONTHS[t.month0() as usize], t.year()),
    }
}

/// A date alone, for date pickers' neighbours and reports: "12月6日" / "6 Dec".
pub fn local_date(at: DateTime<Utc>, lang: Lang) -> String {
    let t = at.with_timezone(&LOCAL);
    match lang {
        Lang::Zh => format!("{}月{}日", t.month(), t.day()),
        Lang::En => format!("{} {}", t.day(), MONTHS[t.month0() as usize]),
    }
}

fn span(w: WorkingTime, lang: Lang) -> String {
    let mut parts = Vec::new();
    match lang {
        Lang::Zh => {
            if w.days > 0 {
                parts.push(format!("{} 个工作日", w.days));
            }
            if w.hours > 0 {
                parts.push(format!("{} 小时", w.hours));
            }
            if w.days == 0 && w.minutes > 0 {
                parts.push(format!("{} 分", w.minutes));
            }
        }
        Lang::En => {
            if w.days > 0 {
                parts.push(format!("{} working day{}", w.days, if w.days == 1 { "" } else { "s" }));
            }
            if w.hours > 0 {
                parts.push(format!("{} h", w.hours));
            }
            if w.days == 0 && w.minutes > 0 {
                parts.push(format!("{} min", w.minutes));
            }
        }
    }
    parts.join(" ")
}

/// "剩余 1 个工作日 3 小时" / "1 working day 3 h left"; "已超时 2 小时" / "2 h overdue"; under a
/// minute either way: "即将到期" / "due now".
pub fn time_left(left: TimeLeft, lang: Lang) -> String {
    let (w, overdue) = match left {
        TimeLeft::Left(w) => (w, false),
        TimeLeft::Overdue(w) => (w, true),
    };
    let s = span(w, lang);
    match (lang, overdue, s.is_empty()) {
        (Lang::Zh, false, true) => "即将到期".to_owned(),
        (Lang::Zh, true, true) => "刚刚超时".to_owned(),
        (Lang::Zh, false, false) => format!("剩余 {s}"),
        (Lang::Zh, true, false) => format!("已超时 {s}"),
        (Lang::En, false, true) => "due now".to_owned(),
        (Lang::En, true, true) => "just overdue".to_owned(),
        (Lang::En, false, false) => format!("{s} left"),
        (Lang::En, true, false) => format!("{s} overdue"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn wt(days: u32, hours: u32, minutes: u32) -> WorkingTime {
        WorkingTime { days, hours, minutes }
    }

    #[test]
    fn clocks_read_as_a_clerk_says_them() {
        assert_eq!(time_left(TimeLeft::Left(wt(1, 3, 0)), Lang::Zh), "剩余 1 个工作日 3 小时");
        assert_eq!(time_left(TimeLeft::Left(wt(0, 2, 20)), Lang::Zh), "剩余 2 小时 20 分");
        assert_eq!(time_left(TimeLeft::Overdue(wt(2, 0, 40)), Lang::Zh), "已超时 2 个工作日");
        assert_eq!(time_left(TimeLeft::Left(wt(0, 0, 0)), Lang::Zh), "即将到期");
        assert_eq!(time_left(TimeLeft::Left(wt(1, 3, 0)), Lang::En), "1 working day 3 h left");
        assert_eq!(time_left(TimeLeft::Overdue(wt(0, 0, 5)), Lang::En), "5 min overdue");
    }

    #[test]
    fn times_are_local_and_in_words() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 1, 39, 0).single().expect("time");
        assert_eq!(local_time(now, now, Lang::Zh), "12月6日 09:39");
        assert_eq!(local_time(now, now, Lang::En), "6 Dec 09:39");
        let last_year = Utc.with_ymd_and_hms(2025, 12, 31, 17, 0, 0).single().expect("time");
        assert_eq!(local_time(last_year, now, Lang::Zh), "1月1日 01:00", "a local date in this year");
        let older = Utc.with_ymd_and_hms(2025, 3, 1, 2, 5, 0).single().expect("time");
        assert_eq!(local_time(older, now, Lang::Zh), "2025年3月1日 10:05");
    }
}
