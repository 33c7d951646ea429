//! Disclaims (退单) and their review by the desk, and the release of an assisting bureau.

use axum::Json;
use axum::extract::State;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::{RequestId, TaskId};
use jiesu_domain::ports::{Cases, Store};
use jiesu_domain::staff::Principal;
use jiesu_domain::workflow::{Caller, Command, DisclaimReason, Note};
use serde::Deserialize;
use utoipa::ToSchema;

use super::WorkApi;
use super::case_view::{self, CaseView};
use super::errors::{body, optional, required};
use super::extract::{IdPath, JsonBody};
use super::tasks::{Api, TaskDetail, act};
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::Staff;

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct DisclaimBody {
    /// not_our_function, not_our_area, unclear_ownership, overlapping_duties.
    reason: String,
    #[schema(max_length = 2000)]
    explanation: String,
}

/// Disclaim (退单): not ours
///
/// The lead goes to the next candidate bureau (or waits for the dispatch desk when the district
/// reviews disclaims). A bureau disclaims a request once; a binding task (from a coordination
/// meeting) cannot be disclaimed.
///
/// Who: the task's bureau
#[utoipa::path(
    post, operation_id = "tasks_disclaim", path = "/api/v1/tasks/{id}/disclaim", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")), request_body = DisclaimBody,
    responses(
        (status = 200, body = TaskDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn disclaim<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(task): IdPath<TaskId>,
    JsonBody(b): JsonBody<DisclaimBody>,
) -> Result<Json<TaskDetail>, ApiError> {
    let reason = required(&b.reason, DisclaimReason::parse)?;
    let explanation = required(&b.explanation, Note::parse)?;
    act(&api, &me, task, Command::Disclaim { task, reason, explanation }).await
}

/// An optional note; the body itself may be left out.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(super) struct NoteBody {
    #[schema(max_length = 2000)]
    pub(super) note: Option<String>,
}

/// Let an assisting bureau go
///
/// Answers the request's case.
///
/// Who: the lead bureau; operators
#[utoipa::path(
    post, operation_id = "tasks_release", path = "/api/v1/tasks/{id}/release", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")),
    request_body(content = Option<NoteBody>),
    responses(
        (status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn release<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(task): IdPath<TaskId>,
    b: Result<Json<NoteBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CaseView>, ApiError> {
    let note = optional(body(b).unwrap_or_default().note, Note::parse)?;
    let request = api.workflow.task_request(&me, task).await;
    // The lead bureau releases assists it cannot see as its own tasks: look the task up district-wide
    // only after the workflow has checked that the caller leads the request.
    let request = match request {
        Ok(r) => r,
        Err(_) => lead_visible_request(&api, &me, task).await?,
    };
    api.workflow.act(Caller::Staff(&me), request, Command::ReleaseAssist { task, note }).await?;
    let case = api.workflow.case_for(&me, request).await?;
    let events = api.workflow.store().request_events(request).await?;
    let d = api.workflow.district();
    Ok(Json(case_view::case(&d, &case, &events, jiesu_domain::time::now(), &me)))
}

/// For the lead bureau's staff: the request of an assisting task on a request their bureau
/// leads. Anything else is "not found".
async fn lead_visible_request<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    task: TaskId,
) -> Result<RequestId, ApiError> {
    let not_found = || ApiError::not_found("no such task");
    let all = jiesu_domain::staff::Scope::All;
    let request = api.workflow.store().task_request(task, &all).await?.ok_or_else(not_found)?;
    let case = api.workflow.store().load_case(request).await?.ok_or_else(not_found)?;
    // The lead may have resolved its own share already: it still leads.
    let leads = case.lead().is_some_and(|t| Some(&t.bureau) == me.bureau.as_ref());
    if leads { Ok(request) } else { Err(not_found()) }
}

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct DisclaimReviewBody {
    accept: bool,
    /// The bureau to route to when accepting (else the next candidate).
    to: Option<String>,
    #[schema(max_length = 2000)]
    note: Option<String>,
}

/// Decide a pending disclaim
///
/// Accept (route onward, or to the bureau named in `to`) or reject (the bureau must handle it).
///
/// Who: operators
#[utoipa::path(
    post, operation_id = "tasks_disclaim_review", path = "/api/v1/tasks/{id}/disclaim-review", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")), request_body = DisclaimReviewBody,
    responses(
        (status = 200, body = TaskDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn disclaim_review<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(task): IdPath<TaskId>,
    JsonBody(b): JsonBody<DisclaimReviewBody>,
) -> Result<Json<TaskDetail>, ApiError> {
    let to = optional(b.to, BureauCode::parse)?;
    let note = optional(b.note, Note::parse)?;
    act(&api, &me, task, Command::ReviewDisclaim { task, accept: b.accept, to, note }).await
}
