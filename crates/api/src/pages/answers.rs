//! 秒回's knowledge base on the staff side (`/staff/answers`, 秒回知识库).
//!
//! A bureau's staff see the consultations of the last 90 days that 秒回 could not answer and their
//! bureau leads, grouped by what they ask (`jiesu_answers::group`), and write one answer per group
//! (or set a question aside as no matter for the knowledge base); then follow what the desk made
//! of their answers. The desk and supervisors see the answers waiting for review instead
//! (`answers_review`). The store checks every question an answer covers is the bureau's own, so
//! an id posted by hand reaches nothing more than the page shows.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{
    Accounts, AnswerBook, AnswerState, Cases, OpenQuestion, Store, StoreError, StoredAnswer,
};
use jiesu_words::Lang;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::layout::{self, Section, flash};
use super::session::{Checked, Viewer};
use super::{State, words};

/// How far back the queue reaches, and how many questions it groups at most.
const WINDOW_DAYS: i64 = 90;
const MAX_QUESTIONS: u32 = 400;
/// How many of a group's wordings prefill its form.
const PREFILLED: usize = 5;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AnswersQuery {
    done: Option<String>,
}

/// A topic's name, for the knowledge base's own slugs.
pub(super) fn category_name(slug: &str, lang: Lang) -> String {
    let zh_en = match slug {
        "marriage" => ("婚姻登记", "Marriage registration"),
        "household" => ("户籍", "Household registration"),
        "social_insurance" => ("社会保险", "Social insurance"),
        "medical_insurance" => ("医疗保险", "Medical insurance"),
        "general" => ("其他", "Other"),
        other => return other.to_owned(),
    };
    lang.pick(zh_en.0, zh_en.1).to_owned()
}

/// The topics offered: the knowledge base's own, then 其他.
fn categories<S>(pages: &super::Pages<S>) -> Vec<String> {
    let mut all: Vec<String> = match &pages.work.answers {
        Some(live) => live.current().entries().iter().map(|e| e.category.clone()).collect(),
        None => Vec::new(),
    };
    all.sort();
    all.dedup();
    all.retain(|c| c != "general");
    all.push("general".to_owned());
    all
}

fn notice(done: Option<&str>, lang: Lang) -> Option<Markup> {
    let (kind, zh, en) = match done? {
        "proposed" => (
            "ok",
            "答复已提交分拨台审核，这些问题已移出待答列表。",
            "Sent to the desk for review; these questions left the list.",
        ),
        "aside" => ("ok", "已将该问题移出待答列表。", "The question left the list."),
        "invalid" => (
            "error",
            "请至少写一种问法和答复内容（有效期不能早于今天）。",
            "Write at least one wording and the answer (a validity that has not ended).",
        ),
        "gone" => (
            "warn",
            "这些问题已有人处理，列表已刷新。",
            "Someone dealt with these questions already; the list is fresh.",
        ),
        _ => return None,
    };
    Some(flash(kind, lang.pick(zh, en)))
}

/// `GET /staff/answers`: a bureau's questions, or the desk's review queue.
pub(crate) async fn page<S: Store + Cases + Accounts + AnswerBook>(
    axum::extract::State(pages): State<S>,
    viewer: Viewer<S>,
    Query(q): Query<AnswersQuery>,
) -> Response {
    let lang = viewer.lang;
    let Some(bureau) = viewer.me.bureau.clone() else {
        return super::answers_review::page(&pages, &viewer, q.done.as_deref()).await;
    };
    let store = pages.work.workflow.store();
    let since = Utc::now() - Duration::days(WINDOW_DAYS);
    let read = async {
        let open = store.open_questions(Some(&bureau), since, MAX_QUESTIONS).await?;
        let mut mine = Vec::new();
        for state in [AnswerState::Proposed, AnswerState::Rejected, AnswerState::Approved] {
            mine.extend(store.stored_answers(state, Some(&bureau), 20).await?);
        }
        Ok::<_, StoreError>((open, mine))
    };
    let (open, mine) = match read.await {
        Ok(x) => x,
        Err(e) => {
            let e = crate::ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let texts: Vec<&str> = open.iter().map(|q| q.text.as_str()).collect();
    let groups = jiesu_answers::group(&texts);
    let csrf = viewer.csrf.as_str();
    let topics = categories(&pages);
    let body = html! {
        h1 { (lang.pick("秒回知识库 · 待答问题", "秒回 knowledge base · questions to answer")) }
        @if let Some(n) = notice(q.done.as_deref(), lang) { (n) }
        p.muted { (lang.pick(
            "市民咨询、秒回未能即时答复、由本单位承办的问题（近 90 天），按问法相近程度分组。为一组问题写一条通用答复，经分拨台审核后加入秒回知识库，今后同类问题即时答复。请勿写入个人信息。",
            "Consultations of the last 90 days that 秒回 could not answer and your bureau leads, grouped by what they ask. Write one general answer per group: once the desk approves it, 秒回 answers such questions at once. Leave out anything personal."
        )) }
        @if groups.is_empty() {
            p.card.muted #no-questions { (lang.pick("暂无待答问题。", "No question waits for an answer.")) }
        } @else {
            ol.rows #question-groups {
                @for (n, g) in groups.iter().enumerate() {
                    (group_card(n, g.iter().map(|i| &open[*i]).collect(), csrf, &topics, lang))
                }
            }
        }
        (my_answers(&mine, lang))
    };
    let title = lang.pick("秒回知识库", "Knowledge base");
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Answers, title, body))
}

fn group_card(n: usize, questions: Vec<&OpenQuestion>, csrf: &str, topics: &[String], lang: Lang) -> Markup {
    let now = Utc::now();
    let mut wordings: Vec<&str> = Vec::new();
    for q in &questions {
        if wordings.len() < PREFILLED && !wordings.contains(&q.text.as_str()) {
            wordings.push(q.text.as_str());
        }
    }
    let covers: Vec<String> = questions.iter().map(|q| q.request.to_string()).collect();
    html! {
        li.qgroup id={ "group-" (n) } {
            span.title {
                (questions[0].text)
                " " span.tag { (match lang { Lang::Zh => format!("{} 人问过", questions.len()), Lang::En => format!("asked {} times", questions.len()) }) }
            }
            ul.questions {
                @for q in &questions {
                    li {
                        span.qtext { (q.text) }
                        span.meta {
                            span { (q.tracking.grouped()) }
                            span { (jiesu_words::time::local_time(q.received_at, now, lang)) }
                        }
                        form.inline method="post" action={ "/staff/answers/questions/" (q.request) "/set-aside" } {
                            input type="hidden" name="csrf" value=(csrf);
                            button.link type="submit" { (lang.pick("不纳入知识库", "Not for the knowledge base")) }
                        }
                    }
                }
            }
            details.tool open[n == 0] {
                summary { (lang.pick("为这组问题写答复", "Answer this group")) }
                form.answer-form method="post" action="/staff/answers" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="covers" value=(covers.join(","));
                    label for={ "questions-" (n) } { (lang.pick("问法（每行一种，可增删）", "Wordings (one per line; add or remove)")) }
                    textarea id={ "questions-" (n) } name="questions" rows="3" required { (wordings.join("\n")) }
                    label for={ "answer-" (n) } { (lang.pick("答复内容", "The answer")) }
                    textarea id={ "answer-" (n) } name="answer" rows="4" required {}
                    div.fields {
                        div {
                            label for={ "category-" (n) } { (lang.pick("类别", "Topic")) }
                            select id={ "category-" (n) } name="category" {
                                @for t in topics { option value=(t) selected[t == "general"] { (category_name(t, lang)) } }
                            }
                        }
                        div {
                            label for={ "valid-to-" (n) } { (lang.pick("有效期至（可不填）", "Valid until (optional)")) }
                            input type="date" id={ "valid-to-" (n) } name="valid_to";
                        }
                    }
                    label for={ "source-" (n) } { (lang.pick("政策依据（文件名称、文号，可不填）", "Policy source (title and number; optional)")) }
                    input type="text" id={ "source-" (n) } name="source" maxlength="200";
                    button type="submit" id={ "propose-" (n) } { (lang.pick("提交审核", "Send for review")) }
                }
            }
        }
    }
}

pub(super) fn state_name(s: AnswerState, lang: Lang) -> &'static str {
    match s {
        AnswerState::Proposed => lang.pick("待审核", "waiting for review"),
        AnswerState::Approved => lang.pick("已采纳", "approved"),
        AnswerState::Rejected => lang.pick("未采纳", "sent back"),
    }
}

fn my_answers(mine: &[StoredAnswer], lang: Lang) -> Markup {
    html! {
        section aria-labelledby="h-mine" {
            h2 #h-mine { (lang.pick("本单位提交的答复", "Your bureau's answers")) }
            @if mine.is_empty() {
                p.muted { (lang.pick("还没有提交过答复。", "None sent yet.")) }
            } @else {
                ul.rows #my-answers {
                    @for a in mine {
                        li id={ "answer-" (a.id) } {
                            span.title { (a.questions.first().map_or("", String::as_str)) " " span class={ "tag state-" (a.state.as_str()) } { (state_name(a.state, lang)) } }
                            p.prewrap { (a.answer) }
                            @if let Some(note) = &a.review_note {
                                p.reason { (lang.pick("分拨台意见：", "The desk's note: ")) (note) }
                            }
                            @if a.state == AnswerState::Rejected {
                                p.small.muted { (lang.pick("所涉问题已回到待答列表。", "Its questions are back on the list.")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProposeForm {
    #[serde(default)]
    covers: String,
    #[serde(default)]
    questions: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    valid_to: String,
}

/// The wordings of a textarea: one per line, trimmed, blank lines and repeats dropped.
pub(super) fn wordings(text: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.chars().count() > 200 {
            return None;
        }
        if !out.iter().any(|w| w == line) {
            out.push(line.to_owned());
        }
    }
    (!out.is_empty() && out.len() <= 10).then_some(out)
}

/// The form read into an answer, if it is whole.
fn proposal(
    form: &ProposeForm,
    bureau: BureauCode,
    viewer: &jiesu_domain::staff::Principal,
) -> Option<(StoredAnswer, Vec<RequestId>)> {
    let covers: Vec<RequestId> = form
        .covers
        .split(',')
        .map(|s| Uuid::parse_str(s.trim()).ok().map(RequestId::from_uuid))
        .collect::<Option<_>>()?;
    let answer = form.answer.trim();
    let slug = form.category.trim();
    let slug_ok = !slug.is_empty()
        && slug.len() <= 40
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    let today = Utc::now().with_timezone(&jiesu_domain::time::LOCAL).date_naive();
    let valid_to = match form.valid_to.trim() {
        "" => None,
        d => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").ok().filter(|d| *d >= today)?),
    };
    let source = Some(form.source.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
    let questions = wordings(&form.questions)?;
    let ok = !covers.is_empty()
        && covers.len() <= MAX_QUESTIONS as usize
        && !answer.is_empty()
        && answer.chars().count() <= 2000
        && slug_ok
        && source.as_ref().is_none_or(|s| s.chars().count() <= 200);
    let a = StoredAnswer {
        id: Uuid::now_v7(),
        bureau,
        category: slug.to_owned(),
        questions,
        answer: answer.to_owned(),
        source,
        valid_to,
        state: AnswerState::Proposed,
        proposed_by: viewer.username.clone(),
        proposed_at: jiesu_domain::time::now(),
        reviewed_by: None,
        reviewed_at: None,
        review_note: None,
    };
    ok.then_some((a, covers))
}

/// `POST /staff/answers`: a bureau's answer for a group of its questions.
pub(crate) async fn propose<S: Store + Cases + Accounts + AnswerBook>(
    axum::extract::State(pages): State<S>,
    checked: Checked<S, ProposeForm>,
) -> Response {
    let Checked { viewer, form } = checked;
    let Some(bureau) = viewer.me.bureau.clone() else { return forbidden(viewer.lang) };
    let Some((answer, covers)) = proposal(&form, bureau, &viewer.me) else {
        return Redirect::to("/staff/answers?done=invalid").into_response();
    };
    match pages.work.workflow.store().propose_answer(&answer, &covers).await {
        Ok(()) => Redirect::to("/staff/answers?done=proposed").into_response(),
        Err(StoreError::Conflict(_)) => Redirect::to("/staff/answers?done=gone").into_response(),
        Err(e) => {
            let e = crate::ApiError::from(e);
            layout::error_page(viewer.lang, e.status, &words::refusal(&e, viewer.lang))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Empty {}

/// `POST /staff/answers/questions/{request}/set-aside`.
pub(crate) async fn set_aside<S: Store + Cases + Accounts + AnswerBook>(
    axum::extract::State(pages): State<S>,
    Path(request): Path<String>,
    checked: Checked<S, Empty>,
) -> Response {
    let viewer = checked.viewer;
    let Some(bureau) = viewer.me.bureau.clone() else { return forbidden(viewer.lang) };
    let Ok(id) = Uuid::parse_str(&request) else {
        return Redirect::to("/staff/answers?done=gone").into_response();
    };
    let store = pages.work.workflow.store();
    match store.set_aside(RequestId::from_uuid(id), &bureau, &viewer.me.username, Utc::now()).await {
        Ok(true) => Redirect::to("/staff/answers?done=aside").into_response(),
        Ok(false) => Redirect::to("/staff/answers?done=gone").into_response(),
        Err(e) => {
            let e = crate::ApiError::from(e);
            layout::error_page(viewer.lang, e.status, &words::refusal(&e, viewer.lang))
        }
    }
}

/// Only a bureau's own staff answer its questions.
pub(super) fn forbidden(lang: Lang) -> Response {
    let why = lang.pick(
        "待答问题由承办单位作答；分拨台在本页审核答复。",
        "A bureau answers its own questions; the desk reviews the answers on this page.",
    );
    layout::error_page(lang, StatusCode::FORBIDDEN, why)
}
