//! Extensions waiting for a supervisor (`/staff/console/extensions`, 延期审批): oldest first, each
//! with its bureau, the working days asked for, the reason, who asked and when, and a link to the
//! task; approve it (the task's resolution deadline moves by those days) or refuse it, which needs
//! a reason the bureau will read. The same decision as `POST /api/v1/extensions/{id}/decision`.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::ports::{Accounts, Cases, Store};
use jiesu_domain::workflow::{Caller, Command, ExtensionId, Note};
use jiesu_words::Lang;
use jiesu_words::names::bureau_name;
use maud::html;
use serde::Deserialize;

use super::console::{Supervisor, SupervisorForm};
use super::layout::{self, Section, flash};
use super::session::Checked;
use super::{State, words};

/// The most a page lists; the oldest come first, so none is starved.
const LIMIT: u32 = 200;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ExtensionsQuery {
    done: Option<String>,
}

/// `GET /staff/console/extensions`.
pub(crate) async fn list<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
    Query(q): Query<ExtensionsQuery>,
) -> Response {
    let lang = viewer.lang;
    let pending = match pages.work.workflow.store().pending_extensions(LIMIT).await {
        Ok(p) => p,
        Err(e) => {
            let e = crate::ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let notice = match q.done.as_deref() {
        Some("approve") => {
            Some(flash("ok", lang.pick("已批准延期，办理期限已顺延。", "Approved: the deadline moved.")))
        }
        Some("refuse") => Some(flash(
            "ok",
            lang.pick("已不予延期，承办单位会看到理由。", "Refused: the bureau will read why."),
        )),
        Some("note") => Some(flash("error", lang.pick("不予延期须写明理由。", "Say why it is refused."))),
        _ => None,
    };
    let d = pages.work.workflow.district();
    let now = jiesu_domain::time::now();
    let csrf = viewer.csrf.as_str().to_owned();
    let body = html! {
        p { a href="/staff/console" hx-boost="false" { (lang.pick("← 返回督办台", "← Back to the console")) } }
        h1 { (lang.pick("延期审批", "Extensions to decide")) }
        @if let Some(n) = notice { (n) }
        @if pending.is_empty() {
            p.card.muted #empty { (lang.pick("没有待审批的延期申请。", "No extension waits for a decision.")) }
        } @else {
            p.muted { (match lang {
                Lang::Zh => format!("{} 件待审批，最早申请的在前。", pending.len()),
                Lang::En => format!("{} waiting, the oldest first.", pending.len()),
            }) }
            ul.rows #extensions {
                @for e in &pending {
                    li id={ "extension-" (e.id) } {
                        a.title href={ "/staff/tasks/" (e.task_id) } {
                            (bureau_name(&d, &e.bureau, lang)) " · "
                            (match lang { Lang::Zh => format!("延期 {} 个工作日", e.days), Lang::En => format!("{} more working days", e.days) })
                        }
                        p.reason style="white-space:pre-wrap" { (e.reason.as_str()) }
                        div.meta {
                            span { (e.requested_by) }
                            span { (lang.pick("申请于 ", "asked ")) (jiesu_words::time::local_time(e.requested_at, now, lang)) }
                        }
                        div.acct-tools {
                            form method="post" action={ "/staff/console/extensions/" (e.id) "/approve" } {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" id={ "approve-" (e.id) } { (lang.pick("批准", "Approve")) }
                            }
                            details.tool {
                                summary { (lang.pick("不予延期", "Refuse")) }
                                form method="post" action={ "/staff/console/extensions/" (e.id) "/refuse" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    label for={ "note-" (e.id) } { (lang.pick("理由（必填，承办单位可见）", "Why (required; the bureau reads it)")) }
                                    textarea id={ "note-" (e.id) } name="note" required rows="2" {}
                                    button.secondary type="submit" id={ "refuse-" (e.id) } { (lang.pick("不予延期", "Refuse")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let title = lang.pick("延期审批", "Extensions");
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Console, title, body))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    note: String,
}

/// `POST /staff/console/extensions/{id}/{approve|refuse}`.
pub(crate) async fn decide<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Path((id, action)): Path<(String, String)>,
    SupervisorForm(checked): SupervisorForm<S, DecisionForm>,
) -> Response {
    let Checked { viewer, form } = checked;
    let lang = viewer.lang;
    let approve = match action.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return super::desk::not_found(lang),
    };
    let Ok(uuid) = uuid::Uuid::parse_str(&id) else { return super::desk::not_found(lang) };
    let extension = ExtensionId::from_uuid(uuid);
    let note = match (form.note.trim(), approve) {
        ("", false) => return Redirect::to("/staff/console/extensions?done=note").into_response(),
        ("", true) => None,
        (text, _) => match Note::parse(text) {
            Ok(n) => Some(n),
            Err(_) => return Redirect::to("/staff/console/extensions?done=note").into_response(),
        },
    };
    let api = &pages.work;
    let outcome = async {
        let request = api.workflow.store().extension_request(extension).await?;
        let request = request.ok_or_else(|| crate::ApiError::not_found("no such extension"))?;
        let command = Command::DecideExtension { extension, approve, note };
        api.workflow.act(Caller::Staff(&viewer.me), request, command).await?;
        Ok::<_, crate::ApiError>(())
    }
    .await;
    match outcome {
        Ok(()) => Redirect::to(&format!("/staff/console/extensions?done={action}")).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => super::desk::not_found(lang),
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}
