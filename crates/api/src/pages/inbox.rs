//! The bureau's inbox: tabs 待签收 / 办理中 / 即将超时 / 已超时 / 已办结 with their counts, a
//! filter (tracking number or words, category at any level, street or community, dispatch
//! dates), newest or most urgent first, and keyset pages. District-wide roles see every
//! bureau's tasks. Every list and count is the store's scoped query (`Cases::list_tasks`,
//! `count_tasks`), the one the JSON API lists with.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use jiesu_domain::area::AreaCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::district::District;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{
    Accounts, Cases, ClockWindow, Cursor, Listing, Store, TaskFilter, TaskListing, TaskQuery, split_page,
};
use jiesu_domain::staff::Scope;
use jiesu_domain::task::TaskState;
use jiesu_domain::time::local_midnight;
use jiesu_words::Lang;
use jiesu_words::names::local_name;
use jiesu_words::time::local_time;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Section};
use super::session::Viewer;
use super::{State, words};
use crate::ApiError;
use crate::work::paging::Asked;
use crate::work::view::{self, TaskItem};

/// Counts above this read "999+": a tab's count costs at most this many rows.
const COUNT_CAP: u32 = 1000;
const PAGE_SIZE: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    ToClaim,
    InHand,
    DueSoon,
    Overdue,
    Done,
}

impl Tab {
    const ALL: [Tab; 5] = [Self::ToClaim, Self::InHand, Self::DueSoon, Self::Overdue, Self::Done];

    fn code(self) -> &'static str {
        match self {
            Self::ToClaim => "to-claim",
            Self::InHand => "in-hand",
            Self::DueSoon => "due-soon",
            Self::Overdue => "overdue",
            Self::Done => "done",
        }
    }

    fn parse(raw: Option<&str>) -> Self {
        Self::ALL.into_iter().find(|t| Some(t.code()) == raw).unwrap_or(Self::ToClaim)
    }

    fn name(self, lang: Lang) -> &'static str {
        match self {
            Self::ToClaim => lang.pick("待签收", "To claim"),
            Self::InHand => lang.pick("办理中", "In hand"),
            Self::DueSoon => lang.pick("即将超时", "Due soon"),
            Self::Overdue => lang.pick("已超时", "Overdue"),
            Self::Done => lang.pick("已办结", "Resolved"),
        }
    }

    /// What the tab lists, before the filter and the page. "Due soon": the first running clock
    /// runs out within a day; overdue and due soon are ordered by that clock.
    fn query(self, now: DateTime<Utc>, urgent_first: bool) -> (Vec<TaskState>, Option<ClockWindow>) {
        use TaskState as T;
        let by_clock = urgent_first.then(ClockWindow::any);
        match self {
            Self::ToClaim => (vec![T::Dispatched], by_clock),
            Self::InHand => (vec![T::Claimed, T::DisclaimRequested], by_clock),
            Self::DueSoon => (Vec::new(), Some(ClockWindow::due_soon(now, now + words::DUE_SOON))),
            Self::Overdue => (Vec::new(), Some(ClockWindow::overdue(now))),
            Self::Done => (vec![T::Resolved], None),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct InboxQuery {
    tab: Option<String>,
    /// `urgent`: by the first running clock; otherwise newest first.
    sort: Option<String>,
    /// A tracking number, or words of the description.
    q: Option<String>,
    category: Option<String>,
    area: Option<String>,
    /// Local dates, `YYYY-MM-DD`, both inclusive.
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
}

fn date(raw: Option<&str>) -> Option<NaiveDate> {
    raw.and_then(|r| NaiveDate::parse_from_str(r.trim(), "%Y-%m-%d").ok())
}

fn filter(q: &InboxQuery) -> TaskFilter {
    let words = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let tracking = words.and_then(|w| TrackingNumber::parse(w).ok());
    TaskFilter {
        text: if tracking.is_some() { None } else { words.map(str::to_owned) },
        tracking,
        category: q.category.as_deref().filter(|s| !s.is_empty()).and_then(|c| CategoryCode::parse(c).ok()),
        area: q.area.as_deref().filter(|s| !s.is_empty()).and_then(|a| AreaCode::parse(a).ok()),
        dispatched_from: date(q.from.as_deref()).map(local_midnight),
        dispatched_before: date(q.to.as_deref()).and_then(|d| d.succ_opt()).map(local_midnight),
    }
}

/// The query string of this view with other `tab`/`sort`/`after`.
fn link(q: &InboxQuery, tab: Tab, sort: Option<&str>, after: Option<&str>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("tab", tab.code());
    if let Some(v) = sort {
        s.append_pair("sort", v);
    }
    for (k, v) in
        [("q", &q.q), ("category", &q.category), ("area", &q.area), ("from", &q.from), ("to", &q.to)]
    {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    if let Some(a) = after {
        s.append_pair("after", a);
    }
    format!("/staff/inbox?{}", s.finish())
}

/// `GET /staff/inbox`.
pub(crate) async fn inbox<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    viewer: Viewer<S>,
    Query(q): Query<InboxQuery>,
) -> Response {
    let lang = viewer.lang;
    match build(&pages.work, &viewer, &q).await {
        Ok(body) => layout::respond(
            StatusCode::OK,
            layout::page(viewer.chrome(), Section::Inbox, lang.pick("待办", "Inbox"), body),
        ),
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}

async fn build<S: Store + Cases>(
    api: &crate::work::WorkApi<S>,
    viewer: &Viewer<S>,
    q: &InboxQuery,
) -> Result<Markup, ApiError> {
    let lang = viewer.lang;
    let now = jiesu_domain::time::now();
    let tab = Tab::parse(q.tab.as_deref());
    let urgent = q.sort.as_deref() == Some("urgent");
    let scope = viewer.me.scope();
    let filter = filter(q);
    let store = api.workflow.store();
    let count = |t: Tab| {
        let (states, clock) = t.query(now, false);
        let query = TaskQuery { states, clock, filter: filter.clone(), ..TaskQuery::default() };
        let scope = scope.clone();
        async move { store.count_tasks(&scope, &query, COUNT_CAP).await }
    };
    let (a, b, c, d, e) = tokio::join!(
        count(Tab::ToClaim),
        count(Tab::InHand),
        count(Tab::DueSoon),
        count(Tab::Overdue),
        count(Tab::Done)
    );
    let counts = [a?, b?, c?, d?, e?];
    let (states, clock) = tab.query(now, urgent);
    let (listing, cursor): (_, fn(&TaskListing) -> Cursor) = if clock.is_some() {
        (Listing::ByClock, Cursor::of_task_by_clock)
    } else {
        (Listing::Tasks, Cursor::of_task)
    };
    // A cursor from another order (the sort was changed) starts again from the top.
    let asked = Asked::read(listing, None, Some(PAGE_SIZE), q.after.as_deref())
        .or_else(|_| Asked::read(listing, None, Some(PAGE_SIZE), None))?;
    let query = TaskQuery { states, clock, filter, page: asked.fetch(), ..TaskQuery::default() };
    let listed = store.list_tasks(&scope, &query).await?;
    let (listed, next) = split_page(listed, asked.size(), listing, cursor);
    let district = api.workflow.district();
    let items: Vec<TaskItem> =
        listed.iter().map(|l| view::task(&district, &l.task, &l.request, &l.deadlines, now)).collect();
    Ok(html! {
        h1 { (lang.pick("待办", "Inbox")) @if let Scope::Bureau(b) = &scope { " · " span.muted { (jiesu_words::bureau_name(&district, b, lang)) } } }
        nav.tabs aria-label=(lang.pick("任务分类", "Task tabs")) {
            @for (t, n) in Tab::ALL.iter().zip(counts) {
                a id={ "tab-" (t.code()) } href=(link(q, *t, q.sort.as_deref(), None)) aria-current=[(*t == tab).then_some("page")]
                    class=[match t { Tab::Overdue if n > 0 => Some("late"), Tab::DueSoon if n > 0 => Some("soon"), _ => None }] {
                    (t.name(lang)) span.count { @if n >= COUNT_CAP { (COUNT_CAP - 1) "+" } @else { (n) } }
                }
            }
        }
        (filters(&district, q, tab, lang))
        @if matches!(tab, Tab::ToClaim | Tab::InHand) {
            p.small {
                (lang.pick("排序：", "Order: "))
                @if urgent {
                    a href=(link(q, tab, None, None)) { (lang.pick("最新派发", "newest")) } " · " strong { (lang.pick("最紧急", "most urgent")) }
                } @else {
                    strong { (lang.pick("最新派发", "newest")) } " · " a #sort-urgent href=(link(q, tab, Some("urgent"), None)) { (lang.pick("最紧急", "most urgent")) }
                }
            }
        }
        @if items.is_empty() {
            p.card.muted #empty { (lang.pick("这里没有任务。", "Nothing here.")) }
        } @else {
            ul.rows #tasks { @for t in &items { (row(&district, t, now, lang)) } }
        }
        div.pager {
            @if q.after.is_some() { a href=(link(q, tab, q.sort.as_deref(), None)) { (lang.pick("« 回到第一页", "« First page")) } } @else { span {} }
            @if let Some(n) = next { a #next-page href=(link(q, tab, q.sort.as_deref(), Some(&n))) { (lang.pick("下一页 »", "Next page »")) } }
        }
    })
}

fn filters(d: &District, q: &InboxQuery, tab: Tab, lang: Lang) -> Markup {
    let active = [&q.q, &q.category, &q.area, &q.from, &q.to]
        .iter()
        .any(|v| v.as_deref().is_some_and(|s| !s.is_empty()));
    let sel = |v: &Option<String>, code: &str| v.as_deref() == Some(code);
    html! {
        details.filter.card open[active] {
            summary { (lang.pick("筛选", "Filter")) @if active { " · " span.muted { (lang.pick("已筛选", "filtered")) } } }
            form.filters #filter method="get" action="/staff/inbox" {
                input type="hidden" name="tab" value=(tab.code());
                div {
                    label for="f-q" { (lang.pick("工单编号或关键词", "Tracking number or words")) }
                    input #f-q type="search" name="q" value=(q.q.clone().unwrap_or_default());
                }
                div {
                    label for="f-category" { (lang.pick("类别", "Category")) }
                    select #f-category name="category" {
                        option value="" { (lang.pick("全部类别", "All categories")) }
                        @for c in d.taxonomy().iter() {
                            option value=(c.code.as_str()) selected[sel(&q.category, c.code.as_str())] {
                                (" ".repeat(2 * (c.code.level() - 1))) (local_name(&c.name, c.name_en.as_deref(), lang))
                            }
                        }
                    }
                }
                div {
                    label for="f-area" { (lang.pick("街道/社区", "Street or community")) }
                    select #f-area name="area" {
                        option value="" { (lang.pick("全部区域", "All areas")) }
                        @for a in d.areas().iter().filter(|a| a.code.depth() >= 1) {
                            option value=(a.code.as_str()) selected[sel(&q.area, a.code.as_str())] {
                                (" ".repeat(2 * (a.code.depth() - 1))) (local_name(&a.name, a.name_en.as_deref(), lang))
                            }
                        }
                    }
                }
                div {
                    label for="f-from" { (lang.pick("派发日期从", "Dispatched from")) }
                    input #f-from type="date" name="from" value=(q.from.clone().unwrap_or_default());
                }
                div {
                    label for="f-to" { (lang.pick("至", "to")) }
                    input #f-to type="date" name="to" value=(q.to.clone().unwrap_or_default());
                }
                div.actions {
                    button #apply-filter type="submit" { (lang.pick("筛选", "Filter")) }
                    @if active { a.button.secondary href=(link(&InboxQuery::default(), tab, None, None)) { (lang.pick("清除", "Clear")) } }
                }
            }
        }
    }
}

fn row(d: &District, t: &TaskItem, now: DateTime<Utc>, lang: Lang) -> Markup {
    let r = &t.request;
    let task = &t.task;
    let running = |c: &&view::Clock| c.state == "pending";
    let clock = task
        .response
        .as_ref()
        .filter(running)
        .or(task.resolution.as_ref().filter(running))
        .or(task.resolution.as_ref());
    let category = r.category.as_ref().map(|c| words::category(d, c, lang));
    let place = r.area.as_ref().map(|a| words::area(d, &a.code, lang)).or_else(|| r.address.clone());
    html! {
        li.task {
            div style="display:flex;justify-content:space-between;gap:.5rem;align-items:flex-start" {
                a.title href={ "/staff/tasks/" (task.id) } {
                    (category.unwrap_or_else(|| lang.pick("未分类", "Uncategorized").to_owned()))
                    " " span.muted.small { (r.tracking_grouped) }
                }
                @if let Some(c) = clock { (words::clock(d, c, now, lang)) }
            }
            p.desc { (r.description) }
            div.meta {
                @if let Some(p) = place { span { (lang.pick("地点：", "Place: ")) (p) } }
                span { (words::kind(&r.kind, lang)) }
                span { (words::channel(&r.channel, lang)) }
                @if r.urgency != "normal" { span.tag.urgent { (words::urgency(&r.urgency, lang)) } }
                span { (words::role(&task.role, lang)) " · " (words::task_state(&task.state, lang)) }
                span { (lang.pick("派发于 ", "dispatched ")) (local_time(task.dispatched_at, now, lang)) }
            }
        }
    }
}
