//! The case page: a task with its request, as the bureau works it. The request (description, the
//! category's answers, photos, the place on a map of the district's own polygons), the caller
//! (masked; "show number" for the roles that must call, recorded), the clocks in working time,
//! the actions the task's state allows, the routing explanation, the other bureaus' shares,
//! disclaims and extensions, and the history in words with local times.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use jiesu_domain::area::AreaCode;
use jiesu_domain::district::District;
use jiesu_domain::event::EventKind;
use jiesu_domain::ids::TaskId;
use jiesu_domain::note::DisclaimReason;
use jiesu_domain::ports::{Accounts, Cases, Store};
use jiesu_domain::request::MediaUrl;
use jiesu_domain::staff::Principal;
use jiesu_words::Lang;
use jiesu_words::names::{disclaim_reason_name, route_reason};
use jiesu_words::time::local_time;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, Section, flash};
use super::session::Viewer;
use super::{State, map, words};
use crate::ApiError;
use crate::work::case_view::{CaseView, HistoryEntry};
use crate::work::extract::IdPath;
use crate::work::tasks::{TaskDetail, task_view};
use crate::work::view::CaseTask;

#[derive(Debug, Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

/// What a finished action says above the page.
fn done_message(done: &str, lang: Lang) -> Option<&'static str> {
    Some(match done {
        "claim" => lang.pick("已签收。响应时限已停止计时。", "Claimed: the response clock has stopped."),
        "progress" => lang.pick("进展已记录。", "Progress recorded."),
        "resolve" => lang.pick("已办结，等待分拨中心审核。", "Resolved: the dispatch desk will review it."),
        "disclaim" => lang.pick("已退单。", "Disclaimed."),
        "extension" => {
            lang.pick("延期申请已提交，等待审批。", "Extension requested: waiting for a decision.")
        }
        "assist" => lang.pick("已增加协办单位。", "Assisting bureau added."),
        "appeal" => lang.pick("申诉已提交，等待督办审核。", "Appeal submitted: a supervisor will decide."),
        "final-reply" => {
            lang.pick("最终答复已提交，等待督办审核。", "Final reply submitted: a supervisor will decide.")
        }
        "release" => lang.pick("已解除协办。", "Assisting bureau released."),
        _ => return None,
    })
}

/// `GET /staff/tasks/{id}`.
pub(crate) async fn task_page<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    viewer: Viewer<S>,
    id: Result<IdPath<TaskId>, ApiError>,
    Query(q): Query<Done>,
) -> Response {
    let lang = viewer.lang;
    let Ok(IdPath(id)) = id else { return not_found(lang) };
    let notice = q.done.as_deref().and_then(|d| done_message(d, lang)).map(|m| flash("ok", m));
    render(&pages.work, &viewer, id, StatusCode::OK, notice, None).await
}

pub(crate) fn not_found(lang: Lang) -> Response {
    layout::error_page(
        lang,
        StatusCode::NOT_FOUND,
        lang.pick("没有找到该任务，或它不属于您的单位。", "No such task, or it is not your bureau's."),
    )
}

/// The page for task `id` as it now stands, with a notice (an action's outcome) and, once
/// revealed, the caller's number.
pub(crate) async fn render<S: Store + Cases>(
    api: &crate::work::WorkApi<S>,
    viewer: &Viewer<impl Sized>,
    id: TaskId,
    status: StatusCode,
    notice: Option<Markup>,
    phone: Option<&str>,
) -> Response {
    let lang = viewer.lang;
    match task_view(api, &viewer.me, id).await {
        Ok(axum::Json(detail)) => {
            let d = api.workflow.district();
            let title = detail.task.request.tracking_grouped.clone();
            let actions =
                html! { (actions(&d, viewer, &detail)) (super::case_exempt::section(viewer, &detail)) };
            let base = format!("/staff/tasks/{id}");
            let frame = Frame { task: Some(&detail.task.task), notice, phone, base: &base, actions };
            let body = case_body(&d, viewer, &detail.case, frame);
            layout::respond(status, layout::page(viewer.chrome(), Section::Inbox, &title, body))
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(lang),
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}

fn fact(label: &str, value: Markup) -> Markup {
    html! { dt { (label) } dd { (value) } }
}

/// What a case page shows around the case itself.
pub(crate) struct Frame<'a> {
    /// The task it is seen through (a bureau's view); none for the desk's view of the request.
    pub task: Option<&'a CaseTask>,
    /// An action's outcome, above the page.
    pub notice: Option<Markup>,
    /// The caller's number, once revealed.
    pub phone: Option<&'a str>,
    /// Where the page's forms post (`/staff/tasks/{id}` or `/staff/requests/{tracking}`).
    pub base: &'a str,
    /// The forms the viewer may use.
    pub actions: Markup,
}

/// The whole page of a case: seen through one of its tasks (a bureau's view) or as the request
/// (the desk's), with the forms the viewer may use.
pub(crate) fn case_body(d: &District, v: &Viewer<impl Sized>, case: &CaseView, frame: Frame<'_>) -> Markup {
    let Frame { task, notice, phone, base, actions } = frame;
    let lang = v.lang;
    let now = jiesu_domain::time::now();
    let r = &case.request;
    let b = &r.brief;
    // The clocks shown: the task's, else the lead's.
    let clocks = task.or_else(|| case.tasks.iter().rev().find(|t| t.role == "lead"));
    let category = b.category.as_ref().map(|c| words::category(d, c, lang));
    let area = b.area.as_ref().and_then(|a| AreaCode::parse(&a.code).ok());
    let point = b.lat.zip(b.long);
    html! {
        p.small {
            @if task.is_some() { a href="/staff/inbox" { "← " (lang.pick("返回待办", "Back to the inbox")) } }
            @else { a href="/staff/desk" { "← " (lang.pick("返回分拨台", "Back to the desk")) } }
        }
        h1 {
            (category.clone().unwrap_or_else(|| lang.pick("未分类诉求", "Uncategorized request").to_owned()))
            " " span.muted.small #tracking { (b.tracking_grouped) }
        }
        p.meta {
            span.tag { (words::kind(&b.kind, lang)) } " "
            span.tag { (words::channel(&b.channel, lang)) } " "
            @if b.urgency != "normal" { span.tag.urgent { (words::urgency(&b.urgency, lang)) } " " }
            @if let Some(task) = task { span.tag #task-state { (words::role(&task.role, lang)) " · " (words::task_state(&task.state, lang)) } " " }
            span.muted.small { (lang.pick("诉求状态：", "Request: ")) (b.status_name) }
        }
        @if let Some(n) = notice { (n) }
        div.case {
            div.col {
                section.card.o1 aria-labelledby="h-request" {
                    h2 #h-request { (lang.pick("诉求内容", "The request")) }
                    @if let Some(title) = &b.title { p { strong { (title) } } }
                    p #description style="white-space:pre-wrap" { (b.description) }
                    @if !r.answers.is_empty() {
                        dl.facts {
                            @for a in &r.answers {
                                (fact(a.question.as_deref().unwrap_or(&a.code), html! {
                                    @for (i, x) in a.values.iter().enumerate() {
                                        @if i > 0 { "、" } (x.name.clone().unwrap_or_else(|| x.value.clone()))
                                    }
                                }))
                            }
                        }
                    }
                    @if !r.media.is_empty() {
                        h3.small { (lang.pick("群众上传的照片", "The citizen's photos")) }
                        div.photos {
                            @for (i, url) in r.media.iter().enumerate() {
                                a href=(url) target="_blank" rel="noopener" hx-boost="false" {
                                    img src=(url) alt={ (lang.pick("照片 ", "Photo ")) (i + 1) } loading="lazy";
                                }
                            }
                        }
                    }
                    dl.facts style="margin-top:.75rem" {
                        (fact(lang.pick("受理时间", "Received"), html! { (local_time(b.received_at, now, lang)) }))
                        @if let Some(addr) = &b.address { (fact(lang.pick("地址", "Address"), html! { (addr) })) }
                        @if let Some(a) = &b.area { (fact(lang.pick("所属区域", "Area"), html! { (words::area(d, &a.code, lang)) })) }
                        (fact(lang.pick("来电人", "Caller"), caller(v, case, base, phone)))
                    }
                    @if let Some(m) = map::area_map(d, area.as_ref(), point, lang) { div style="margin-top:.75rem" { (m) } }
                }
                section.card.o4 aria-labelledby="h-history" {
                    h2 #h-history { (lang.pick("办理记录", "History")) }
                    (timeline(&case.history, now, lang))
                }
            }
            div.col {
                section.card.o2 aria-labelledby="h-clocks" {
                    h2 #h-clocks { (lang.pick("时限", "Time limits")) }
                    dl.facts {
                        @if let Some(c) = clocks.and_then(|t| t.response.as_ref()) { (fact(lang.pick("签收", "Claim"), words::clock(d, c, now, lang))) }
                        @if let Some(c) = clocks.and_then(|t| t.resolution.as_ref()) { (fact(lang.pick("办结", "Resolve"), words::clock(d, c, now, lang))) }
                        @if clocks.is_none() { dd.muted { (lang.pick("暂无承办单位", "No bureau yet")) } }
                        @for k in desk_clocks(case) {
                            (fact(&desk_label(k.kind, lang), words::desk_clock(d, k, now, lang)))
                        }
                    }
                }
                (actions)
                (routing(d, case, lang))
                (shares(d, case, super::case_exempt::own_section(v, case), now, lang))
            }
        }
    }
}

/// The caller, masked, with "show number" for those who must call.
/// The desk's running clocks on the request (a result to review, a held disclaim, a request to
/// place): the bureau sees how long the desk has, the desk its own deadline.
fn desk_clocks(case: &CaseView) -> impl Iterator<Item = words::DeskSpan> + '_ {
    case.desk_clocks.iter().filter(|k| k.state == "pending").filter_map(|k| {
        let kind = jiesu_domain::desk::DeskClockKind::parse(&k.kind)?;
        Some(words::DeskSpan { kind, started_at: k.started_at, due_at: k.due_at })
    })
}

fn desk_label(kind: jiesu_domain::desk::DeskClockKind, lang: Lang) -> String {
    format!("{}{}", lang.pick("分拨台", "Desk: "), jiesu_words::names::desk_clock_name(kind, lang))
}

fn caller(v: &Viewer<impl Sized>, case: &CaseView, base: &str, phone: Option<&str>) -> Markup {
    let lang = v.lang;
    let c = &case.request.contact;
    let may_reveal = may_reveal(&v.me, case);
    html! {
        span #caller {
            @if let Some(n) = &c.name { (n) " " }
            @if let Some(p) = phone { strong #phone { (p) } }
            @else if let Some(p) = &c.phone { span #phone { (p) } }
            @else { span.muted { (lang.pick("未留电话", "no phone")) } }
        }
        @if phone.is_none() && c.phone.is_some() && may_reveal {
            form #reveal-form method="post" action={ (base) "/reveal" } style="display:inline;margin-left:.5rem" {
                input type="hidden" name="csrf" value=(v.csrf.as_str());
                button.link #reveal type="submit" { (lang.pick("显示号码", "Show number")) }
            }
            div.hint { (lang.pick("查看号码会记入办理记录。", "Reading the number is recorded in the history.")) }
        }
    }
}

/// The desk, and the staff of the bureau that now leads it (never for a confidential caller):
/// the same rule the workflow enforces (`Command::RevealPhone`); this only decides whether to
/// offer the button.
fn may_reveal(me: &Principal, case: &CaseView) -> bool {
    let leads = case.lead.as_ref().is_some_and(|l| me.bureau.as_ref().is_some_and(|b| b.as_str() == l.code));
    me.sees_confidential_callers() || (leads && !case.request.contact.confidential)
}

fn timeline(history: &[HistoryEntry], now: DateTime<Utc>, lang: Lang) -> Markup {
    html! {
        ol.timeline #history {
            @for h in history.iter().rev() {
                li {
                    time datetime=(h.at.to_rfc3339()) { (local_time(h.at, now, lang)) }
                    (lang.pick(&h.text, &h.text_en))
                    @let photos = photos_of(&h.event.kind);
                    @if !photos.is_empty() {
                        div.photos style="margin-top:.3rem" {
                            @for (i, url) in photos.iter().enumerate() {
                                a href=(url.as_str()) target="_blank" rel="noopener" hx-boost="false" {
                                    img src=(url.as_str()) alt={ (lang.pick("办理照片 ", "Photo ")) (i + 1) } loading="lazy";
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The photos an event carries (a progress note's, a result's).
fn photos_of(kind: &EventKind) -> &[MediaUrl] {
    match kind {
        EventKind::TaskProgressed { photos, .. } | EventKind::TaskResolved { photos, .. } => photos,
        _ => &[],
    }
}

fn routing(d: &District, case: &CaseView, lang: Lang) -> Markup {
    let r = &case.routing;
    html! {
        section.card.o5 aria-labelledby="h-routing" {
            h2 #h-routing { (lang.pick("分派依据", "Why it came here")) }
            @if let Some(p) = &r.placement {
                p.small { (lang.pick("区域：", "Area: ")) (words::area(d, &p.area, lang)) }
            }
            ol.candidates #candidates {
                @for c in &r.candidates {
                    li class=[c.disclaimed.then_some("struck")] {
                        strong { (lang.pick(&c.bureau.name, &c.bureau.name_en)) }
                        @if c.disclaimed { " (" (lang.pick("已退单", "disclaimed")) ")" }
                        div.small.muted { (route_reason(d, &c.reason, lang)) }
                    }
                }
            }
        }
    }
}

fn shares(d: &District, c: &CaseView, own: Option<&str>, now: DateTime<Utc>, lang: Lang) -> Markup {
    let exemptions: Vec<_> = c.exemptions.iter().filter(|x| Some(x.bureau.code.as_str()) != own).collect();
    html! {
        @if c.tasks.len() > 1 || !c.disclaims.is_empty() || !c.extensions.is_empty() || !exemptions.is_empty() {
            section.card.o6 aria-labelledby="h-shares" {
                h2 #h-shares { (lang.pick("承办情况", "Who does what")) }
                ul.rows {
                    @for x in &c.tasks {
                        li {
                            strong { (lang.pick(&x.bureau.name, &x.bureau.name_en)) } " "
                            span.tag { (words::role(&x.role, lang)) } " "
                            span.muted.small { (words::task_state(&x.state, lang)) }
                            @if x.binding { " " span.tag { (lang.pick("会议确定", "set by meeting")) } }
                            @if let Some(r) = &x.resolution { @if r.state == "pending" { " " (words::clock(d, r, now, lang)) } }
                        }
                    }
                }
                @for x in &c.disclaims {
                    p.small {
                        (lang.pick(&x.bureau.name, &x.bureau.name_en)) (lang.pick(" 退单：", " disclaimed: "))
                        (words::disclaim_reason(&x.reason, lang)) "，" (x.explanation)
                    }
                }
                @for x in &c.extensions {
                    p.small {
                        (lang.pick("延期申请 ", "Extension ")) (x.days) (lang.pick(" 个工作日：", " working days: "))
                        (x.reason) " · " (x.state)
                    }
                }
                @for x in &exemptions {
                    p.small.exemption-state {
                        (lang.pick(&x.bureau.name, &x.bureau.name_en)) " · "
                        strong { (super::case_exempt::title(x, lang)) } "："
                        (x.reason)
                    }
                }
            }
        }
    }
}

/// The forms the task's state allows its bureau; district-wide viewers only read here.
fn actions(d: &District, v: &Viewer<impl Sized>, t: &TaskDetail) -> Markup {
    let lang = v.lang;
    let task = &t.task.task;
    let mine = v.me.bureau.as_ref().is_some_and(|b| b.as_str() == task.bureau.code);
    let base = format!("/staff/tasks/{}", task.id);
    let csrf = html! { input type="hidden" name="csrf" value=(v.csrf.as_str()); };
    let open = matches!(task.state.as_str(), "dispatched" | "claimed");
    let lead = task.role == "lead";
    html! {
        @if mine && open {
            section.card.o3 #actions aria-labelledby="h-actions" {
                h2 #h-actions { (lang.pick("办理", "Act")) }
                @if task.state == "dispatched" {
                    form #claim-form method="post" action={ (base) "/claim" } {
                        (csrf)
                        button #claim type="submit" { (lang.pick("签收", "Claim")) }
                        span.hint { " " (lang.pick("签收后开始办理，响应时限停止。", "Claiming stops the response clock.")) }
                    }
                }
                @if task.state == "claimed" {
                    details.act open {
                        summary { (lang.pick("反馈进展", "Report progress")) }
                        (with_photos(lang, &csrf, &base, PhotoAction {
                            action: "progress",
                            field: "note",
                            label: lang.pick("进展情况", "What has been done"),
                            hint: None,
                            photos: lang.pick("现场照片", "Photos"),
                            button: lang.pick("提交进展", "Save progress"),
                        }))
                    }
                    details.act {
                        summary { (lang.pick("办结", "Resolve")) }
                        (with_photos(lang, &csrf, &base, PhotoAction {
                            action: "resolve",
                            field: "result",
                            label: lang.pick("办理结果", "Result"),
                            hint: Some(lang.pick("将告知群众", "shown to the citizen")),
                            photos: lang.pick("结果照片", "Photos of the result"),
                            button: lang.pick("确认办结", "Resolve"),
                        }))
                    }
                    details.act {
                        summary { (lang.pick("申请延期", "Ask for more time")) }
                        form #extension-form method="post" action={ (base) "/extension" } {
                            (csrf)
                            label for="days" { (lang.pick("延期工作日", "Working days")) }
                            input #days type="number" name="days" min="1" max="30" value="3" required;
                            label for="ext-reason" { (lang.pick("理由", "Reason")) }
                            textarea #ext-reason name="reason" maxlength="2000" required {}
                            div.actions { button #request-extension type="submit" { (lang.pick("提交申请", "Ask")) } }
                        }
                    }
                    @if lead { (assists(d, v, t, &base)) }
                }
                @if task.binding {
                    p.flash.warn #binding { (lang.pick("本任务由协调会议确定，不能退单。", "A coordination meeting gave this task to your bureau: it cannot be disclaimed.")) }
                } @else {
                    details.act {
                        summary { (lang.pick("退单（不属于本单位）", "Disclaim (not ours)")) }
                        form #disclaim-form method="post" action={ (base) "/disclaim" } data-confirm=(lang.pick("确定退单？退单后将转给下一个单位。", "Disclaim? It goes to the next bureau.")) {
                            (csrf)
                            label for="reason" { (lang.pick("退单理由", "Reason")) }
                            select #reason name="reason" required {
                                @for r in DisclaimReason::ALL { option value=(r.as_str()) { (disclaim_reason_name(r, lang)) } }
                            }
                            label for="explanation" { (lang.pick("说明", "Explanation")) " " span.hint { (lang.pick("写明依据，例如职责清单条目", "say why, e.g. the responsibility list's entry")) } }
                            textarea #explanation name="explanation" maxlength="2000" required {}
                            div.actions { button.danger #disclaim type="submit" { (lang.pick("确认退单", "Disclaim")) } }
                        }
                    }
                }
            }
        }
    }
}

/// A form of text and up to three photos (a progress note, a resolution).
struct PhotoAction<'a> {
    action: &'a str,
    field: &'a str,
    label: &'a str,
    hint: Option<&'a str>,
    photos: &'a str,
    button: &'a str,
}

fn with_photos(lang: Lang, csrf: &Markup, base: &str, a: PhotoAction<'_>) -> Markup {
    html! {
        form id={ (a.action) "-form" } method="post" action={ (base) "/" (a.action) } enctype="multipart/form-data" {
            (csrf)
            label for=(a.field) { (a.label) @if let Some(h) = a.hint { " " span.hint { (h) } } }
            textarea id=(a.field) name=(a.field) maxlength="2000" required {}
            label for={ (a.action) "-photos" } { (a.photos) " " span.hint { (lang.pick("最多 3 张", "up to 3")) } }
            input id={ (a.action) "-photos" } type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple;
            div.actions { button id=(a.action) type="submit" { (a.button) } }
        }
    }
}

/// The lead's forms to add an assisting bureau and to let one go.
fn assists(d: &District, v: &Viewer<impl Sized>, t: &TaskDetail, base: &str) -> Markup {
    let lang = v.lang;
    let involved: Vec<&str> = t
        .case
        .tasks
        .iter()
        .filter(|x| matches!(x.state.as_str(), "dispatched" | "claimed"))
        .map(|x| x.bureau.code.as_str())
        .collect();
    let active_assists: Vec<_> = t
        .case
        .tasks
        .iter()
        .filter(|x| x.role == "assist" && matches!(x.state.as_str(), "dispatched" | "claimed"))
        .collect();
    html! {
        details.act {
            summary { (lang.pick("协办单位", "Assisting bureaus")) }
            div {
                form #assist-form method="post" action={ (base) "/assist" } {
                    input type="hidden" name="csrf" value=(v.csrf.as_str());
                    label for="assist-bureau" { (lang.pick("增加协办单位", "Add an assisting bureau")) }
                    (layout::filter_box("assist-bureau", lang.pick("搜索单位", "Search the bureaus"), lang))
                    select #assist-bureau name="bureau" required {
                        option value="" { (lang.pick("请选择", "Choose")) }
                        @for b in d.bureaus().filter(|b| !involved.contains(&b.code.as_str())) {
                            option value=(b.code.as_str()) { (jiesu_words::bureau_name(d, &b.code, lang)) }
                        }
                    }
                    label for="assist-note" { (lang.pick("请协办的内容", "What to help with")) }
                    input #assist-note type="text" name="note" maxlength="2000";
                    div.actions { button.secondary #add-assist type="submit" { (lang.pick("增加", "Add")) } }
                }
                @for a in active_assists {
                    form method="post" action={ (base) "/release" } class="actions" {
                        input type="hidden" name="csrf" value=(v.csrf.as_str());
                        input type="hidden" name="task" value=(a.id);
                        span { (lang.pick(&a.bureau.name, &a.bureau.name_en)) }
                        button.secondary type="submit" { (lang.pick("解除协办", "Release")) }
                    }
                }
            }
        }
    }
}
