//! Hotspots (`/staff/console/hotspots`, 热点): the open hotspot escalations, many reports of one
//! problem in one place, on the district's map (a dot at each cluster's oldest report, larger
//! with more reports) and as a list: the oldest report and every linked one, each linked to its
//! request. A supervisor resolves a hotspot once its cause is dealt with, saying how (the note is
//! required and goes into the anchor request's history), or dismisses it on the escalations page.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use jiesu_domain::escalation::{EscalationState, Trigger};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{Accounts, Cases, EscalationQuery, Escalations, Page, RequestView, Store};
use jiesu_domain::request::Request;
use jiesu_domain::workflow::Command;
use jiesu_words::Lang;
use maud::{Markup, html};
use serde::Deserialize;

use super::console::{Supervisor, SupervisorForm};
use super::console_escalations::{NoteForm, close};
use super::layout::{self, Section, flash};
use super::{State, map, words};

/// Hotspots a page shows; the oldest first, so none is left out of sight for long.
const LIMIT: u32 = 100;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct HotspotsQuery {
    done: Option<String>,
}

fn request_line(r: &Request) -> Markup {
    html! {
        a href={ "/staff/requests/" (r.submitted.tracking.as_str()) } { (r.submitted.tracking.grouped()) }
        " " span.muted { (r.submitted.description.as_str().chars().take(40).collect::<String>()) }
    }
}

/// `GET /staff/console/hotspots`.
pub(crate) async fn list<S: Store + Cases + Accounts + Escalations>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
    Query(q): Query<HotspotsQuery>,
) -> Response {
    let lang = viewer.lang;
    let store = pages.work.workflow.store();
    let found = async {
        let query = EscalationQuery {
            triggers: vec![Trigger::Hotspot],
            states: vec![EscalationState::Open, EscalationState::MeetingCalled],
            levels: Vec::new(),
            opened_before: None,
            page: Page::first(LIMIT),
        };
        let hotspots = store.list_escalations(&query).await?;
        let ids: Vec<RequestId> = hotspots.iter().flat_map(|(e, _)| e.linked.iter().copied()).collect();
        let linked: HashMap<RequestId, RequestView> =
            store.requests_by_id(&ids).await?.into_iter().map(|v| (v.request.submitted.id, v)).collect();
        Ok::<_, jiesu_domain::ports::StoreError>((hotspots, linked))
    }
    .await;
    let (hotspots, linked) = match found {
        Ok(f) => f,
        Err(e) => {
            let e = crate::ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let d = pages.work.workflow.district();
    let dots: Vec<map::Dot> = hotspots
        .iter()
        .filter_map(|(e, r)| {
            let p = r.submitted.location.point()?;
            let n = e.linked.len() + 1;
            let name = match lang {
                Lang::Zh => format!("{}：{n} 件", r.submitted.tracking.grouped()),
                Lang::En => format!("{}: {n} reports", r.submitted.tracking.grouped()),
            };
            Some((p.lat(), p.lon(), n, name))
        })
        .collect();
    let label = lang.pick("热点分布图（圆点越大，诉求越多）", "Map of the hotspots (larger: more reports)");
    let notice = match q.done.as_deref() {
        Some("resolved") => Some(flash(
            "ok",
            lang.pick(
                "热点已了结，处置情况已记入诉求记录。",
                "The hotspot is settled; how is in the request's history.",
            ),
        )),
        Some("note") => {
            Some(flash("error", lang.pick("了结热点须写明处置情况。", "Say how it was dealt with.")))
        }
        _ => None,
    };
    let csrf = viewer.csrf.as_str().to_owned();
    let now = jiesu_domain::time::now();
    let body = html! {
        p { a href="/staff/console" hx-boost="false" { (lang.pick("← 返回督办台", "← Back to the console")) } }
        h1 { (lang.pick("热点", "Hotspots")) }
        @if let Some(n) = notice { (n) }
        @if hotspots.is_empty() {
            p.card.muted #empty { (lang.pick("没有待处理的热点。", "No hotspot is open.")) }
        } @else {
            section.card aria-labelledby="h-map" {
                h2 #h-map { (lang.pick("分布", "Where")) " " span.muted.small { "(" (hotspots.len()) ")" } }
                @if let Some(m) = map::dots_map(&d, &dots, label, lang) { div.chart #hotspot-map { (m) } }
            }
            ul.rows #hotspots {
                @for (e, r) in &hotspots {
                    li id={ "hotspot-" (e.id) } {
                        span.title { (r.submitted.category.as_ref().and_then(|c| d.taxonomy().get(c)).map_or("", |c| c.name.as_str()))
                            " · " (match lang { Lang::Zh => format!("{} 件", e.linked.len() + 1), Lang::En => format!("{} reports", e.linked.len() + 1) }) }
                        div.meta { span { (lang.pick("升级于 ", "opened ")) (jiesu_words::time::local_time(e.opened_at, now, lang)) } }
                        ol.small {
                            li { (request_line(r)) " " span.tag { (lang.pick("最早", "first")) } }
                            @for id in &e.linked { @if let Some(v) = linked.get(id) { li { (request_line(&v.request)) } } }
                        }
                        details.act {
                            summary { (lang.pick("了结（已处置）", "Settle (dealt with)")) }
                            form method="post" action={ "/staff/console/hotspots/" (e.id) "/resolve" } {
                                input type="hidden" name="csrf" value=(csrf);
                                label for={ "how-" (e.id) } { (lang.pick("处置情况（必填）", "How it was dealt with (required)")) }
                                textarea id={ "how-" (e.id) } name="note" required rows="2" {}
                                button type="submit" id={ "resolve-" (e.id) } { (lang.pick("了结", "Settle")) }
                            }
                        }
                    }
                }
            }
        }
    };
    layout::respond(
        StatusCode::OK,
        layout::page(viewer.chrome(), Section::Console, lang.pick("热点", "Hotspots"), body),
    )
}

/// `POST /staff/console/hotspots/{id}/resolve`: settled, saying how.
pub(crate) async fn resolve<S: Store + Cases + Accounts + Escalations>(
    axum::extract::State(pages): State<S>,
    Path(id): Path<String>,
    SupervisorForm(checked): SupervisorForm<S, NoteForm>,
) -> Response {
    let settle = |escalation, note| Command::ResolveEscalation { escalation, note };
    close(&pages, checked, &id, settle, "/staff/console/hotspots", "resolved").await
}
