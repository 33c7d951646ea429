//! Task routes: a bureau's list, one task in full, and the actions on it (the progress note,
//! with its photos, is in `progress`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::{Cases, ClockWindow, Cursor, Listing, Store, TaskListing, TaskQuery, split_page};
use jiesu_domain::staff::Principal;
use jiesu_domain::task::TaskState;
use jiesu_domain::workflow::{Case, Command, Note};
use jiesu_workflow::ActError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::WorkApi;
use super::case_view::{self, CaseView};
use super::errors::{optional, required};
use super::extract::{IdPath, JsonBody, QueryOf};
use super::paging::Asked;
use super::view::{self, TaskItem};
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::{InScope, Staff};

pub(super) type Api<S> = State<Arc<WorkApi<S>>>;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Comma-separated states: dispatched, claimed, resolved, disclaim_requested, disclaimed,
    /// released, cancelled.
    state: Option<String>,
    /// Only this bureau's (a bureau's staff cannot widen their view with it).
    bureau: Option<String>,
    /// Only tasks with a clock that has run out and is still running, the longest overdue first
    /// (by the clock that ran out first).
    #[serde(default)]
    overdue: bool,
    /// The previous page's `next`: the page after it, at the same cost however deep (not with
    /// `page`).
    after: Option<String>,
    /// A page number, counted from the top on every call (kept for existing clients; `after`
    /// is the way to walk a long list).
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Rows per page: 50 unless given, at most 200.
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
}

/// A page of tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    pub tasks: Vec<TaskItem>,
    /// The page number asked for (absent for a page asked for with `after`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    pub page_size: u32,
    /// The following page's cursor, to pass as `after`; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// List tasks (任务列表)
///
/// The caller's tasks, newest first (overdue ones the longest overdue first): a bureau's staff
/// see their own bureau's; operators, supervisors and admins see every bureau's (optionally one,
/// with `bureau`). A page's `next`, passed back as `after`, gives the following page.
///
/// Who: everyone, within their scope
#[utoipa::path(
    get, operation_id = "tasks_list", path = "/api/v1/tasks", tag = "tasks", params(ListQuery),
    responses(
        (status = 200, body = TaskList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    ),
)]
pub(super) async fn list<S: Store + Cases>(
    State(api): Api<S>,
    InScope(scope): InScope,
    QueryOf(q): QueryOf<ListQuery>,
) -> Result<Json<TaskList>, ApiError> {
    let mut states = Vec::new();
    for s in q.state.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
        states.push(TaskState::parse(s).ok_or_else(|| {
            let message = format!("unknown task state `{s}`");
            ApiError::new(axum::http::StatusCode::BAD_REQUEST, "invalid_query", message)
        })?);
    }
    let (listing, cursor): (_, fn(&TaskListing) -> Cursor) = if q.overdue {
        (Listing::ByClock, Cursor::of_task_by_clock)
    } else {
        (Listing::Tasks, Cursor::of_task)
    };
    let asked = Asked::read(listing, q.page, q.page_size, q.after.as_deref())?;
    let now = jiesu_domain::time::now();
    let query = TaskQuery {
        states,
        bureau: optional(q.bureau, BureauCode::parse)?,
        clock: q.overdue.then(|| ClockWindow::overdue(now)),
        page: asked.fetch(),
        ..TaskQuery::default()
    };
    let listed = api.workflow.store().list_tasks(&scope, &query).await?;
    let (listed, next) = split_page(listed, asked.size(), listing, cursor);
    let d = api.workflow.district();
    let tasks = listed.iter().map(|l| view::task(&d, &l.task, &l.request, &l.deadlines, now)).collect();
    Ok(Json(TaskList { tasks, page: asked.number, page_size: asked.size(), next }))
}

/// A task with its request in brief and its whole case.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub task: TaskItem,
    pub case: CaseView,
}

pub(crate) async fn task_view<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    id: TaskId,
) -> Result<Json<TaskDetail>, ApiError> {
    let request = api.workflow.task_request(me, id).await?;
    let case = api.workflow.case_for(me, request).await?;
    task_view_of(api, me, id, case).await
}

/// The answer for a task whose case is already loaded (an action's result).
pub(crate) async fn task_view_of<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    id: TaskId,
    case: Case,
) -> Result<Json<TaskDetail>, ApiError> {
    let case = jiesu_workflow::in_scope(me, case)?;
    let events = api.workflow.store().request_events(case.request.submitted.id).await?;
    let d = api.workflow.district();
    let now = jiesu_domain::time::now();
    let task = case.task(id).ok_or_else(|| ApiError::not_found("no such task"))?;
    let task = view::task(&d, task, &case.request, &case.deadlines, now);
    Ok(Json(TaskDetail { task, case: case_view::case(&d, &case, &events, now, me) }))
}

/// One task, with its request, routing explanation and history
///
/// Who: the task's bureau; operators, supervisors, admins
#[utoipa::path(
    get, operation_id = "tasks_show", path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")),
    responses(
        (status = 200, body = TaskDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
)]
pub(super) async fn show<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(id): IdPath<TaskId>,
) -> Result<Json<TaskDetail>, ApiError> {
    task_view(&api, &me, id).await
}

/// Runs a command on the task and answers with the task as it now stands.
pub(super) async fn act<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    id: TaskId,
    command: Command,
) -> Result<Json<TaskDetail>, ApiError> {
    let case = commit(api, me, id, command).await?;
    task_view_of(api, me, id, case).await
}

/// Runs a command on the task, logging a refusal; the case as the command left it.
pub(crate) async fn commit<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    id: TaskId,
    command: Command,
) -> Result<Case, ActError> {
    let outcome = api.workflow.act_on_task(me, id, command).await;
    if let Some(e) = outcome.as_ref().err().filter(|e| !matches!(e, ActError::Store(_))) {
        tracing::info!(task.id = %id, user = %me.username, refused = %e, "task action refused");
    }
    outcome
}

/// Claim (签收)
///
/// Stops the response clock.
///
/// Who: the task's bureau
#[utoipa::path(
    post, operation_id = "tasks_claim", path = "/api/v1/tasks/{id}/claim", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")),
    responses(
        (status = 200, body = TaskDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn claim<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(task): IdPath<TaskId>,
) -> Result<Json<TaskDetail>, ApiError> {
    act(&api, &me, task, Command::Claim { task }).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct ResolveBody {
    /// What was done, shown to the citizen.
    #[schema(max_length = 2000)]
    result: String,
}

/// Resolve (办结)
///
/// The result is shown to the citizen. A lead's resolution resolves the request once every
/// assisting bureau is done.
///
/// Who: the task's bureau
#[utoipa::path(
    post, operation_id = "tasks_resolve", path = "/api/v1/tasks/{id}/resolve", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")), request_body = ResolveBody,
    responses(
        (status = 200, body = TaskDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn resolve<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(task): IdPath<TaskId>,
    JsonBody(b): JsonBody<ResolveBody>,
) -> Result<Json<TaskDetail>, ApiError> {
    let result = required(&b.result, Note::parse)?;
    act(&api, &me, task, Command::Resolve { task, result, photos: Vec::new() }).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct ExtensionBody {
    /// Working days past the resolution deadline.
    #[schema(minimum = 1, maximum = 30)]
    days: u32,
    #[schema(max_length = 2000)]
    reason: String,
}

/// Ask for more time (延期申请)
///
/// Working days past the resolution deadline, for a supervisor to approve.
///
/// Who: the task's bureau
#[utoipa::path(
    post, operation_id = "tasks_extension", path = "/api/v1/tasks/{id}/extension", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")), request_body = ExtensionBody,
    responses(
        (status = 200, body = TaskDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn extension<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(task): IdPath<TaskId>,
    JsonBody(b): JsonBody<ExtensionBody>,
) -> Result<Json<TaskDetail>, ApiError> {
    let reason = required(&b.reason, Note::parse)?;
    act(&api, &me, task, Command::RequestExtension { task, days: b.days, reason }).await
}
