//! Rules proposed by coordination meetings (`/staff/console/rules`, 规则审定): the waiting ones,
//! then the recently decided; one proposal's page (`/staff/console/rules/{id}`) shows the rule,
//! the supervisor's edits (categories, areas, lead, assisting bureaus, as codes) and, before any
//! decision, the what-if preview of the rule as edited: of the requests of the last days (90 by
//! default), how many it would have routed differently, from whom to whom, and how many of those
//! the bureau that got them disclaimed. Accept (with the edits shown) or decline, each with a note.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::escalation::{ProposalEdits, ProposalId, ProposalState, ProposedRule};
use jiesu_domain::ports::{Accounts, Cases, RuleBook, Store};
use jiesu_domain::what_if::WhatIf;
use jiesu_domain::workflow::Note;
use jiesu_words::Lang;
use jiesu_words::names::{area_name, bureau_name};
use maud::{Markup, html};
use serde::Deserialize;

use super::console::{Supervisor, SupervisorForm};
use super::layout::{self, Section, flash};
use super::session::{Checked, Viewer};
use super::{State, words};
use crate::work::preview::{MAX_EXAMINED, Previewed, preview};
use crate::work::rules::{accept_proposal, decline_proposal};

/// The supervisor's edits as the forms carry them: codes separated by spaces or commas; a field
/// equal to the proposal's is no edit.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct EditsForm {
    categories: Option<String>,
    areas: Option<String>,
    lead: Option<String>,
    assists: Option<String>,
    days: Option<u32>,
    #[serde(default)]
    note: String,
    done: Option<String>,
}

fn split(raw: &str) -> Vec<&str> {
    raw.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect()
}

fn list_of<T: PartialEq>(
    raw: &Option<String>,
    parse: fn(&str) -> Result<T, jiesu_domain::ValidationError>,
    was: &[T],
) -> Result<Option<Vec<T>>, String> {
    let Some(raw) = raw else { return Ok(None) };
    let parsed: Vec<T> =
        split(raw).into_iter().map(|c| parse(c).map_err(|_| c.to_owned())).collect::<Result<_, _>>()?;
    Ok((parsed != was).then_some(parsed))
}

impl EditsForm {
    /// The edits against `p`, or the code that does not read as one.
    fn edits(&self, p: &ProposedRule) -> Result<ProposalEdits, String> {
        let lead = match self.lead.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => Some(BureauCode::parse(l).map_err(|_| l.to_owned())?).filter(|l| *l != p.lead),
            None => None,
        };
        Ok(ProposalEdits {
            categories: list_of(&self.categories, CategoryCode::parse, &p.categories)?,
            areas: list_of(&self.areas, AreaCode::parse, &p.areas)?,
            lead,
            assists: list_of(&self.assists, BureauCode::parse, &p.assists)?,
            note: None,
        })
    }

    fn days(&self) -> u32 {
        self.days.unwrap_or(90).clamp(1, 366)
    }
}

fn state_name(s: ProposalState, lang: Lang) -> &'static str {
    match s {
        ProposalState::Proposed => lang.pick("待审定", "waiting"),
        ProposalState::Accepted => lang.pick("已采纳", "accepted"),
        ProposalState::Declined => lang.pick("不予采纳", "declined"),
    }
}

/// `GET /staff/console/rules`.
pub(crate) async fn list<S: Store + Cases + Accounts + RuleBook>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
    Query(q): Query<EditsForm>,
) -> Response {
    let lang = viewer.lang;
    let store = pages.work.rules.store();
    let found = async {
        let waiting = store.proposals(Some(ProposalState::Proposed), 100).await?;
        let decided = store.proposals(None, 100).await?;
        Ok::<_, jiesu_domain::ports::StoreError>((waiting, decided))
    }
    .await;
    let (waiting, all) = match found {
        Ok(f) => f,
        Err(e) => {
            let e = crate::ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let mut decided: Vec<&ProposedRule> = all.iter().filter(|p| p.state != ProposalState::Proposed).collect();
    decided.sort_by_key(|p| std::cmp::Reverse(p.proposed_at));
    let d = pages.work.rules.district();
    let notice = match q.done.as_deref() {
        Some("accepted") => {
            Some(flash("ok", lang.pick("规则已采纳，即时生效。", "The rule is accepted and in force.")))
        }
        Some("declined") => Some(flash("ok", lang.pick("已不予采纳。", "The rule is declined."))),
        _ => None,
    };
    let row = |p: &ProposedRule| {
        html! {
            li {
                a.title href={ "/staff/console/rules/" (p.id) } {
                    (p.categories.iter().map(|c| d.taxonomy().get(c).map_or(c.as_str().to_owned(), |x| x.name.clone())).collect::<Vec<_>>().join("、"))
                    " → " (bureau_name(&d, &p.lead, lang))
                }
                div.meta {
                    span { (state_name(p.state, lang)) }
                    span { (p.areas.iter().map(|a| area_name(&d, a, lang)).collect::<Vec<_>>().join("、")) }
                    span { (lang.pick("提出于 ", "proposed ")) (jiesu_words::time::local_time(p.proposed_at, jiesu_domain::time::now(), lang)) }
                }
            }
        }
    };
    let body = html! {
        p { a href="/staff/console" hx-boost="false" { (lang.pick("← 返回督办台", "← Back to the console")) } }
        h1 { (lang.pick("规则审定", "Proposed rules")) }
        @if let Some(n) = notice { (n) }
        section.card aria-labelledby="h-waiting" {
            h2 #h-waiting { (lang.pick("待审定", "Waiting")) " " span.muted.small { "(" (waiting.len()) ")" } }
            @if waiting.is_empty() { p.muted #none-waiting { (lang.pick("没有待审定的规则。", "No rule waits for a decision.")) } }
            ul.rows #waiting { @for p in &waiting { (row(p)) } }
        }
        @if !decided.is_empty() {
            section.card aria-labelledby="h-decided" {
                h2 #h-decided { (lang.pick("已审定", "Decided")) }
                ul.rows #decided { @for p in decided.iter().take(30) { (row(p)) } }
            }
        }
    };
    layout::respond(
        StatusCode::OK,
        layout::page(viewer.chrome(), Section::Console, lang.pick("规则审定", "Proposed rules"), body),
    )
}

fn codes<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

fn proposal_id(raw: &str) -> Option<ProposalId> {
    uuid::Uuid::parse_str(raw).ok().map(ProposalId::from_uuid)
}

/// `GET /staff/console/rules/{id}` (the edits and `days` in the query).
pub(crate) async fn page<S: Store + Cases + Accounts + RuleBook>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
    Path(id): Path<String>,
    Query(form): Query<EditsForm>,
) -> Response {
    let lang = viewer.lang;
    let Some(id) = proposal_id(&id) else { return super::desk::not_found(lang) };
    render(&pages, &viewer, id, &form, StatusCode::OK, None).await
}

async fn render<S: Store + Cases + Accounts + RuleBook>(
    pages: &super::Pages<S>,
    viewer: &Viewer<S>,
    id: ProposalId,
    form: &EditsForm,
    status: StatusCode,
    notice: Option<Markup>,
) -> Response {
    let lang = viewer.lang;
    let api = &pages.work;
    let proposal = match api.rules.store().proposal(id).await {
        Ok(Some(p)) => p,
        Ok(None) => return super::desk::not_found(lang),
        Err(e) => {
            let e = crate::ApiError::from(e);
            return layout::error_page(lang, e.status, &words::refusal(&e, lang));
        }
    };
    let edits = match form.edits(&proposal) {
        Ok(e) => e,
        Err(code) => {
            let why = match lang {
                Lang::Zh => format!("“{code}”不是有效的代码。"),
                Lang::En => format!("`{code}` is not a valid code."),
            };
            return layout::error_page(lang, StatusCode::BAD_REQUEST, &why);
        }
    };
    let candidate = proposal.with_edits(&edits);
    let days = form.days();
    let previewed = if proposal.state == ProposalState::Proposed {
        match preview(api, id, &edits, days).await {
            Ok(p) => Some(p),
            Err(e) => return layout::error_page(lang, e.status, &words::refusal(&e, lang)),
        }
    } else {
        None
    };
    let d = api.rules.district();
    let csrf = viewer.csrf.as_str();
    let hidden = html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="categories" value=(codes(&candidate.categories));
        input type="hidden" name="areas" value=(codes(&candidate.areas));
        input type="hidden" name="lead" value=(candidate.lead.as_str());
        input type="hidden" name="assists" value=(codes(&candidate.assists));
    };
    let body = html! {
        p { a href="/staff/console/rules" { (lang.pick("← 全部规则", "← All proposed rules")) } }
        h1 { (lang.pick("规则审定", "Proposed rule")) }
        @if let Some(n) = notice { (n) }
        section.card aria-labelledby="h-rule" {
            h2 #h-rule { (state_name(proposal.state, lang)) }
            dl.facts #rule {
                dt { (lang.pick("事项", "Categories")) }
                dd { (candidate.categories.iter().map(|c| d.taxonomy().get(c).map_or(c.as_str().to_owned(), |x| format!("{} {}", c.as_str(), x.name))).collect::<Vec<_>>().join("、")) }
                dt { (lang.pick("区域", "Areas")) }
                dd { (candidate.areas.iter().map(|a| area_name(&d, a, lang)).collect::<Vec<_>>().join("、")) }
                dt { (lang.pick("牵头单位", "Lead")) }
                dd { (bureau_name(&d, &candidate.lead, lang)) }
                dt { (lang.pick("协办单位", "Assisting")) }
                dd { (candidate.assists.iter().map(|b| bureau_name(&d, b, lang)).collect::<Vec<_>>().join("、")) }
                @if let Some(n) = &proposal.note { dt { (lang.pick("会议意见", "The meeting's reasoning")) } dd { (n.as_str()) } }
                dt { (lang.pick("来源", "From")) }
                dd { a href={ "/staff/meetings/" (proposal.meeting_id) } { (lang.pick("协调会", "the coordination meeting")) } }
            }
        }
        @if proposal.state == ProposalState::Proposed {
            form.card #edits method="get" action={ "/staff/console/rules/" (id) } {
                h2 { (lang.pick("修改与预演", "Edit and preview")) }
                label for="e-categories" { (lang.pick("事项代码", "Category codes")) }
                input type="text" id="e-categories" name="categories" value=(codes(&candidate.categories));
                label for="e-areas" { (lang.pick("区域代码", "Area codes")) }
                input type="text" id="e-areas" name="areas" value=(codes(&candidate.areas));
                label for="e-lead" { (lang.pick("牵头单位代码", "Lead bureau code")) }
                input type="text" id="e-lead" name="lead" value=(candidate.lead.as_str());
                label for="e-assists" { (lang.pick("协办单位代码", "Assisting bureau codes")) }
                input type="text" id="e-assists" name="assists" value=(codes(&candidate.assists));
                label for="e-days" { (lang.pick("预演天数", "Preview over the last days")) }
                input type="number" id="e-days" name="days" min="1" max="366" value=(days);
                div.actions { button.secondary type="submit" id="preview" { (lang.pick("预演", "Preview")) } }
            }
            @if let Some(p) = &previewed { (preview_card(p, &d, lang)) }
            section.card aria-labelledby="h-decide" {
                h2 #h-decide { (lang.pick("审定", "Decide")) }
                form #accept-form method="post" action={ "/staff/console/rules/" (id) "/accept" } {
                    (hidden)
                    label for="accept-note" { (lang.pick("意见（可选）", "Note (optional)")) }
                    textarea id="accept-note" name="note" rows="2" {}
                    button type="submit" id="accept" { (lang.pick("按上述内容采纳", "Accept as shown")) }
                }
                details.act {
                    summary { (lang.pick("不予采纳", "Decline")) }
                    form method="post" action={ "/staff/console/rules/" (id) "/decline" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="decline-note" { (lang.pick("理由", "Why")) }
                        textarea id="decline-note" name="note" rows="2" {}
                        button.secondary type="submit" id="decline" { (lang.pick("不予采纳", "Decline")) }
                    }
                }
            }
        }
    };
    layout::respond(
        status,
        layout::page(viewer.chrome(), Section::Console, lang.pick("规则审定", "Proposed rule"), body),
    )
}

fn preview_card(p: &Previewed, d: &jiesu_domain::district::District, lang: Lang) -> Markup {
    match p {
        Previewed::DoesNotFit(problems) => html! {
            div.flash.error #preview-result role="alert" {
                p { (lang.pick("按此内容无法采纳，与现行职责清单冲突：", "As edited it does not fit the responsibility list:")) }
                ul { @for x in problems { li { (x) } } }
            }
        },
        Previewed::Done { what, days, capped } => html! {
            section.card #preview-result aria-labelledby="h-preview" {
                h2 #h-preview { (lang.pick("预演结果", "What it would have done")) }
                p #preview-summary { (summary(what, *days, lang)) }
                @if *capped {
                    p.hint { (match lang {
                        Lang::Zh => format!("只预演了最近的 {MAX_EXAMINED} 件。"),
                        Lang::En => format!("Only the newest {MAX_EXAMINED} were routed again."),
                    }) }
                }
                @if !what.moves.is_empty() {
                    div.table-wrap tabindex="0" role="region" aria-label=(lang.pick("改派去向", "Where they would have gone")) {
                        table #moves {
                            thead { tr {
                                th scope="col" { (lang.pick("原牵头单位", "Lead now")) }
                                th.text scope="col" { (lang.pick("改为", "With the rule")) }
                                th scope="col" { (lang.pick("件数", "Requests")) }
                                th scope="col" { (lang.pick("其中原单位曾退单", "Of which the first lead disclaimed")) }
                            } }
                            tbody {
                                @for m in &what.moves {
                                    tr {
                                        th scope="row" { (bureau_name(d, &m.from, lang)) }
                                        td.text { (bureau_name(d, &m.to, lang)) }
                                        td { (m.requests) }
                                        td { (m.disclaimed_by_first) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    }
}

fn summary(w: &WhatIf, days: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "最近 {days} 天的 {} 件诉求中，有 {} 件会改由他人牵头；其中 {} 件原牵头单位曾退单。",
            w.examined, w.differ, w.disclaimed_by_first
        ),
        Lang::En => format!(
            "Of the {} requests of the last {days} days, {} would have gone to another lead; the first lead disclaimed {} of those.",
            w.examined, w.differ, w.disclaimed_by_first
        ),
    }
}

/// `POST /staff/console/rules/{id}/{accept|decline}`.
pub(crate) async fn decide<S: Store + Cases + Accounts + RuleBook>(
    axum::extract::State(pages): State<S>,
    Path((id, action)): Path<(String, String)>,
    SupervisorForm(checked): SupervisorForm<S, EditsForm>,
) -> Response {
    let Checked { viewer, form } = checked;
    let lang = viewer.lang;
    let Some(id) = proposal_id(&id) else { return super::desk::not_found(lang) };
    let note = match form.note.trim() {
        "" => None,
        text => match Note::parse(text) {
            Ok(n) => Some(n),
            Err(_) => {
                return layout::error_page(
                    lang,
                    StatusCode::BAD_REQUEST,
                    lang.pick("意见太长。", "The note is too long."),
                );
            }
        },
    };
    let api = &pages.work;
    let outcome = match action.as_str() {
        "accept" => {
            let proposal = match api.rules.store().proposal(id).await {
                Ok(Some(p)) => p,
                Ok(None) => return super::desk::not_found(lang),
                Err(e) => return layout::error_page(lang, StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
            };
            let Ok(edits) = form.edits(&proposal) else {
                return layout::error_page(
                    lang,
                    StatusCode::BAD_REQUEST,
                    lang.pick("代码有误。", "A code is not valid."),
                );
            };
            accept_proposal(api, &viewer.me, id, edits, note).await.map(|_| "accepted")
        }
        "decline" => decline_proposal(api, &viewer.me, id, note).await.map(|_| "declined"),
        _ => return super::desk::not_found(lang),
    };
    match outcome {
        Ok(done) => Redirect::to(&format!("/staff/console/rules?done={done}")).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => super::desk::not_found(lang),
        Err(e) => {
            let notice = flash("error", &words::refusal(&e, lang));
            render(&pages, &viewer, id, &form, e.status, Some(notice)).await
        }
    }
}
