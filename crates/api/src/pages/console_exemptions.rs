//! Appeals and final replies waiting for a supervisor (`/staff/console/exemptions`, 申诉与最终答复
//!审核): oldest first, each with its bureau, the request, the return visit appealed (its answers
//! and the citizen's comment), the bureau's reasons or reply and its photos. Upheld or approved,
//! the request leaves the bureau's rates (an approved final reply also closes it); either way the
//! supervisor says why. The same decision as `POST /api/v1/exemptions/{id}/decision`.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::ports::{Accounts, Cases, Store};
use jiesu_domain::workflow::{Case, Exemption, ExemptionId, ExemptionKind, Note, Satisfaction};
use jiesu_words::Lang;
use jiesu_words::names::bureau_name;
use jiesu_words::time::local_time;
use maud::{Markup, html};
use serde::Deserialize;

use super::console::{Supervisor, SupervisorForm};
use super::layout::{self, Section, flash};
use super::session::Checked;
use super::{State, words};

/// The most a page lists; the oldest come first, so none is starved.
const LIMIT: u32 = 100;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ExemptionsQuery {
    done: Option<String>,
}

fn notice(done: Option<&str>, lang: Lang) -> Option<Markup> {
    Some(match done? {
        "grant" => flash(
            "ok",
            lang.pick(
                "已同意，该诉求不再计入承办单位考核。",
                "Granted: the request leaves the bureau's rates.",
            ),
        ),
        "refuse" => {
            flash("ok", lang.pick("已驳回，承办单位会看到审核意见。", "Refused: the bureau will read why."))
        }
        "note" => flash("error", lang.pick("请写明审核意见。", "Say why.")),
        _ => return None,
    })
}

/// `GET /staff/console/exemptions`.
pub(crate) async fn list<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
    Query(q): Query<ExemptionsQuery>,
) -> Response {
    let lang = viewer.lang;
    let store = pages.work.workflow.store();
    let loaded = async {
        let mut out = Vec::new();
        for e in store.pending_exemptions(LIMIT).await? {
            let case = store.load_case(e.request_id).await?;
            out.push((e, case));
        }
        Ok::<_, jiesu_domain::ports::StoreError>(out)
    }
    .await;
    let pending = match loaded {
        Ok(p) => p,
        Err(e) => {
            let e = crate::ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let csrf = viewer.csrf.as_str().to_owned();
    let d = pages.work.workflow.district();
    let body = html! {
        p { a href="/staff/console" hx-boost="false" { (lang.pick("← 返回督办台", "← Back to the console")) } }
        h1 { (lang.pick("申诉与最终答复审核", "Appeals and final replies")) }
        p.muted.small { (lang.pick(
            "同意后，该诉求不计入承办单位的各项指标（记入办理记录和审计日志）；同意最终答复同时结案。",
            "Granted, the request leaves the bureau's rates (recorded in its history and the audit log); an approved final reply also closes it.",
        )) }
        @if let Some(n) = notice(q.done.as_deref(), lang) { (n) }
        @if pending.is_empty() {
            p.card.muted #empty { (lang.pick("没有待审核的申诉或最终答复。", "Nothing waits for a decision.")) }
        } @else {
            ul.rows #exemptions {
                @for (e, case) in &pending {
                    (item(&d, lang, &csrf, e, case.as_ref()))
                }
            }
        }
    };
    let title = lang.pick("申诉与最终答复", "Appeals and final replies");
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Console, title, body))
}

fn item(
    d: &jiesu_domain::district::District,
    lang: Lang,
    csrf: &str,
    e: &Exemption,
    case: Option<&Case>,
) -> Markup {
    let now = jiesu_domain::time::now();
    let visit = e.visit.and_then(|id| case.and_then(|c| c.visits.iter().find(|v| v.id == id)));
    let kind = match e.kind {
        ExemptionKind::Appeal => lang.pick("申诉", "Appeal"),
        ExemptionKind::FinalReply => lang.pick("最终答复", "Final reply"),
    };
    let note = format!("exemption-note-{}", e.id);
    html! {
        li id={ "exemption-" (e.id) } {
            span.tag { (kind) } " "
            a.title href={ "/staff/tasks/" (e.task_id) } {
                (bureau_name(d, &e.bureau, lang))
                @if let Some(c) = case { " · " (c.request.submitted.tracking.grouped()) }
            }
            @if let Some(v) = visit {
                p.small.visit {
                    (lang.pick("被申诉的回访：", "Visit appealed: ")) (local_time(v.at, now, lang)) "，"
                    (if v.solved { lang.pick("已解决", "solved") } else { lang.pick("未解决", "not solved") })
                    @if let Some(s) = v.satisfaction { "，" (satisfaction(s, lang)) }
                    @if let Some(c) = &v.comment { "，" (lang.pick("群众意见：", "the citizen said: ")) (c.as_str()) }
                }
            }
            p.reason style="white-space:pre-wrap" { (e.reason.as_str()) }
            @if !e.photos.is_empty() {
                div.photos {
                    @for (i, url) in e.photos.iter().enumerate() {
                        a href=(url.as_str()) target="_blank" rel="noopener" hx-boost="false" {
                            img src=(url.as_str()) alt={ (lang.pick("证据照片 ", "Evidence photo ")) (i + 1) } loading="lazy";
                        }
                    }
                }
            }
            div.meta {
                span { (e.requested_by) }
                span { (lang.pick("提交于 ", "asked ")) (local_time(e.requested_at, now, lang)) }
            }
            form method="post" action={ "/staff/console/exemptions/" (e.id) } {
                input type="hidden" name="csrf" value=(csrf);
                label for=(note) { (lang.pick("审核意见（必填，承办单位可见）", "Why (required; the bureau reads it)")) }
                textarea id=(note) name="note" required rows="2" {}
                div.actions {
                    button type="submit" name="verdict" value="grant" id={ "grant-" (e.id) } {
                        (match e.kind { ExemptionKind::Appeal => lang.pick("申诉成立", "Uphold"), ExemptionKind::FinalReply => lang.pick("同意并结案", "Approve and close") })
                    }
                    button.secondary type="submit" name="verdict" value="refuse" id={ "refuse-" (e.id) } {
                        (match e.kind { ExemptionKind::Appeal => lang.pick("申诉不成立", "Reject"), ExemptionKind::FinalReply => lang.pick("不同意", "Refuse") })
                    }
                }
            }
        }
    }
}

fn satisfaction(s: Satisfaction, lang: Lang) -> &'static str {
    match s {
        Satisfaction::Satisfied => lang.pick("满意", "satisfied"),
        Satisfaction::BasicallySatisfied => lang.pick("基本满意", "basically satisfied"),
        Satisfaction::Dissatisfied => lang.pick("不满意", "dissatisfied"),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    note: String,
}

/// `POST /staff/console/exemptions/{id}` with `verdict` (grant or refuse) and `note`.
pub(crate) async fn decide<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Path(id): Path<String>,
    SupervisorForm(checked): SupervisorForm<S, DecisionForm>,
) -> Response {
    let Checked { viewer, form } = checked;
    let lang = viewer.lang;
    let grant = match form.verdict.as_str() {
        "grant" => true,
        "refuse" => false,
        _ => return super::desk::not_found(lang),
    };
    let Ok(uuid) = uuid::Uuid::parse_str(&id) else { return super::desk::not_found(lang) };
    let Ok(note) = Note::parse(form.note.trim()) else {
        return Redirect::to("/staff/console/exemptions?done=note").into_response();
    };
    match crate::work::exemptions::decide(&pages.work, &viewer.me, ExemptionId::from_uuid(uuid), grant, note)
        .await
    {
        Ok(_) => Redirect::to(&format!("/staff/console/exemptions?done={}", form.verdict)).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => super::desk::not_found(lang),
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}
