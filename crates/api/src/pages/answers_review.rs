//! The desk's side of 秒回's knowledge base (`/staff/answers` for operators, supervisors and
//! admins): the answers bureaus wrote, oldest first, each with the citizens' questions it covers.
//! Approve it (after correcting the wording if need be: it is published as it stands) and 秒回
//! gives it at once in this process, in the others within a minute; or send it back with a note
//! the bureau reads, and its questions wait again. Also how many questions wait at each bureau.

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use jiesu_domain::ports::{
    Accounts, AnswerBook, AnswerState, Cases, Review, Store, StoreError, StoredAnswer,
};
use jiesu_words::Lang;
use jiesu_words::names::bureau_name;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::answers::{category_name, forbidden, state_name, wordings};
use super::layout::{self, Section, flash};
use super::session::{Checked, Viewer};
use super::{Pages, State, words};
use crate::staff::DistrictWide;

/// How many waiting answers a page lists; the oldest come first, so none is starved.
const LIMIT: u32 = 50;

fn notice(done: Option<&str>, lang: Lang) -> Option<Markup> {
    let (kind, zh, en) = match done? {
        "approve" => ("ok", "已采纳，秒回即起按此答复。", "Approved: 秒回 gives it from now on."),
        "reject" => (
            "ok",
            "已退回，承办单位会看到意见，问题回到其待答列表。",
            "Sent back: the bureau reads your note and its questions wait again.",
        ),
        "note" => (
            "error",
            "退回须写明意见；采纳须保留至少一种问法和答复内容。",
            "Say why it goes back; an approved answer keeps a wording and its text.",
        ),
        "gone" => ("warn", "这条答复已有人审核。", "Someone reviewed this answer already."),
        _ => return None,
    };
    Some(flash(kind, lang.pick(zh, en)))
}

/// The review queue, rendered for `viewer` (a district-wide role).
pub(super) async fn page<S: Store + Cases + Accounts + AnswerBook>(
    pages: &Pages<S>,
    viewer: &Viewer<S>,
    done: Option<&str>,
) -> Response {
    let lang = viewer.lang;
    let store = pages.work.workflow.store();
    let read = async {
        let waiting = store.stored_answers(AnswerState::Proposed, None, LIMIT).await?;
        let mut covered = Vec::with_capacity(waiting.len());
        for a in &waiting {
            covered.push(store.covered_questions(a.id).await?);
        }
        let since = Utc::now() - Duration::days(90);
        let open = store.open_questions(None, since, 1_000).await?;
        let approved = store.stored_answers(AnswerState::Approved, None, 10).await?;
        Ok::<_, StoreError>((waiting, covered, open, approved))
    };
    let (waiting, covered, open, approved) = match read.await {
        Ok(x) => x,
        Err(e) => {
            let e = crate::ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let d = pages.work.workflow.district();
    let mut per_bureau: BTreeMap<String, usize> = BTreeMap::new();
    for q in &open {
        *per_bureau.entry(bureau_name(&d, &q.bureau, lang)).or_default() += 1;
    }
    let csrf = viewer.csrf.as_str();
    let body = html! {
        h1 { (lang.pick("秒回知识库 · 答复审核", "秒回 knowledge base · answers to review")) }
        @if let Some(n) = notice(done, lang) { (n) }
        p.muted { (lang.pick(
            "承办单位为秒回未能答复的市民咨询写的通用答复。采纳前请核对内容并删去个人信息：采纳后秒回即按此答复市民。",
            "General answers bureaus wrote for consultations 秒回 could not answer. Check each and remove anything personal before approving: 秒回 then gives it to citizens."
        )) }
        @if waiting.is_empty() {
            p.card.muted #no-answers { (lang.pick("没有待审核的答复。", "No answer waits for review.")) }
        } @else {
            ul.rows #answers-to-review {
                @for (a, qs) in waiting.iter().zip(&covered) {
                    (review_card(&d, a, qs, csrf, lang))
                }
            }
        }
        section aria-labelledby="h-waiting" {
            h2 #h-waiting { (lang.pick("各单位待答问题（近 90 天）", "Questions waiting at each bureau (90 days)")) }
            @if per_bureau.is_empty() {
                p.muted { (lang.pick("没有待答问题。", "None.")) }
            } @else {
                table #waiting-per-bureau {
                    thead { tr { th scope="col" { (lang.pick("单位", "Bureau")) } th scope="col" { (lang.pick("待答", "Waiting")) } } }
                    tbody { @for (name, n) in &per_bureau { tr { td { (name) } td { (n) } } } }
                }
            }
        }
        section aria-labelledby="h-approved" {
            h2 #h-approved { (lang.pick("最近采纳", "Approved lately")) }
            @if approved.is_empty() {
                p.muted { (lang.pick("还没有采纳的答复。", "None yet.")) }
            } @else {
                ul.rows #approved-answers {
                    @for a in &approved {
                        li { span.title { (a.questions.first().map_or("", String::as_str)) } p.prewrap { (a.answer) }
                             div.meta { span { (bureau_name(&d, &a.bureau, lang)) } span { (state_name(a.state, lang)) } } }
                    }
                }
            }
        }
    };
    let title = lang.pick("秒回知识库", "Knowledge base");
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Answers, title, body))
}

fn review_card(
    d: &jiesu_domain::district::District,
    a: &StoredAnswer,
    asked: &[jiesu_domain::ports::OpenQuestion],
    csrf: &str,
    lang: Lang,
) -> Markup {
    let now = Utc::now();
    let id = a.id;
    html! {
        li id={ "review-" (id) } {
            span.title { (bureau_name(d, &a.bureau, lang)) " · " (category_name(&a.category, lang)) }
            div.meta {
                span { (a.proposed_by) }
                span { (lang.pick("提交于 ", "sent ")) (jiesu_words::time::local_time(a.proposed_at, now, lang)) }
                @if let Some(s) = &a.source { span { (lang.pick("依据：", "source: ")) (s) } }
                @if let Some(to) = a.valid_to { span { (lang.pick("有效期至 ", "valid until ")) (to) } }
            }
            details.small {
                summary { (match lang { Lang::Zh => format!("市民原话（{} 条）", asked.len()), Lang::En => format!("The citizens' words ({})", asked.len()) }) }
                ul { @for q in asked { li { (q.text) } } }
            }
            form method="post" action={ "/staff/answers/" (id) "/review" } {
                input type="hidden" name="csrf" value=(csrf);
                label for={ "questions-" (id) } { (lang.pick("问法（每行一种）", "Wordings (one per line)")) }
                textarea id={ "questions-" (id) } name="questions" rows="3" { (a.questions.join("\n")) }
                label for={ "answer-" (id) } { (lang.pick("答复内容", "The answer")) }
                textarea id={ "answer-" (id) } name="answer" rows="4" { (a.answer) }
                label for={ "note-" (id) } { (lang.pick("意见（退回时必填，承办单位可见）", "Note (required to send back; the bureau reads it)")) }
                textarea id={ "note-" (id) } name="note" rows="2" {}
                div.acct-tools {
                    button type="submit" name="verdict" value="approve" id={ "approve-" (id) } { (lang.pick("采纳", "Approve")) }
                    button.secondary type="submit" name="verdict" value="reject" id={ "reject-" (id) } { (lang.pick("退回", "Send back")) }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReviewForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    questions: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    note: String,
}

/// `POST /staff/answers/{id}/review`: approve (with the wording as edited) or send back.
pub(crate) async fn review<S: Store + Cases + Accounts + AnswerBook>(
    axum::extract::State(pages): State<S>,
    Path(id): Path<String>,
    checked: Checked<S, ReviewForm>,
) -> Response {
    let Checked { viewer, form } = checked;
    let lang = viewer.lang;
    if !viewer.me.is(DistrictWide::ROLES) {
        return forbidden(lang);
    }
    let Ok(id) = Uuid::parse_str(&id) else {
        return Redirect::to("/staff/answers?done=gone").into_response();
    };
    let note = Some(form.note.trim()).filter(|n| !n.is_empty()).map(str::to_owned);
    let approve = match form.verdict.as_str() {
        "approve" => true,
        "reject" if note.is_some() => false,
        _ => return Redirect::to("/staff/answers?done=note").into_response(),
    };
    let answer = form.answer.trim();
    let questions = wordings(&form.questions);
    if approve && (questions.is_none() || answer.is_empty() || answer.chars().count() > 2000) {
        return Redirect::to("/staff/answers?done=note").into_response();
    }
    let review = Review {
        id,
        approve,
        questions: questions.filter(|_| approve),
        answer: Some(answer.to_owned()).filter(|_| approve),
        note,
        by: viewer.me.username.clone(),
        at: Utc::now(),
    };
    let store = pages.work.workflow.store();
    let outcome = match store.review_answer(&review).await {
        Ok(true) if approve => {
            // In force here at once; the other processes (and this one, should this read fail)
            // read it within a minute.
            if let Some(live) = &pages.work.answers
                && let Err(e) = crate::work::answers::refresh(store, live).await
            {
                tracing::warn!(error = %e.message, "the knowledge base was not refreshed after an approval");
            }
            Ok("approve")
        }
        Ok(true) => Ok("reject"),
        Ok(false) => Ok("gone"),
        Err(e) => Err(crate::ApiError::from(e)),
    };
    match outcome {
        Ok(done) => Redirect::to(&format!("/staff/answers?done={done}")).into_response(),
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}
