//! The desk's actions on a request's page: place it, transfer it, accept or reject a held
//! disclaim, approve a result or send it back, record a phone return visit, read the caller's
//! number. The same workflow commands as `/api/v1/requests/{tracking}/...` and
//! `/api/v1/tasks/{id}/disclaim-review`.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::district::District;
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::{Accounts, Cases, Store};
use jiesu_domain::workflow::{Caller, Command, Note, Satisfaction};
use jiesu_words::Lang;
use jiesu_words::names::local_name;
use maud::{Markup, html};
use serde::Deserialize;

use super::desk::{desk_only, not_found, render};
use super::layout::{self, flash};
use super::session::{Checked, Viewer};
use super::{State, words};
use crate::ApiError;
use crate::work::case_view::CaseView;
use crate::work::errors::{optional, required};
use crate::work::requests::request_id;

fn bureau_options(d: &District, lang: Lang) -> Markup {
    html! {
        @for b in d.bureaus() { option value=(b.code.as_str()) { (jiesu_words::bureau_name(d, &b.code, lang)) } }
    }
}

pub(super) fn forms(d: &District, v: &Viewer<impl Sized>, case: &CaseView, base: &str) -> Markup {
    let lang = v.lang;
    let csrf = html! { input type="hidden" name="csrf" value=(v.csrf.as_str()); };
    let status = case.request.brief.status.as_str();
    let held: Vec<_> = case.tasks.iter().filter(|t| t.state == "disclaim_requested").collect();
    let open = matches!(status, "dispatched" | "in_progress" | "escalated");
    html! {
        section.card.o3 #actions aria-labelledby="h-actions" {
            h2 #h-actions { (lang.pick("分拨台操作", "Desk actions")) }
            @if status == "awaiting_dispatch" || status == "escalated" {
                form #dispatch-form method="post" action={ (base) "/dispatch" } {
                    (csrf)
                    label for="dispatch-bureau" { (lang.pick("派给", "Send to")) " " span.hint { (lang.pick("不选则按职责清单分派", "or leave it to the responsibility list")) } }
                    select #dispatch-bureau name="bureau" { option value="" { (lang.pick("按职责清单", "By the responsibility list")) } (bureau_options(d, lang)) }
                    label for="dispatch-area" { (lang.pick("所属区域", "Area")) " " span.hint { (lang.pick("规则无法定位时选择", "when the rules could not place it")) } }
                    (layout::filter_box("dispatch-area", lang.pick("搜索街道或社区", "Search the streets and communities"), lang))
                    select #dispatch-area name="area" {
                        option value="" { (lang.pick("不变", "Unchanged")) }
                        @for a in d.areas().iter().filter(|a| a.code.depth() >= 1) {
                            option value=(a.code.as_str()) { (" ".repeat(2 * (a.code.depth() - 1))) (local_name(&a.name, a.name_en.as_deref(), lang)) }
                        }
                    }
                    label for="dispatch-category" { (lang.pick("问题分类", "Category")) " " span.hint { (lang.pick("分类有误时更正，将按新分类重新分派", "correct it if wrong: the request is routed again")) } }
                    (layout::filter_box("dispatch-category", lang.pick("搜索分类（名称或代码）", "Search the categories (name or code)"), lang))
                    select #dispatch-category name="category" {
                        option value="" { (lang.pick("不变", "Unchanged")) }
                        @for c in d.taxonomy().iter() {
                            option value=(c.code.as_str()) selected[case.request.brief.category.as_ref().is_some_and(|x| x.code == c.code.as_str())] {
                                (" ".repeat(2 * (c.code.level() - 1))) (c.code.as_str()) " " (local_name(&c.name, c.name_en.as_deref(), lang))
                            }
                        }
                    }
                    label for="dispatch-note" { (lang.pick("备注", "Note")) }
                    input #dispatch-note type="text" name="note" maxlength="2000";
                    div.actions { button #dispatch type="submit" { (lang.pick("派单", "Place")) } }
                }
            }
            @for t in &held {
                form.disclaim-review method="post" action={ (base) "/disclaim-review" } {
                    (csrf)
                    input type="hidden" name="task" value=(t.id);
                    p { strong { (lang.pick(&t.bureau.name, &t.bureau.name_en)) } (lang.pick(" 申请退单", " asks to disclaim")) }
                    @for x in case.disclaims.iter().filter(|x| x.task_id == t.id) { p.small { (words::disclaim_reason(&x.reason, lang)) "：" (x.explanation) } }
                    label for={ "to-" (t.id) } { (lang.pick("同意后改派给", "If accepted, send to")) }
                    select id={ "to-" (t.id) } name="to" { option value="" { (lang.pick("下一个候选单位", "The next candidate")) } (bureau_options(d, lang)) }
                    label for={ "review-note-" (t.id) } { (lang.pick("审核意见", "Note")) }
                    input id={ "review-note-" (t.id) } type="text" name="note" maxlength="2000";
                    div.actions {
                        button name="accept" value="yes" type="submit" { (lang.pick("同意退单", "Accept")) }
                        button.secondary name="accept" value="no" type="submit" { (lang.pick("驳回（由其继续办理）", "Reject (they keep it)")) }
                    }
                }
            }
            @if status == "resolved" {
                @for h in case.history.iter().rev().filter(|h| h.kind == "task_resolved").take(1) {
                    p #result-to-review { strong { (lang.pick("办理结果：", "Result: ")) } (lang.pick(&h.text, &h.text_en)) }
                }
                form #review-form method="post" action={ (base) "/review" } {
                    (csrf)
                    label for="review-note" { (lang.pick("审核意见", "Note")) " " span.hint { (lang.pick("退回时必填", "required to send it back")) } }
                    textarea #review-note name="note" maxlength="2000" {}
                    div.actions {
                        button #approve name="approve" value="yes" type="submit" { (lang.pick("审核通过", "Approve")) }
                        button.secondary #send-back name="approve" value="no" type="submit" { (lang.pick("退回重办", "Send back")) }
                    }
                }
            }
            @if status == "reviewed" {
                form #visit-form method="post" action={ (base) "/visit" } {
                    (csrf)
                    fieldset {
                        legend { (lang.pick("问题是否解决", "Was it solved?")) }
                        label { input #solved-yes type="radio" name="solved" value="yes" required; " " (lang.pick("已解决", "Solved")) }
                        label { input #solved-no type="radio" name="solved" value="no"; " " (lang.pick("未解决（将重新办理）", "Not solved (it is reopened)")) }
                    }
                    fieldset {
                        legend { (lang.pick("满意程度", "Satisfaction")) }
                        @for s in Satisfaction::ALL {
                            label { input id={ "sat-" (s.as_str()) } type="radio" name="satisfaction" value=(s.as_str()); " " (satisfaction_name(s, lang)) }
                        }
                    }
                    label for="visit-stars" { (lang.pick("星级评价（可选）", "Stars (optional)")) }
                    select #visit-stars name="stars" {
                        option value="" { (lang.pick("未评", "Not given")) }
                        @for n in (1..=jiesu_domain::workflow::Stars::MAX).rev() { option value=(n) { (n) (lang.pick(" 星", " stars")) } }
                    }
                    label for="visit-comment" { (lang.pick("群众意见", "What the citizen said")) }
                    textarea #visit-comment name="comment" maxlength="2000" {}
                    div.actions { button #record-visit type="submit" { (lang.pick("记录电话回访", "Record the phone visit")) } }
                }
            }
            @if open {
                details.act {
                    summary { (lang.pick("改派", "Transfer")) }
                    form #transfer-form method="post" action={ (base) "/transfer" } {
                        (csrf)
                        label for="transfer-bureau" { (lang.pick("改派给", "Transfer to")) }
                        (layout::filter_box("transfer-bureau", lang.pick("搜索单位", "Search the bureaus"), lang))
                        select #transfer-bureau name="bureau" required { option value="" { (lang.pick("请选择", "Choose")) } (bureau_options(d, lang)) }
                        label for="transfer-note" { (lang.pick("原因", "Why")) }
                        input #transfer-note type="text" name="note" maxlength="2000";
                        div.actions { button.secondary #transfer type="submit" { (lang.pick("改派", "Transfer")) } }
                    }
                }
            }
            @if !(open || !held.is_empty() || matches!(status, "awaiting_dispatch" | "resolved" | "reviewed")) {
                p.muted { (lang.pick("此诉求当前没有待分拨台处理的事项。", "Nothing for the desk to do on this request now.")) }
            }
        }
    }
}

fn satisfaction_name(s: Satisfaction, lang: Lang) -> &'static str {
    match s {
        Satisfaction::Satisfied => lang.pick("满意", "Satisfied"),
        Satisfaction::BasicallySatisfied => lang.pick("基本满意", "Basically satisfied"),
        Satisfaction::Dissatisfied => lang.pick("不满意", "Dissatisfied"),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeskForm {
    bureau: Option<String>,
    area: Option<String>,
    category: Option<String>,
    note: Option<String>,
    task: Option<String>,
    accept: Option<String>,
    to: Option<String>,
    approve: Option<String>,
    solved: Option<String>,
    satisfaction: Option<String>,
    stars: Option<String>,
    comment: Option<String>,
}

fn yes(v: Option<&str>) -> Result<bool, ApiError> {
    match v {
        Some("yes") => Ok(true),
        Some("no") => Ok(false),
        _ => Err(crate::work::errors::invalid(&jiesu_domain::ValidationError::invalid(
            "choice",
            "choose yes or no",
        ))),
    }
}

/// `POST /staff/requests/{tracking}/{action}`.
pub(crate) async fn act<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    Path((tracking, action)): Path<(String, String)>,
    checked: Checked<S, DeskForm>,
) -> Response {
    let Checked { viewer, form: f } = checked;
    if let Some(r) = desk_only(&viewer) {
        return r;
    }
    let api = &pages.work;
    let me = &viewer.me;
    let outcome = async {
        let request = request_id(api, me, &tracking).await?;
        if action == "reveal" {
            return crate::work::requests::reveal(api, me, request).await;
        }
        let note = optional(f.note.clone(), Note::parse)?;
        let command = match action.as_str() {
            "dispatch" => Command::Dispatch {
                bureau: optional(f.bureau.clone(), BureauCode::parse)?,
                area: optional(f.area.clone(), AreaCode::parse)?,
                category: optional(f.category.clone(), CategoryCode::parse)?,
                note,
            },
            "transfer" => Command::Transfer {
                to: required(f.bureau.as_deref().unwrap_or_default(), BureauCode::parse)?,
                note,
            },
            "disclaim-review" => {
                let task = f
                    .task
                    .as_deref()
                    .and_then(|t| t.parse::<uuid::Uuid>().ok())
                    .map(TaskId::from_uuid)
                    .ok_or_else(|| ApiError::not_found("no such task"))?;
                Command::ReviewDisclaim {
                    task,
                    accept: yes(f.accept.as_deref())?,
                    to: optional(f.to.clone(), BureauCode::parse)?,
                    note,
                }
            }
            "review" => Command::ReviewResolution { approve: yes(f.approve.as_deref())?, note },
            "visit" => Command::RecordVisit {
                solved: yes(f.solved.as_deref())?,
                satisfaction: optional(f.satisfaction.clone(), Satisfaction::parse)?,
                stars: optional(f.stars.clone(), jiesu_domain::workflow::Stars::parse)?,
                comment: optional(f.comment.clone(), Note::parse)?,
            },
            _ => return Err(ApiError::not_found("no such action")),
        };
        api.workflow.act(Caller::Staff(me), request, command).await?;
        Ok(None)
    }
    .await;
    let lang = viewer.lang;
    match outcome {
        Ok(Some(phone)) => {
            let notice = flash(
                "warn",
                lang.pick(
                    "号码已显示，此次查看已记入办理记录。",
                    "The number is shown; this reading is recorded in the history.",
                ),
            );
            render(api, &viewer, &tracking, StatusCode::OK, Some(notice), Some(&phone)).await
        }
        Ok(None) if action == "reveal" => render(api, &viewer, &tracking, StatusCode::OK, None, None).await,
        Ok(None) => Redirect::to(&format!("/staff/requests/{tracking}?done={action}")).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(lang),
        Err(e) => {
            let notice = flash("error", &words::refusal(&e, lang));
            render(api, &viewer, &tracking, e.status, Some(notice), None).await
        }
    }
}
