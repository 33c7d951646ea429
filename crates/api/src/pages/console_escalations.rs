//! The console's escalations (`/staff/console/escalations`, 升级事项): how many there are of each
//! trigger and state, then the list (oldest first, filtered by trigger and by waiting or all),
//! each with its age, level and owner, a link to its request, and, while it waits, a dismissal
//! that needs a note (a supervisor's decision is recorded with its reason).

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::area::AreaLevel;
use jiesu_domain::escalation::{EscalationId, EscalationState, Trigger};
use jiesu_domain::ports::{
    Accounts, Cases, Cursor, EscalationQuery, Escalations, Listing, Store, split_page,
};
use jiesu_domain::workflow::{Caller, Command, Note};
use jiesu_words::Lang;
use jiesu_words::names::bureau_name;
use maud::html;
use serde::Deserialize;

use super::console::{Supervisor, SupervisorForm};
use super::layout::{self, Section, flash};
use super::session::Checked;
use super::{State, words};
use crate::work::paging::Asked;

const PAGE_SIZE: u32 = 30;

/// The states that still wait for someone.
const WAITING: [EscalationState; 2] = [EscalationState::Open, EscalationState::MeetingCalled];

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EscalationsQuery {
    trigger: Option<String>,
    /// `all`; default: those still waiting.
    show: Option<String>,
    /// A level the escalation is held at (`district`, `street`, ...).
    level: Option<String>,
    /// Opened at least this many days ago.
    older: Option<i64>,
    after: Option<String>,
    done: Option<String>,
}

fn trigger_name(t: Trigger, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => t.name_zh(),
        Lang::En => match t {
            Trigger::Exhausted => "every candidate disclaimed",
            Trigger::PingPong => "disclaimed over and over",
            Trigger::DeadlineMissed => "deadline missed",
            Trigger::Hotspot => "hotspot",
            Trigger::DeskOverdue => "the desk was late",
        },
    }
}

fn state_name(s: EscalationState, lang: Lang) -> &'static str {
    match s {
        EscalationState::Open => lang.pick("待处理", "open"),
        EscalationState::MeetingCalled => lang.pick("已召集协调会", "meeting called"),
        EscalationState::Decided => lang.pick("已作出决定", "decided"),
        EscalationState::Resolved => lang.pick("已了结", "settled"),
        EscalationState::Dismissed => lang.pick("已撤销", "dismissed"),
    }
}

fn level_name(level: AreaLevel, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}级", level.name_zh()),
        Lang::En => format!("{} level", level.as_str()),
    }
}

/// `GET /staff/console/escalations`.
pub(crate) async fn list<S: Store + Cases + Accounts + Escalations>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
    Query(q): Query<EscalationsQuery>,
) -> Response {
    let lang = viewer.lang;
    let store = pages.work.workflow.store();
    let all = q.show.as_deref() == Some("all");
    let states: Vec<EscalationState> = if all { Vec::new() } else { WAITING.to_vec() };
    let trigger = q.trigger.as_deref().and_then(Trigger::parse);
    let level = q.level.as_deref().and_then(AreaLevel::parse);
    let older = q.older.filter(|d| (0..=365).contains(d));
    let first = || Asked::read(Listing::Escalations, None, Some(PAGE_SIZE), None);
    let answer = async {
        let asked = Asked::read(Listing::Escalations, None, Some(PAGE_SIZE), q.after.as_deref())
            .or_else(|_| first())?;
        let counts = store.count_escalations(&states).await?;
        let query = EscalationQuery {
            triggers: trigger.into_iter().collect(),
            states: states.clone(),
            levels: level.into_iter().collect(),
            opened_before: older.map(|days| jiesu_domain::time::now() - chrono::Duration::days(days)),
            page: asked.fetch(),
        };
        let found = store.list_escalations(&query).await?;
        let (found, next) =
            split_page(found, asked.size(), Listing::Escalations, |(e, _)| Cursor::of_escalation(e));
        Ok::<_, crate::ApiError>((counts, found, next))
    }
    .await;
    let (counts, found, next) = match answer {
        Ok(a) => a,
        Err(e) => return layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    };
    let d = pages.work.workflow.district();
    let now = jiesu_domain::time::now();
    let notice = match q.done.as_deref() {
        Some("dismissed") => {
            Some(flash("ok", lang.pick("已撤销该升级事项。", "The escalation was dismissed.")))
        }
        Some("note") => Some(flash("error", lang.pick("撤销须写明理由。", "Say why it is dismissed."))),
        _ => None,
    };
    let link = |t: Option<Trigger>, show_all: bool, after: Option<&str>| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(t) = t {
            s.append_pair("trigger", t.as_str());
        }
        if show_all {
            s.append_pair("show", "all");
        }
        if let Some(l) = level {
            s.append_pair("level", l.as_str());
        }
        if let Some(o) = older {
            s.append_pair("older", &o.to_string());
        }
        if let Some(a) = after {
            s.append_pair("after", a);
        }
        format!("/staff/console/escalations?{}", s.finish())
    };
    let shown_states: Vec<EscalationState> =
        if all { EscalationState::ALL.to_vec() } else { WAITING.to_vec() };
    let csrf = viewer.csrf.as_str().to_owned();
    let body = html! {
        p { a href="/staff/console" hx-boost="false" { (lang.pick("← 返回督办台", "← Back to the console")) } }
        h1 { (lang.pick("升级事项", "Escalations")) }
        @if let Some(n) = notice { (n) }
        nav.tabs aria-label=(lang.pick("范围", "Which")) {
            a href=(link(trigger, false, None)) aria-current=[(!all).then_some("page")] { (lang.pick("待处理", "Waiting")) }
            a href=(link(trigger, true, None)) aria-current=[all.then_some("page")] { (lang.pick("全部", "All")) }
        }
        form.card.filters #escalation-filters method="get" action="/staff/console/escalations" {
            @if let Some(t) = trigger { input type="hidden" name="trigger" value=(t.as_str()); }
            @if all { input type="hidden" name="show" value="all"; }
            label for="f-level" { (lang.pick("层级", "Level"))
                select id="f-level" name="level" {
                    option value="" { (lang.pick("全部", "All")) }
                    @for l in AreaLevel::ALL { option value=(l.as_str()) selected[level == Some(l)] { (level_name(l, lang)) } }
                }
            }
            label for="f-older" { (lang.pick("升级已满（天）", "Open at least (days)"))
                input type="number" id="f-older" name="older" min="0" max="365" value=[older];
            }
            div.actions { button.secondary type="submit" id="filter" { (lang.pick("筛选", "Filter")) } }
        }
        section.card aria-labelledby="h-totals" {
            h2 #h-totals { (lang.pick("各类数量", "How many")) }
            div.table-wrap tabindex="0" role="region" aria-label=(lang.pick("各类升级数量表", "Escalations by trigger and state")) {
                table #totals {
                    thead { tr {
                        th scope="col" { (lang.pick("类型", "Trigger")) }
                        @for s in &shown_states { th scope="col" { (state_name(*s, lang)) } }
                        th scope="col" { (lang.pick("合计", "Total")) }
                    } }
                    tbody {
                        @for t in Trigger::ALL {
                            @let of = |s: EscalationState| counts.iter().find(|(x, y, _)| *x == t && *y == s).map_or(0, |c| c.2);
                            tr {
                                th scope="row" { a href=(link(Some(t), all, None)) { (trigger_name(t, lang)) } }
                                @for s in &shown_states { td { (of(*s)) } }
                                td { (shown_states.iter().map(|s| of(*s)).sum::<u64>()) }
                            }
                        }
                    }
                }
            }
        }
        @if found.is_empty() {
            p.card.muted #empty { (lang.pick("没有符合条件的升级事项。", "No escalation here.")) }
        } @else {
            ul.rows #escalations {
                @for (e, r) in &found {
                    li {
                        a.title href={ "/staff/requests/" (r.submitted.tracking.as_str()) } {
                            (trigger_name(e.trigger, lang)) " " span.muted.small { (r.submitted.tracking.grouped()) }
                        }
                        p.desc { (r.submitted.description.as_str()) }
                        div.meta {
                            span { (state_name(e.state, lang)) }
                            span { (level_name(e.level, lang)) }
                            @if let Some(o) = &e.owner { span { (bureau_name(&d, o, lang)) } }
                            span { (lang.pick("升级于 ", "opened ")) (jiesu_words::time::local_time(e.opened_at, now, lang)) }
                        }
                        @if e.state.is_open() {
                            details.act {
                                summary { (lang.pick("撤销（无须处理）", "Dismiss (nothing to do)")) }
                                form method="post" action={ "/staff/console/escalations/" (e.id) "/dismiss" } data-confirm=(lang.pick("确定撤销该升级事项？", "Dismiss this escalation?")) {
                                    input type="hidden" name="csrf" value=(csrf);
                                    label for={ "note-" (e.id) } { (lang.pick("理由（必填）", "Why (required)")) }
                                    textarea id={ "note-" (e.id) } name="note" required rows="2" {}
                                    button.secondary type="submit" id={ "dismiss-" (e.id) } { (lang.pick("撤销", "Dismiss")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        div.pager {
            span {}
            @if let Some(n) = &next { a #next-page href=(link(trigger, all, Some(n))) { (lang.pick("下一页 »", "Next page »")) } }
        }
    };
    let title = lang.pick("升级事项", "Escalations");
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Console, title, body))
}

/// A closing form's one field: the supervisor's reason, or how it was dealt with.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    pub(super) note: String,
}

/// `POST /staff/console/escalations/{id}/dismiss`: a supervisor's dismissal, with its reason.
pub(crate) async fn dismiss<S: Store + Cases + Accounts + Escalations>(
    axum::extract::State(pages): State<S>,
    Path(id): Path<String>,
    SupervisorForm(checked): SupervisorForm<S, NoteForm>,
) -> Response {
    let dismissal = |escalation, note| Command::DismissEscalation { escalation, note: Some(note) };
    close(&pages, checked, &id, dismissal, "/staff/console/escalations", "dismissed").await
}

/// Closes escalation `id` with the form's note (required: without one, back to `page` asking
/// for it) by the command `closing` makes, then back to `page` saying `done`.
pub(super) async fn close<S: Store + Cases + Accounts + Escalations>(
    pages: &super::Pages<S>,
    checked: Checked<S, NoteForm>,
    id: &str,
    closing: impl FnOnce(EscalationId, Note) -> Command,
    page: &str,
    done: &str,
) -> Response {
    let Checked { viewer, form } = checked;
    let lang = viewer.lang;
    let Ok(uuid) = uuid::Uuid::parse_str(id) else { return super::desk::not_found(lang) };
    let escalation = EscalationId::from_uuid(uuid);
    let Ok(note) = Note::parse(form.note.trim()) else {
        return Redirect::to(&format!("{page}?done=note")).into_response();
    };
    let api = &pages.work;
    let outcome = async {
        let request = api.workflow.store().escalation_request(escalation).await?;
        let request = request.ok_or_else(|| crate::ApiError::not_found("no such escalation"))?;
        api.workflow.act(Caller::Staff(&viewer.me), request, closing(escalation, note)).await?;
        Ok::<_, crate::ApiError>(())
    }
    .await;
    match outcome {
        Ok(()) => Redirect::to(&format!("{page}?done={done}")).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => super::desk::not_found(lang),
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}
