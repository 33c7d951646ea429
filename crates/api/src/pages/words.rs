//! The pages' words for values the views carry as codes: clocks in working time, states,
//! channels, kinds and urgencies, and the refusals of an action.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::area::AreaCode;
use jiesu_domain::calendar::WorkCalendar;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::desk::{DeskClock, DeskClockKind};
use jiesu_domain::district::District;
use jiesu_domain::left::{clock_left, time_left};
use jiesu_domain::note::DisclaimReason;
use jiesu_domain::request::{Channel, Kind, Urgency};
use jiesu_domain::task::{TaskRole, TaskState};
use jiesu_words::Lang;
use jiesu_words::names::{
    area_name, category_name, channel_name, disclaim_reason_name, kind_name, role_name, task_state_name,
    urgency_name,
};
use maud::{Markup, html};

use crate::ApiError;
use crate::work::view::{Clock, Named};

pub(crate) fn channel(code: &str, lang: Lang) -> String {
    Channel::parse(code).map_or_else(|| code.to_owned(), |c| channel_name(c, lang).to_owned())
}

pub(crate) fn kind(code: &str, lang: Lang) -> String {
    Kind::parse(code).map_or_else(|| code.to_owned(), |k| kind_name(k, lang).to_owned())
}

pub(crate) fn urgency(code: &str, lang: Lang) -> String {
    Urgency::parse(code).map_or_else(|| code.to_owned(), |u| urgency_name(u, lang).to_owned())
}

pub(crate) fn task_state(code: &str, lang: Lang) -> String {
    TaskState::parse(code).map_or_else(|| code.to_owned(), |s| task_state_name(s, lang).to_owned())
}

pub(crate) fn role(code: &str, lang: Lang) -> String {
    let r = if code == "assist" { TaskRole::Assist } else { TaskRole::Lead };
    role_name(r, lang).to_owned()
}

pub(crate) fn disclaim_reason(code: &str, lang: Lang) -> String {
    DisclaimReason::parse(code).map_or_else(|_| code.to_owned(), |r| disclaim_reason_name(r, lang).to_owned())
}

/// Within this of its end a running clock is "due soon": amber, and in the inbox's 即将超时 tab.
pub(crate) const DUE_SOON: Duration = Duration::hours(24);

/// How urgent a running clock looks: late, due soon, or fine (the same line the 即将超时 tab draws).
pub(crate) fn clock_class(due: DateTime<Utc>, now: DateTime<Utc>) -> &'static str {
    if due < now {
        "late"
    } else if due < now + DUE_SOON {
        "soon"
    } else {
        "ok"
    }
}

/// Whether a deadline was counted in working days: those end at the last instant of a district
/// day (`Limit::due_from`); a clock-time limit (`30m`, `2h`) ends wherever its start put it.
fn in_working_days(due: DateTime<Utc>) -> bool {
    let last = chrono::NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("a valid time");
    due.with_timezone(&jiesu_domain::time::LOCAL).time() == last
}

/// Time left on a running clock in the time its limit counts: working time for a working-day
/// limit, clock time for a clock-time one (an emergency's 2 hours run through the weekend).
fn left(cal: &WorkCalendar, due: DateTime<Utc>, now: DateTime<Utc>) -> jiesu_domain::left::TimeLeft {
    if in_working_days(due) { time_left(cal, now, due) } else { clock_left(now, due) }
}

/// A clock as a coloured badge: time left while it runs (see `left`), how it ended after.
pub(crate) fn clock(d: &District, c: &Clock, now: DateTime<Utc>, lang: Lang) -> Markup {
    let (class, text) = match c.state.as_str() {
        "pending" => (
            clock_class(c.due_at, now),
            jiesu_words::time::time_left(left(d.calendar(), c.due_at, now), lang),
        ),
        "met" => ("done", lang.pick("按时完成", "met").to_owned()),
        "missed" => ("late", lang.pick("超时", "missed").to_owned()),
        _ => ("done", lang.pick("已停止", "stopped").to_owned()),
    };
    let due = jiesu_words::time::local_time(c.due_at, now, lang);
    html! { span class={ "clock " (class) } title={ (lang.pick("期限 ", "due ")) (due) } { (text) } }
}

/// A running desk clock as a badge reads it: what it times, from when, until when.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeskSpan {
    pub kind: DeskClockKind,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

impl From<&DeskClock> for DeskSpan {
    fn from(k: &DeskClock) -> Self {
        Self { kind: k.kind, started_at: k.started_at, due_at: k.due_at }
    }
}

/// A desk clock as a coloured badge, in the time its limit counts (see `left`): clock time for
/// placing (it runs through nights and weekends), working time for the reviews.
pub(crate) fn desk_clock(d: &District, k: DeskSpan, now: DateTime<Utc>, lang: Lang) -> Markup {
    let left = left(d.calendar(), k.due_at, now);
    // Amber once three quarters of its time are gone (a 2-hour clock is never a day from its end).
    let class = if k.due_at < now {
        "late"
    } else if (k.due_at - now) * 4 < k.due_at - k.started_at {
        "soon"
    } else {
        "ok"
    };
    let due = jiesu_words::time::local_time(k.due_at, now, lang);
    let what = jiesu_words::names::desk_clock_name(k.kind, lang);
    html! {
        span class={ "clock " (class) } title={ (what) (lang.pick("期限 ", " due ")) (due) } {
            (jiesu_words::time::time_left(left, lang))
        }
    }
}

/// A refused action in the viewer's words (the API's message is English and for developers).
pub(crate) fn refusal(e: &ApiError, lang: Lang) -> String {
    let zh_en = match e.code {
        "not_found" => ("没有找到该任务，或它不属于您的单位。", "No such task, or it is not your bureau's."),
        "forbidden" => ("您的角色不能进行此操作。", "Your role cannot do this."),
        "binding_task" => (
            "本任务由协调会议确定，不能退单。",
            "A coordination meeting gave this task to your bureau: it cannot be disclaimed.",
        ),
        "illegal_transition" | "wrong_status" => (
            "任务当前的状态不允许此操作（可能已被他人处理），请刷新后查看。",
            "The task's state does not allow this now (someone may have acted on it); reload to see.",
        ),
        "already_disclaimed" => {
            ("本单位已经退过此单，不能再次退单。", "Your bureau has already disclaimed this request once.")
        }
        "extension_pending" => {
            ("已有一项延期申请待审批。", "An extension request is already waiting for a decision.")
        }
        "exemption_conflict" => (
            "本单位已有申诉或最终答复待审核，或本诉求已剔除、该次回访已申诉过。",
            "An appeal or final reply of your bureau already waits, the request is already exempted, or this visit was already appealed.",
        ),
        "already_involved" => ("该单位已在办理此诉求。", "That bureau is already working on this request."),
        "unknown_bureau" => ("没有这个单位。", "There is no such bureau."),
        "contended" => (
            "该诉求正被他人同时处理，请重试。",
            "Someone else was acting on this request at the same moment; try again.",
        ),
        "photo_too_large" => ("照片太大。", "A photo is too large."),
        "unavailable" => {
            ("系统暂时无法保存，请稍后再试。", "This cannot be saved just now; try again shortly.")
        }
        "invalid_field" | "invalid_form" => {
            return match lang {
                Lang::Zh => format!("填写的内容不符合要求：{}", e.message),
                Lang::En => format!("Please check the form: {}", e.message),
            };
        }
        _ => ("操作没有完成，请重试。", "That did not work; try again."),
    };
    lang.pick(zh_en.0, zh_en.1).to_owned()
}

/// A category the view names by code, in the reader's language (its code if the district no
/// longer knows it).
pub(crate) fn category(d: &District, c: &Named, lang: Lang) -> String {
    CategoryCode::parse(&c.code)
        .ok()
        .and_then(|code| category_name(d, &code, lang))
        .unwrap_or_else(|| c.code.clone())
}

/// An area the view names by code, in the reader's language.
pub(crate) fn area(d: &District, code: &str, lang: Lang) -> String {
    AreaCode::parse(code).map_or_else(|_| code.to_owned(), |a| area_name(d, &a, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_is_amber_exactly_where_the_due_soon_tab_holds_it() {
        let now = jiesu_domain::time::now();
        assert_eq!(clock_class(now - Duration::minutes(1), now), "late");
        assert_eq!(clock_class(now, now), "soon", "the window starts now");
        assert_eq!(clock_class(now + DUE_SOON - Duration::seconds(1), now), "soon");
        assert_eq!(clock_class(now + DUE_SOON, now), "ok", "and ends before now + DUE_SOON");
    }

    #[test]
    fn a_clock_time_deadline_counts_through_the_weekend_and_a_working_day_one_does_not() {
        use chrono::TimeZone;
        let cal = WorkCalendar::default();
        let local = |day, h, m| {
            jiesu_domain::time::LOCAL.with_ymd_and_hms(2026, 12, day, h, m, 0).single().expect("time")
        };
        // Saturday 12 December 10:00; an emergency's 2 hours end at noon.
        let now = local(12, 10, 0).with_timezone(&Utc);
        let noon = local(12, 12, 0).with_timezone(&Utc);
        assert_eq!(left(&cal, noon, now), clock_left(now, noon));
        assert_eq!(jiesu_words::time::time_left(left(&cal, noon, now), Lang::Zh), "剩余 2 小时");
        assert!(!in_working_days(noon));
        // A working-day deadline (the end of Monday 14th) counts no weekend hours.
        let monday =
            local(14, 23, 59).with_timezone(&Utc) + Duration::seconds(59) + Duration::microseconds(999_999);
        assert!(in_working_days(monday));
        assert_eq!(left(&cal, monday, now), time_left(&cal, now, monday));
    }
}
