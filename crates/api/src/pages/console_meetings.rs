//! Coordination meetings by date (`/staff/console/meetings?month=2026-12`, 协调会日程): a month
//! at a time, week by week, each day with its meetings (time, what about, state; the convener on
//! hover) linked to their
//! pages; on a phone, and for screen readers, the same meetings as a list by day. Supervisors see
//! every meeting of the district here, whoever convenes it.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Duration, Months, NaiveDate};
use jiesu_domain::escalation::Meeting;
use jiesu_domain::ports::{Accounts, Cases, Escalations, Store};
use jiesu_domain::time::LOCAL;
use jiesu_words::Lang;
use jiesu_words::names::bureau_name;
use maud::{Markup, html};
use serde::Deserialize;

use super::console::Supervisor;
use super::layout::{self, Section};
use super::{State, words};

/// More than any month holds; the list says so if it is reached.
const LIMIT: u32 = 2_000;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MonthQuery {
    month: Option<String>,
}

fn state_name(m: &Meeting, lang: Lang) -> &'static str {
    match m.state.as_str() {
        "called" => lang.pick("待召开", "called"),
        "decided" => lang.pick("已决定", "decided"),
        _ => lang.pick("已逾期", "lapsed"),
    }
}

/// `GET /staff/console/meetings`.
pub(crate) async fn calendar<S: Store + Cases + Accounts + Escalations>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
    Query(q): Query<MonthQuery>,
) -> Response {
    let lang = viewer.lang;
    let today = jiesu_domain::time::now().with_timezone(&LOCAL).date_naive();
    let first = q
        .month
        .as_deref()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let prev = first.checked_sub_months(Months::new(1)).unwrap_or(first);
    let midnight = jiesu_domain::time::local_midnight;
    let store = pages.work.workflow.store();
    let meetings = match store.meetings_between(midnight(first), midnight(next), LIMIT).await {
        Ok(m) => m,
        Err(e) => {
            let e = crate::ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let day_of = |m: &Meeting| m.scheduled_at.with_timezone(&LOCAL).date_naive();
    let d = pages.work.workflow.district();
    let entry = |m: &Meeting| {
        let at = m.scheduled_at.with_timezone(&LOCAL).format("%H:%M").to_string();
        html! {
            a href={ "/staff/meetings/" (m.id) } class={ "meeting " (m.state.as_str()) } title=(bureau_name(&d, &m.convener, lang)) {
                (at) " " (short(&m.agenda.summary)) " · " (state_name(m, lang))
            }
        }
    };
    let days: Vec<NaiveDate> = first.iter_days().take_while(|x| x.month() == first.month()).collect();
    let lead = first.weekday().num_days_from_monday() as usize;
    let mut cells: Vec<Option<NaiveDate>> = vec![None; lead];
    cells.extend(days.iter().copied().map(Some));
    let title = match lang {
        Lang::Zh => format!("{}年{}月协调会", first.year(), first.month()),
        Lang::En => format!("Meetings in {}", first.format("%B %Y")),
    };
    let month_link = |m: NaiveDate| format!("/staff/console/meetings?month={}", m.format("%Y-%m"));
    let grid: Markup = html! {
        table.meeting-month #meeting-grid {
            caption { (title) }
            thead { tr { @for h in weekdays(lang) { th scope="col" { (h) } } } }
            tbody {
                @for week in cells.chunks(7) {
                    tr {
                        @for cell in week {
                            @match cell {
                                Some(day) => td class=[(*day == today).then_some("today")] {
                                    span.daynum { (day.day()) }
                                    @for m in meetings.iter().filter(|m| day_of(m) == *day) { (entry(m)) }
                                },
                                None => td {},
                            }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        p { a href="/staff/console" hx-boost="false" { (lang.pick("← 返回督办台", "← Back to the console")) } }
        h1 { (lang.pick("协调会日程", "Meetings by date")) }
        nav.tabs aria-label=(lang.pick("月份", "Month")) {
            a href=(month_link(prev)) { "« " (prev.format("%Y-%m")) }
            a href=(month_link(first)) aria-current="page" { (first.format("%Y-%m")) }
            a href=(month_link(next)) { (next.format("%Y-%m")) " »" }
        }
        p.muted #meeting-count { (match lang {
            Lang::Zh => format!("本月共 {} 场协调会。", meetings.len()),
            Lang::En => format!("{} meetings this month.", meetings.len()),
        }) }
        // On a phone the month's grid is too narrow to read: the list below takes its place.
        section.card.meeting-grid-card { (grid) }
        section.card.only-narrow aria-labelledby="h-by-day" {
            h2 #h-by-day { (lang.pick("按日期", "By day")) }
            @if meetings.is_empty() { p.muted { (lang.pick("本月没有协调会。", "No meeting this month.")) } }
            ul.rows #meeting-list {
                @for day in days.iter().filter(|x| meetings.iter().any(|m| day_of(m) == **x)) {
                    li {
                        span.title { (jiesu_words::time::local_date(midnight(*day) + Duration::hours(12), lang)) }
                        @for m in meetings.iter().filter(|m| day_of(m) == *day) { div { (entry(m)) } }
                    }
                }
            }
        }
    };
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Console, &title, body))
}

/// What a meeting is about, short enough for a day's cell.
fn short(summary: &str) -> String {
    let mut s: String = summary.chars().take(16).collect();
    if summary.chars().count() > 16 {
        s.push('…');
    }
    s
}

fn weekdays(lang: Lang) -> [&'static str; 7] {
    match lang {
        Lang::Zh => ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    }
}
