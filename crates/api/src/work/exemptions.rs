//! Appeals (申诉) and final replies (最终答复): the bureau answering for a request asks, from its
//! task; a supervisor grants or refuses with a note. Granted, the request leaves the bureau's
//! rates (an approved final reply also closes it); the decision is in the request's history and
//! the audit log.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::district::District;
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::{Audit, Cases, Store};
use jiesu_domain::staff::Principal;
use jiesu_domain::workflow::{Caller, Case, Command, Exemption, ExemptionId, Note, VisitId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::WorkApi;
use super::case_view::CaseView;
use super::errors::required;
use super::extract::{IdPath, JsonBody};
use super::requests::case_view_of;
use super::tasks::{Api, TaskDetail, act};
use super::view::{self, Bureau};
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::{Staff, Supervising};

/// An appeal or a final reply, and its decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExemptionView {
    pub id: String,
    pub task_id: String,
    pub bureau: Bureau,
    /// appeal (申诉) or final_reply (最终答复).
    pub kind: String,
    /// The return visit appealed.
    pub visit_id: Option<String>,
    /// The appeal's reasons, or the final reply's text.
    pub reason: String,
    /// Evidence photos.
    pub photos: Vec<String>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    /// pending, granted or refused.
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

pub(crate) fn exemption(d: &District, e: &Exemption) -> ExemptionView {
    ExemptionView {
        id: e.id.to_string(),
        task_id: e.task_id.to_string(),
        bureau: view::bureau(d, &e.bureau),
        kind: e.kind.as_str().to_owned(),
        visit_id: e.visit.map(|v| v.to_string()),
        reason: e.reason.as_str().to_owned(),
        photos: e.photos.iter().map(|p| p.as_str().to_owned()).collect(),
        requested_by: e.requested_by.clone(),
        requested_at: e.requested_at,
        state: e.state.as_str().to_owned(),
        decided_by: e.decision.as_ref().map(|y| y.by.clone()),
        decided_at: e.decision.as_ref().map(|y| y.at),
        note: e.decision.as_ref().and_then(|y| y.note.as_ref()).map(|n| n.as_str().to_owned()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AppealBody {
    /// The return visit appealed (a 不满意 or "not solved" one).
    visit_id: uuid::Uuid,
    /// Why the visit is unfair, and the evidence.
    #[schema(max_length = 2000)]
    reason: String,
}

/// Appeal a return visit (申诉)
///
/// The bureau answering for the request holds a 不满意 or "not solved" return visit unfair; a
/// supervisor upholds (the request leaves the bureau's rates) or rejects it. Photos of the
/// evidence go through the case page's form.
///
/// Who: the task's bureau, when it answers for the request
#[utoipa::path(
    post, operation_id = "tasks_appeal", path = "/api/v1/tasks/{id}/appeal", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")), request_body = AppealBody,
    responses(
        (status = 200, body = TaskDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn appeal<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(task): IdPath<TaskId>,
    JsonBody(b): JsonBody<AppealBody>,
) -> Result<Json<TaskDetail>, ApiError> {
    let reason = required(&b.reason, Note::parse)?;
    let visit = VisitId::from_uuid(b.visit_id);
    act(&api, &me, task, Command::Appeal { task, visit, reason, photos: Vec::new() }).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct FinalReplyBody {
    /// The reply, as the citizen will read it.
    #[schema(max_length = 2000)]
    reply: String,
}

/// Propose a final reply (最终答复)
///
/// The lead bureau's last word on an unreasonable repeat demand, while it handles the request;
/// approved by a supervisor, it closes the request and leaves it out of the bureau's rates.
///
/// Who: the task's bureau, on its claimed lead task
#[utoipa::path(
    post, operation_id = "tasks_final_reply", path = "/api/v1/tasks/{id}/final-reply", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")), request_body = FinalReplyBody,
    responses(
        (status = 200, body = TaskDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn final_reply<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(task): IdPath<TaskId>,
    JsonBody(b): JsonBody<FinalReplyBody>,
) -> Result<Json<TaskDetail>, ApiError> {
    let reply = required(&b.reply, Note::parse)?;
    act(&api, &me, task, Command::ProposeFinalReply { task, reply, photos: Vec::new() }).await
}

/// Appeals and final replies waiting for a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingExemptions {
    pub exemptions: Vec<ExemptionView>,
}

/// Appeals and final replies to decide
///
/// Oldest first, at most 200.
///
/// Who: supervisors, admins
#[utoipa::path(
    get, operation_id = "exemptions_pending", path = "/api/v1/exemptions", tag = "supervisors",
    responses(
        (status = 200, body = PendingExemptions), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn pending<S: Store + Cases>(
    State(api): Api<S>,
    Supervising(_): Supervising,
) -> Result<Json<PendingExemptions>, ApiError> {
    let pending = api.workflow.store().pending_exemptions(200).await?;
    let d = api.workflow.district();
    Ok(Json(PendingExemptions { exemptions: pending.iter().map(|e| exemption(&d, e)).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ExemptionDecisionBody {
    /// Uphold the appeal or approve the final reply.
    grant: bool,
    /// Why; required either way, kept with the decision.
    #[schema(max_length = 2000)]
    note: String,
}

/// Decide an appeal or a final reply
///
/// Granted, the request leaves the bureau's rates (recorded), and a final reply closes it.
///
/// Who: supervisors, admins
#[utoipa::path(
    post, operation_id = "exemptions_decide", path = "/api/v1/exemptions/{id}/decision",
    tag = "supervisors", params(("id" = uuid::Uuid, Path, description = "The appeal's or final reply's id.")),
    request_body = ExemptionDecisionBody,
    responses(
        (status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn decide_endpoint<S: Store + Cases + Audit>(
    State(api): Api<S>,
    Supervising(me): Supervising,
    IdPath(id): IdPath<ExemptionId>,
    JsonBody(b): JsonBody<ExemptionDecisionBody>,
) -> Result<Json<CaseView>, ApiError> {
    let note = required(&b.note, Note::parse)?;
    let case = decide(&api, &me, id, b.grant, note).await?;
    case_view_of(&api, &me, case).await
}

/// A supervisor's decision, from the API or the console: in the request's history (written with
/// it) and the audit log.
pub(crate) async fn decide<S: Store + Cases + Audit>(
    api: &WorkApi<S>,
    me: &Principal,
    id: ExemptionId,
    grant: bool,
    note: Note,
) -> Result<Case, ApiError> {
    let store = api.workflow.store();
    let request =
        store.exemption_request(id).await?.ok_or_else(|| ApiError::not_found("no such exemption"))?;
    let command = Command::DecideExemption { exemption: id, grant, note };
    let case = api.workflow.act(Caller::Staff(me), request, command).await?;
    let kind = case.exemptions.iter().find(|e| e.id == id).map(|e| e.kind.as_str()).unwrap_or_default();
    let verdict = if grant { "granted" } else { "refused" };
    let entry = AuditEntry::new(
        Some(&me.username),
        AuditAction::ExemptionDecided,
        case.request.submitted.tracking.as_str(),
        &format!("{kind} {verdict} ({id})"),
        jiesu_domain::time::now(),
    );
    if let Err(e) = store.append_audit(&entry).await {
        tracing::error!(error = %e, "an exemption decision is stored but not in the audit log");
    }
    Ok(case)
}
