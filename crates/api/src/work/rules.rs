//! Rules coordination meetings propose for the responsibility list: supervisors list them, read
//! one, accept it (possibly edited) or decline it. An accepted rule routes this process's next
//! request; other processes follow within `district.reload_secs`.
//!
//! Refusals: 403 `forbidden` for anyone but supervisors and admins, 404 for an unknown id, 409
//! `already_decided`, and 409 `rule_conflict` when the rule does not fit the list in force (a
//! tie with another rule, an unknown bureau, area or category), with the compiler's messages.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jiesu_domain::ValidationError;
use jiesu_domain::area::AreaCode;
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::district::District;
use jiesu_domain::escalation::{ProposalEdits, ProposalId, ProposalState, ProposedRule};
use jiesu_domain::ports::{Audit, Cases, RuleBook, Store};
use jiesu_domain::staff::Principal;
use jiesu_domain::workflow::Note;
use jiesu_workflow::RuleDecisionError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::WorkApi;
use super::errors::{optional, required, store_error};
use super::extract::{IdPath, QueryOf};
use super::tasks::Api;
use super::view::{self, Bureau, Named, RequestBrief};
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::Supervising;

impl From<RuleDecisionError> for ApiError {
    fn from(e: RuleDecisionError) -> Self {
        let message = e.to_string();
        match e {
            RuleDecisionError::NotFound => ApiError::not_found(message),
            RuleDecisionError::AlreadyDecided(_) => {
                ApiError::new(StatusCode::CONFLICT, "already_decided", message)
            }
            RuleDecisionError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "rule_conflict", message),
            RuleDecisionError::Store(e) => store_error(e),
        }
    }
}

fn named<T>(codes: &[T], code: impl Fn(&T) -> &str, name: impl Fn(&T) -> Option<String>) -> Vec<Named> {
    codes.iter().map(|c| Named { code: code(c).to_owned(), name: name(c) }).collect()
}

/// The responsibility-list rule a proposal becomes.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleRef {
    pub id: String,
    pub version: String,
    /// Whether the rule is in force in this process.
    pub in_force: bool,
}

/// A supervisor's decision on a proposal.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDecisionView {
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// A rule a coordination meeting proposed: categories in areas → a lead and assists.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: String,
    /// proposed, accepted, declined.
    pub state: String,
    pub request_id: String,
    pub meeting_id: String,
    pub rule: RuleRef,
    pub categories: Vec<Named>,
    pub areas: Vec<Named>,
    pub lead: Bureau,
    pub assists: Vec<Bureau>,
    pub note: Option<String>,
    pub proposed_at: DateTime<Utc>,
    pub decision: Option<ProposalDecisionView>,
    /// The request the meeting was about, in brief (one proposal only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestBrief>,
}

/// A proposal as supervisors see it, with the rule it becomes and whether that is in force here.
fn proposal(d: &District, p: &ProposedRule) -> ProposalView {
    let rule = p.rule_id();
    ProposalView {
        id: p.id.to_string(),
        state: p.state.as_str().to_owned(),
        request_id: p.request_id.to_string(),
        meeting_id: p.meeting_id.to_string(),
        rule: RuleRef {
            id: rule.as_str().to_owned(),
            version: p.rule_version().as_str().to_owned(),
            in_force: d.rules().get(&rule).is_some(),
        },
        categories: named(&p.categories, |c| c.as_str(), |c| d.taxonomy().get(c).map(|x| x.name.clone())),
        areas: named(&p.areas, |a| a.as_str(), |a| d.areas().get(a).map(|x| x.name.clone())),
        lead: view::bureau(d, &p.lead),
        assists: p.assists.iter().map(|b| view::bureau(d, b)).collect(),
        note: p.note.as_ref().map(|n| n.as_str().to_owned()),
        proposed_at: p.proposed_at,
        decision: p.decision.as_ref().map(|x| ProposalDecisionView {
            by: x.by.clone(),
            at: x.at,
            note: x.note.as_ref().map(|n| n.as_str().to_owned()),
        }),
        request: None,
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// `proposed`, `accepted` or `declined`; every state when absent.
    state: Option<String>,
    #[param(minimum = 1, maximum = 500, default = 100)]
    limit: Option<u32>,
}

/// Proposed rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalList {
    pub proposals: Vec<ProposalView>,
}

/// Rules proposed by coordination meetings
///
/// Oldest first; every state unless `state` is given.
///
/// Who: supervisors, admins
#[utoipa::path(
    get, operation_id = "rules_list", path = "/api/v1/rules/proposed", tag = "supervisors", params(ListQuery),
    responses(
        (status = 200, body = ProposalList), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn list<S: Store + Cases + RuleBook>(
    State(api): Api<S>,
    Supervising(_): Supervising,
    QueryOf(q): QueryOf<ListQuery>,
) -> Result<Json<ProposalList>, ApiError> {
    let state = match q.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ProposalState::parse(s).ok_or_else(|| {
            let message = format!("unknown state `{s}` (proposed, accepted, declined)");
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
        })?),
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let found = api.rules.store().proposals(state, limit).await?;
    let d = api.rules.district();
    Ok(Json(ProposalList { proposals: found.iter().map(|p| proposal(&d, p)).collect() }))
}

const PROPOSAL_ID: &str = "The proposed rule's id.";

/// One proposed rule, with its request in brief
///
/// Who: supervisors, admins
#[utoipa::path(
    get, operation_id = "rules_show", path = "/api/v1/rules/proposed/{id}", tag = "supervisors",
    params(("id" = uuid::Uuid, Path, description = PROPOSAL_ID)),
    responses(
        (status = 200, body = ProposalView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
)]
pub(super) async fn show<S: Store + Cases + RuleBook>(
    State(api): Api<S>,
    Supervising(_): Supervising,
    IdPath(id): IdPath<ProposalId>,
) -> Result<Json<ProposalView>, ApiError> {
    let p =
        api.rules.store().proposal(id).await?.ok_or_else(|| ApiError::not_found("no such proposed rule"))?;
    let d = api.rules.district();
    let mut v = proposal(&d, &p);
    // The request the meeting was about, in brief: its tracking number leads to the whole case.
    if let Some(case) = api.workflow.store().load_case(p.request_id).await? {
        v.request = Some(view::request_brief(&d, &case.request));
    }
    Ok(Json(v))
}

/// The optional JSON body of a decision: none, or empty, is the default; anything else must parse.
impl EditsBody {
    /// The edits as the domain takes them; a code that does not read is a 400.
    pub(super) fn parse(self) -> Result<ProposalEdits, ApiError> {
        Ok(ProposalEdits {
            categories: codes(self.categories, CategoryCode::parse)?,
            areas: codes(self.areas, AreaCode::parse)?,
            lead: optional(self.lead, BureauCode::parse)?,
            assists: codes(self.assists, BureauCode::parse)?,
            note: optional(self.note, Note::parse)?,
        })
    }
}

pub(super) fn optional_body<T: DeserializeOwned + Default>(body: &Bytes) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))
}

fn codes<T>(
    raw: Option<Vec<String>>,
    parse: fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<Vec<T>>, ApiError> {
    raw.map(|v| v.iter().map(|c| required(c, parse)).collect()).transpose()
}

/// What changes from the meeting's proposal; absent fields stay as proposed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct EditsBody {
    categories: Option<Vec<String>>,
    areas: Option<Vec<String>>,
    lead: Option<String>,
    assists: Option<Vec<String>>,
    /// The rule's own note (why), replacing the meeting's.
    #[schema(max_length = 2000)]
    note: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AcceptBody {
    /// Why it was accepted, for the record.
    #[schema(max_length = 2000)]
    note: Option<String>,
    #[serde(default)]
    edits: EditsBody,
}

/// Accept a proposed rule into the responsibility list (采纳), possibly edited
///
/// The rule is checked against the list in force (the district's files and the rules accepted
/// before) and refused with the compiler's messages (`rule_conflict`) if it ties with another
/// rule or names an unknown bureau, area or category: edit it (a narrower area, say) and accept
/// again. Accepted, it routes this process's next request at once; other processes follow within
/// `district.reload_secs`. The request's history records `rule_accepted`. The body is optional.
///
/// Who: supervisors, admins
#[utoipa::path(
    post, operation_id = "rules_accept", path = "/api/v1/rules/proposed/{id}/accept", tag = "supervisors",
    params(("id" = uuid::Uuid, Path, description = PROPOSAL_ID)), request_body(content = Option<AcceptBody>),
    responses(
        (status = 200, body = ProposalView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn accept<S: Store + Cases + RuleBook + Audit>(
    State(api): Api<S>,
    Supervising(me): Supervising,
    IdPath(id): IdPath<ProposalId>,
    body: Bytes,
) -> Result<Json<ProposalView>, ApiError> {
    let b: AcceptBody = optional_body(&body)?;
    let edits = b.edits.parse()?;
    let note = optional(b.note, Note::parse)?;
    let accepted = accept_proposal(&api, &me, id, edits, note).await?;
    Ok(Json(proposal(&api.rules.district(), &accepted)))
}

/// A supervisor's acceptance (the API's and the console's): in force here at once, in the
/// request's history and in the audit log.
pub(crate) async fn accept_proposal<S: Store + Cases + RuleBook + Audit>(
    api: &WorkApi<S>,
    me: &Principal,
    id: ProposalId,
    edits: ProposalEdits,
    note: Option<Note>,
) -> Result<ProposedRule, ApiError> {
    let accepted = api.rules.accept(id, edits, me.username.as_str(), note).await.map_err(|e| {
        tracing::info!(proposal.id = %id, user = %me.username, refused = %e, "acceptance refused");
        ApiError::from(e)
    })?;
    audit(api, me, &accepted, "accepted").await;
    Ok(accepted)
}

/// A supervisor's refusal of a proposed rule: in the request's history and the audit log.
pub(crate) async fn decline_proposal<S: Store + Cases + RuleBook + Audit>(
    api: &WorkApi<S>,
    me: &Principal,
    id: ProposalId,
    note: Option<Note>,
) -> Result<ProposedRule, ApiError> {
    let declined = api.rules.decline(id, me.username.as_str(), note).await?;
    audit(api, me, &declined, "declined").await;
    Ok(declined)
}

/// The decision in the audit log too (the request's history has it as `rule_accepted` or
/// `rule_declined`, written with the decision: that is the record, so a failure here is logged).
async fn audit<S: Store + Cases + Audit>(
    api: &WorkApi<S>,
    me: &Principal,
    decided: &ProposedRule,
    verdict: &str,
) {
    let detail = format!("{verdict} (proposal {})", decided.id);
    let rule = decided.rule_id().to_string();
    let entry = AuditEntry::new(
        Some(&me.username),
        AuditAction::RuleDecided,
        &rule,
        &detail,
        jiesu_domain::time::now(),
    );
    if let Err(e) = api.workflow.store().append_audit(&entry).await {
        tracing::error!(error = %e, "a rule decision is stored but not in the audit log");
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeclineBody {
    #[schema(max_length = 2000)]
    note: Option<String>,
}

/// Decline a proposed rule (不予采纳)
///
/// The responsibility list stays as it is; the request's history records `rule_declined`. The
/// body is optional.
///
/// Who: supervisors, admins
#[utoipa::path(
    post, operation_id = "rules_decline", path = "/api/v1/rules/proposed/{id}/decline", tag = "supervisors",
    params(("id" = uuid::Uuid, Path, description = PROPOSAL_ID)), request_body(content = Option<DeclineBody>),
    responses(
        (status = 200, body = ProposalView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn decline<S: Store + Cases + RuleBook + Audit>(
    State(api): Api<S>,
    Supervising(me): Supervising,
    IdPath(id): IdPath<ProposalId>,
    body: Bytes,
) -> Result<Json<ProposalView>, ApiError> {
    let b: DeclineBody = optional_body(&body)?;
    let note = optional(b.note, Note::parse)?;
    let declined = decline_proposal(&api, &me, id, note).await?;
    Ok(Json(proposal(&api.rules.district(), &declined)))
}
