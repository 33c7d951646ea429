//! The working-day calendar (`/staff/admin/calendar`): a year at a time, whether its holidays are
//! known (a year nobody entered counts Monday to Friday, wrong around every holiday), its twelve
//! months with the days off and the make-up working days marked, every exception with where it
//! comes from (the files, or which administrator set it when), and a form to set a day. A set
//! day is in force in this process at once and in the others at their next rulebook poll.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, Weekday};
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::calendar::WorkCalendar;
use jiesu_domain::overlay::{DayKind, DayOverride};
use jiesu_domain::ports::{Accounts, Cases, RuleBook, Store, StoredDay};
use jiesu_words::Lang;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::layout::{self, Section, flash};
use super::super::session::Viewer;
use super::super::{Pages, State};
use super::{Admin, AdminForm, Tab, tabs, unreadable};
use jiesu_workflow::CalendarError;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CalendarQuery {
    year: Option<i32>,
    done: Option<String>,
}

fn kind_name(k: DayKind, lang: Lang) -> &'static str {
    match k {
        DayKind::Holiday => lang.pick("放假", "day off"),
        DayKind::Workday => lang.pick("调休上班", "make-up working day"),
        DayKind::Ordinary => lang.pick("恢复为普通日", "ordinary day"),
    }
}

/// `GET /staff/admin/calendar`.
pub(crate) async fn page<S: Store + Cases + Accounts + RuleBook>(
    axum::extract::State(pages): State<S>,
    Admin(viewer): Admin<S>,
    Query(q): Query<CalendarQuery>,
) -> Response {
    let this_year = jiesu_domain::time::now().with_timezone(&jiesu_domain::time::LOCAL).year();
    let year = q.year.filter(|y| (2000..=2100).contains(y)).unwrap_or(this_year);
    let notice = (q.done.as_deref() == Some("set"))
        .then(|| flash("ok", viewer.lang.pick("已保存，即时生效。", "Saved; in force now.")));
    render(&pages, &viewer, year, StatusCode::OK, notice).await
}

async fn render<S: Store + Cases + Accounts + RuleBook>(
    pages: &Pages<S>,
    viewer: &Viewer<S>,
    year: i32,
    status: StatusCode,
    notice: Option<Markup>,
) -> Response {
    let lang = viewer.lang;
    let rules = &pages.work.rules;
    let stored = match rules.store().calendar_days().await {
        Ok(days) => days,
        Err(e) => return unreadable(lang, &e, "工作日历", "The calendar"),
    };
    let in_force = rules.district();
    let files = rules.files();
    let calendar = in_force.calendar();
    let covered = calendar.covers(year);
    let from_files = files.calendar().covers(year);
    let stored: Vec<&StoredDay> = stored.iter().filter(|d| d.day.date.year() == year).collect();
    let now = jiesu_domain::time::now();
    let body = html! {
        h1 { (lang.pick("系统管理", "Administration")) }
        (tabs(Tab::Calendar, lang))
        @if let Some(n) = notice { (n) }
        nav.tabs aria-label=(lang.pick("年份", "Year")) {
            @for y in [year - 1, year, year + 1] {
                a href={ "/staff/admin/calendar?year=" (y) } aria-current=[(y == year).then_some("page")] { (y) }
            }
        }
        @if covered {
            p.flash.ok #coverage role="status" { (match (lang, from_files) {
                (Lang::Zh, true) => format!("{year} 年的节假日已录入（配置文件，含管理员调整）。"),
                (Lang::Zh, false) => format!("{year} 年的节假日已由管理员录入。"),
                (Lang::En, true) => format!("{year}'s holidays are known (the files, with administrators' changes)."),
                (Lang::En, false) => format!("{year}'s holidays were entered by administrators."),
            }) }
        } @else {
            p.flash.warn #coverage role="status" { (match lang {
                Lang::Zh => format!("{year} 年的节假日尚未录入：该年的期限按周一至周五计算，遇法定节假日会算错。请依国务院办公厅当年的通知录入。"),
                Lang::En => format!("{year}'s holidays are not entered: deadlines that year count Monday to Friday, wrong around every public holiday. Enter them from the State Council's notice."),
            }) }
        }
        (set_form(viewer, year))
        section.card aria-labelledby="h-months" {
            h2 #h-months { (lang.pick("全年", "The year")) }
            p.small.muted {
                span.day.off { "1" } " " (lang.pick("放假", "day off")) "　"
                span.day.work { "1" } " " (lang.pick("调休上班", "make-up working day")) "　"
                span.day.weekend { "1" } " " (lang.pick("周末", "weekend"))
            }
            div.months { @for m in 1..=12 { (month(calendar, year, m, lang)) } }
        }
        section.card aria-labelledby="h-exceptions" {
            h2 #h-exceptions { (lang.pick("例外日期", "Exceptions")) }
            (exceptions(calendar, &stored, year, lang, now))
        }
    };
    let title = lang.pick("工作日历", "Working-day calendar");
    layout::respond(status, layout::page(viewer.chrome(), Section::Admin, title, body))
}

fn exceptions(
    c: &WorkCalendar,
    stored: &[&StoredDay],
    year: i32,
    lang: Lang,
    now: chrono::DateTime<chrono::Utc>,
) -> Markup {
    let mut days: Vec<(NaiveDate, DayKind, String)> = Vec::new();
    if let Some(y) = c.year(year) {
        days.extend(y.holidays().map(|(d, n)| (d, DayKind::Holiday, n.to_owned())));
        days.extend(y.workdays().map(|(d, n)| (d, DayKind::Workday, n.to_owned())));
    }
    // A stored ordinary day is an exception taken back: listed so its source is seen.
    days.extend(
        stored
            .iter()
            .filter(|s| s.day.kind == DayKind::Ordinary)
            .map(|s| (s.day.date, DayKind::Ordinary, String::new())),
    );
    days.sort_by_key(|d| d.0);
    html! {
        @if days.is_empty() {
            p.muted #no-exceptions { (lang.pick("没有例外：周一至周五上班。", "No exception: Monday to Friday.")) }
        } @else {
            div.table-wrap tabindex="0" role="region" aria-label=(lang.pick("例外日期表", "The exceptions")) {
                table #exceptions {
                    thead { tr {
                        th scope="col" { (lang.pick("日期", "Date")) }
                        th.text scope="col" { (lang.pick("类型", "What")) }
                        th.text scope="col" { (lang.pick("名称", "Name")) }
                        th.text scope="col" { (lang.pick("来源", "Source")) }
                    } }
                    tbody {
                        @for (date, kind, name) in &days {
                            @let source = stored.iter().find(|s| s.day.date == *date);
                            tr id={ "day-" (date) } {
                                th scope="row" { (date.format("%Y-%m-%d")) " " (weekday(*date, lang)) }
                                td.text { (kind_name(*kind, lang)) }
                                td.text { (name) }
                                td.text {
                                    @match source {
                                        Some(s) => {
                                            (lang.pick("管理员 ", "set by "))
                                            (s.set_by.as_deref().unwrap_or("?"))
                                            "，" (jiesu_words::time::local_time(s.set_at, now, lang))
                                        }
                                        None => { "config/calendar/" (year) ".toml" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn weekday(d: NaiveDate, lang: Lang) -> &'static str {
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let i = d.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Zh => ZH[i],
        Lang::En => EN[i],
    }
}

/// One month as a week-by-week table, Monday first.
fn month(c: &WorkCalendar, year: i32, m: u32, lang: Lang) -> Markup {
    let Some(first) = NaiveDate::from_ymd_opt(year, m, 1) else { return html! {} };
    let lead = first.weekday().num_days_from_monday();
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| d.month() == m).collect();
    let mut cells: Vec<Option<NaiveDate>> = (0..lead).map(|_| None).collect();
    cells.extend(days.into_iter().map(Some));
    let heads = match lang {
        Lang::Zh => ["一", "二", "三", "四", "五", "六", "日"],
        Lang::En => ["M", "T", "W", "T", "F", "S", "S"],
    };
    let caption = match lang {
        Lang::Zh => format!("{m}月"),
        Lang::En => first.format("%B").to_string(),
    };
    html! {
        table.month {
            caption { (caption) }
            thead { tr { @for h in heads { th scope="col" { (h) } } } }
            tbody {
                @for week in cells.chunks(7) {
                    tr {
                        @for cell in week {
                            @match cell {
                                Some(d) => {
                                    @let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
                                    @let class = match (c.is_working_day(*d), weekend) {
                                        (false, false) => "day off",
                                        (false, true) if c.holiday(*d).is_some() => "day off",
                                        (false, true) => "day weekend",
                                        (true, true) => "day work",
                                        (true, false) => "day",
                                    };
                                    td class=(class) title=[c.holiday(*d)] { (d.day()) }
                                }
                                None => td {},
                            }
                        }
                    }
                }
            }
        }
    }
}

fn set_form<S>(v: &Viewer<S>, year: i32) -> Markup {
    let lang = v.lang;
    html! {
        details.act #set-day-panel {
            summary { (lang.pick("设置某一天", "Set a day")) }
            form #set-day method="post" action="/staff/admin/calendar" {
                input type="hidden" name="csrf" value=(v.csrf.as_str());
                label for="day-date" { (lang.pick("日期", "Date")) }
                input type="date" id="day-date" name="date" required value={ (year) "-01-01" };
                label for="day-kind" { (lang.pick("类型", "What it is")) }
                select id="day-kind" name="kind" {
                    @for k in DayKind::ALL { option value=(k.as_str()) { (kind_name(k, lang)) } }
                }
                label for="day-name" {
                    (lang.pick("名称", "Name"))
                    span.hint { (lang.pick("（如 春节、春节调休；恢复为普通日时不填）", " (春节, 春节调休; none for an ordinary day)")) }
                }
                input type="text" id="day-name" name="name" maxlength="40" autocomplete="off";
                div.actions { button type="submit" id="save-day" { (lang.pick("保存", "Save")) } }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DayForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

/// `POST /staff/admin/calendar`.
pub(crate) async fn set<S: Store + Cases + Accounts + RuleBook>(
    axum::extract::State(pages): State<S>,
    posted: AdminForm<S, DayForm>,
) -> Response {
    let AdminForm { viewer, form, client } = posted;
    let lang = viewer.lang;
    let this_year = jiesu_domain::time::now().with_timezone(&jiesu_domain::time::LOCAL).year();
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d").ok();
    let (Some(date), Some(kind)) = (date, DayKind::parse(&form.kind)) else {
        let why = lang.pick("请填写日期并选择类型。", "Give a date and what it is.");
        return render(&pages, &viewer, this_year, StatusCode::BAD_REQUEST, Some(flash("error", why))).await;
    };
    let name: String = form.name.trim().chars().take(40).collect();
    let day = DayOverride { date, kind, name };
    let detail = format!("{}: {} {}", date, kind.as_str(), day.name);
    let entry = AuditEntry::new(
        Some(&viewer.me.username),
        AuditAction::CalendarChanged,
        &date.to_string(),
        &detail,
        jiesu_domain::time::now(),
    )
    .from_client(Some(client.key()));
    match pages.work.rules.set_calendar_day(day, &viewer.me.username, &entry).await {
        Ok(()) => Redirect::to(&format!("/staff/admin/calendar?year={}&done=set#day-{date}", date.year()))
            .into_response(),
        Err(CalendarError::Invalid(why)) => {
            let why = match lang {
                Lang::Zh if why.contains("Saturday or Sunday") => "调休上班日须是周六或周日。".to_owned(),
                Lang::Zh => "放假日和调休上班日须写明名称（如 春节、春节调休）。".to_owned(),
                Lang::En => why,
            };
            render(&pages, &viewer, date.year(), StatusCode::BAD_REQUEST, Some(flash("error", &why))).await
        }
        Err(CalendarError::Store(e)) => {
            tracing::error!(error = %e, "cannot set a calendar day");
            let why = lang.pick("操作未能完成，请重试。", "That did not go through; try again.");
            render(&pages, &viewer, date.year(), StatusCode::SERVICE_UNAVAILABLE, Some(flash("error", why)))
                .await
        }
    }
}
