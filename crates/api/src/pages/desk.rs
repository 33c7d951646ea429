//! The dispatch desk: its queues (待分拨 awaiting dispatch, 退单审核 held disclaims, 结案审核
//! results to review, 待回访 return visits due, 已升级 escalated) and a request's page; its
//! forms and their handling are in `desk_act`.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use jiesu_domain::desk::{DeskClock, DeskClockKind};
use jiesu_domain::district::District;
use jiesu_domain::ports::{Accounts, Cases, Cursor, Listing, RequestView, Store, split_page};
use jiesu_domain::request::RequestStatus;
use jiesu_words::Lang;
use jiesu_words::names::category_name;
use jiesu_words::time::local_time;
use maud::{Markup, html};
use serde::Deserialize;

use super::case::{Frame, case_body};
use super::layout::{self, Section, flash};
use super::session::Viewer;
use super::{State, desk_act, words};
use crate::work::WorkApi;
use crate::work::paging::Asked;
use crate::work::requests::{case_answer, request_id};
use crate::work::view::{self, RequestBrief};
use crate::{ApiError, DistrictWide};

const PAGE_SIZE: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Dispatch,
    Disclaims,
    Review,
    Visit,
    Escalated,
}

impl Queue {
    const ALL: [Queue; 5] = [Self::Dispatch, Self::Disclaims, Self::Review, Self::Visit, Self::Escalated];

    fn code(self) -> &'static str {
        match self {
            Self::Dispatch => "dispatch",
            Self::Disclaims => "disclaims",
            Self::Review => "review",
            Self::Visit => "visit",
            Self::Escalated => "escalated",
        }
    }

    fn name(self, lang: Lang) -> &'static str {
        match self {
            Self::Dispatch => lang.pick("待分拨", "To place"),
            Self::Disclaims => lang.pick("退单审核", "Disclaims"),
            Self::Review => lang.pick("结案审核", "To review"),
            Self::Visit => lang.pick("待回访", "Return visits"),
            Self::Escalated => lang.pick("已升级", "Escalated"),
        }
    }

    /// The clock a timed queue is ordered by: what the desk owes there has a deadline.
    fn clock(self) -> Option<DeskClockKind> {
        match self {
            Self::Dispatch => Some(DeskClockKind::Placement),
            Self::Disclaims => Some(DeskClockKind::DisclaimReview),
            Self::Review => Some(DeskClockKind::ClosureReview),
            Self::Visit | Self::Escalated => None,
        }
    }

    /// The status an untimed queue lists.
    fn status(self) -> RequestStatus {
        match self {
            Self::Visit => RequestStatus::Reviewed,
            _ => RequestStatus::Escalated,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeskQuery {
    queue: Option<String>,
    after: Option<String>,
}

/// The desk's pages are for the district-wide roles; anyone else is told so in words.
pub(super) fn desk_only(v: &Viewer<impl Sized>) -> Option<Response> {
    crate::require_role(&v.me, DistrictWide::ROLES).err().map(|_| {
        layout::error_page(
            v.lang,
            StatusCode::FORBIDDEN,
            v.lang.pick(
                "分拨台只对分拨员和督办人员开放。",
                "The dispatch desk is for operators and supervisors.",
            ),
        )
    })
}

/// A row of a queue: the request, who leads it, and since when it waits.
struct Row {
    brief: RequestBrief,
    /// The category in the reader's language.
    category: Option<String>,
    lead: Option<String>,
    waiting_since: DateTime<Utc>,
    /// For a held disclaim: the bureau that asked.
    note: Option<String>,
    /// The desk's deadline, in a timed queue.
    clock: Option<DeskClock>,
}

/// `GET /staff/desk`.
pub(crate) async fn desk<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    viewer: Viewer<S>,
    Query(q): Query<DeskQuery>,
) -> Response {
    if let Some(r) = desk_only(&viewer) {
        return r;
    }
    let lang = viewer.lang;
    let queue =
        Queue::ALL.into_iter().find(|x| Some(x.code()) == q.queue.as_deref()).unwrap_or(Queue::Dispatch);
    match rows(&pages.work, queue, q.after.as_deref(), lang).await {
        Ok((rows, next)) => {
            let d = pages.work.workflow.district();
            let page = Listed { rows: &rows, next: next.as_deref(), paged: q.after.is_some() };
            let body = queue_page(&d, &viewer, queue, page);
            layout::respond(
                StatusCode::OK,
                layout::page(viewer.chrome(), Section::Desk, queue.name(lang), body),
            )
        }
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}

async fn rows<S: Store + Cases>(
    api: &WorkApi<S>,
    queue: Queue,
    after: Option<&str>,
    lang: Lang,
) -> Result<(Vec<Row>, Option<String>), ApiError> {
    let d = api.workflow.district();
    let store = api.workflow.store();
    let first = |listing| Asked::read(listing, None, Some(PAGE_SIZE), None);
    let row = |v: &RequestView, clock: Option<DeskClock>| {
        // A held disclaim's row names the bureau that asked; the others the lead.
        let asking = clock.as_ref().and_then(|k| k.task_id).and_then(|t| v.tasks.iter().find(|x| x.id == t));
        let lead = asking.or_else(|| jiesu_domain::task::current_lead(&v.tasks));
        Row {
            category: v.request.submitted.category.as_ref().and_then(|c| category_name(&d, c, lang)),
            brief: view::request_brief(&d, &v.request),
            lead: lead.map(|t| jiesu_words::bureau_name(&d, &t.bureau, lang)),
            waiting_since: clock.as_ref().map_or(v.request.updated_at, |k| k.started_at),
            note: asking.map(|_| lang.pick("申请退单", "asks to disclaim").to_owned()),
            clock,
        }
    };
    let Some(kind) = queue.clock() else {
        let asked =
            Asked::read(Listing::Desk, None, Some(PAGE_SIZE), after).or_else(|_| first(Listing::Desk))?;
        let views = store.requests_in_status(&[queue.status()], asked.fetch()).await?;
        let (views, next) = split_page(views, asked.size(), Listing::Desk, Cursor::of_desk_request);
        return Ok((views.iter().map(|v| row(v, None)).collect(), next));
    };
    // A timed queue: what the desk owes there, soonest due first.
    let asked = Asked::read(Listing::DeskClocks, None, Some(PAGE_SIZE), after)
        .or_else(|_| first(Listing::DeskClocks))?;
    let items = store.desk_clocks_due(kind, asked.fetch()).await?;
    let (items, next) = split_page(items, asked.size(), Listing::DeskClocks, Cursor::of_desk_item);
    Ok((items.into_iter().map(|x| row(&x.view, Some(x.clock))).collect(), next))
}

/// A page of a queue: its rows, the cursor of the next page, and whether this is a later page.
struct Listed<'a> {
    rows: &'a [Row],
    next: Option<&'a str>,
    paged: bool,
}

fn queue_page(d: &District, v: &Viewer<impl Sized>, queue: Queue, page: Listed<'_>) -> Markup {
    let Listed { rows, next, paged } = page;
    let lang = v.lang;
    let now = jiesu_domain::time::now();
    let link = |q: Queue, after: Option<&str>| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("queue", q.code());
        if let Some(a) = after {
            s.append_pair("after", a);
        }
        format!("/staff/desk?{}", s.finish())
    };
    html! {
        h1 { (lang.pick("分拨台", "Dispatch desk")) }
        nav.tabs aria-label=(lang.pick("分拨台队列", "Desk queues")) {
            @for x in Queue::ALL {
                a id={ "queue-" (x.code()) } href=(link(x, None)) aria-current=[(x == queue).then_some("page")] { (x.name(lang)) }
            }
        }
        @if queue.clock().is_some() {
            p.small.muted { (lang.pick("最先到期的在前；每件都有分拨台的办理时限，超时先提醒分拨员，再提请督办。",
                "Soonest due first. Each has the desk's deadline: when it passes the desk is reminded, then the supervisors.")) }
        } @else {
            p.small.muted { (lang.pick("最早等待的在前。", "Longest waiting first.")) }
        }
        @if rows.is_empty() {
            p.card.muted #empty { (lang.pick("这个队列是空的。", "This queue is empty.")) }
        } @else {
            ul.rows #requests {
                @for r in rows {
                    li {
                        a.title href={ "/staff/requests/" (r.brief.tracking) } {
                            (r.category.clone().unwrap_or_else(|| lang.pick("未分类", "Uncategorized").to_owned()))
                            " " span.muted.small { (r.brief.tracking_grouped) }
                        }
                        p.desc { (r.brief.description) }
                        div.meta {
                            @if let Some(l) = &r.lead { span { (l) @if let Some(n) = &r.note { " " (n) } } }
                            span { (words::kind(&r.brief.kind, lang)) }
                            span { (words::channel(&r.brief.channel, lang)) }
                            @if r.brief.urgency != "normal" { span.tag.urgent { (words::urgency(&r.brief.urgency, lang)) } }
                            span { (lang.pick("等待自 ", "waiting since ")) (local_time(r.waiting_since, now, lang)) }
                            @if let Some(k) = &r.clock { (words::desk_clock(d, k.into(), now, lang)) }
                        }
                    }
                }
            }
        }
        div.pager {
            @if paged { a href=(link(queue, None)) { (lang.pick("« 回到第一页", "« First page")) } } @else { span {} }
            @if let Some(n) = next { a #next-page href=(link(queue, Some(n))) { (lang.pick("下一页 »", "Next page »")) } }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

fn done_message(done: &str, lang: Lang) -> Option<&'static str> {
    Some(match done {
        "dispatch" => lang.pick("已派单。", "Placed."),
        "transfer" => lang.pick("已改派。", "Transferred."),
        "disclaim-review" => lang.pick("退单审核已完成。", "Disclaim reviewed."),
        "review" => lang.pick("结案审核已完成。", "Review recorded."),
        "visit" => lang.pick("回访已记录。", "Return visit recorded."),
        _ => return None,
    })
}

/// `GET /staff/requests/{tracking}`.
pub(crate) async fn request_page<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    viewer: Viewer<S>,
    Path(tracking): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    if let Some(r) = desk_only(&viewer) {
        return r;
    }
    let notice = q.done.as_deref().and_then(|d| done_message(d, viewer.lang)).map(|m| flash("ok", m));
    render(&pages.work, &viewer, &tracking, StatusCode::OK, notice, None).await
}

pub(super) fn not_found(lang: Lang) -> Response {
    layout::error_page(lang, StatusCode::NOT_FOUND, lang.pick("没有找到这个诉求。", "No such request."))
}

pub(super) async fn render<S: Store + Cases>(
    api: &WorkApi<S>,
    viewer: &Viewer<impl Sized>,
    tracking: &str,
    status: StatusCode,
    notice: Option<Markup>,
    phone: Option<&str>,
) -> Response {
    let lang = viewer.lang;
    let case = async {
        let id = request_id(api, &viewer.me, tracking).await?;
        case_answer(api, &viewer.me, id).await
    }
    .await;
    match case {
        Ok(axum::Json(case)) => {
            let d = api.workflow.district();
            let base = format!("/staff/requests/{}", case.request.brief.tracking);
            let actions = desk_act::forms(&d, viewer, &case, &base);
            let title = case.request.brief.tracking_grouped.clone();
            let body =
                case_body(&d, viewer, &case, Frame { task: None, notice, phone, base: &base, actions });
            layout::respond(status, layout::page(viewer.chrome(), Section::Desk, &title, body))
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(lang),
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}
