//! The dispatch desk's queues and the supervisors' extensions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiesu_domain::ports::{Cases, Cursor, Listing, Store, split_page};
use jiesu_domain::request::RequestStatus;
use jiesu_domain::workflow::{Caller, Command, ExtensionId, Note};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::case_view::{self, CaseView, ExtensionView};
use super::errors::optional;
use super::extract::{IdPath, JsonBody, QueryOf};
use super::paging::Asked;
use super::requests::{ReviewBody, case_view_of};
use super::tasks::Api;
use super::view::{self, Bureau, RequestBrief};
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::{DistrictWide, Supervising};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DeskQuery {
    /// `dispatch` (awaiting dispatch), `escalated`, `review` (resolved, for closure review),
    /// `visit` (reviewed, for the return visit); default: dispatch.
    queue: Option<String>,
    /// The previous page's `next`: the page after it, at the same cost however deep (not with
    /// `page`).
    after: Option<String>,
    /// A page number, counted from the top on every call (kept for existing clients).
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Rows per page: 50 unless given, at most 200.
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
}

/// A request in a desk queue, with its lead bureau.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeskRequest {
    #[serde(flatten)]
    pub request: RequestBrief,
    pub lead: Option<Bureau>,
}

/// A page of a desk queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeskPage {
    pub requests: Vec<DeskRequest>,
    /// The page number asked for (absent for a page asked for with `after`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    pub page_size: u32,
    /// The following page's cursor, to pass as `after`; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The dispatch desk's queues
///
/// Least recently changed first. A page's `next`, passed back as `after`, gives the following
/// page.
///
/// Who: operators, supervisors, admins
#[utoipa::path(
    get, operation_id = "desk_queue", path = "/api/v1/desk", tag = "dispatch desk", params(DeskQuery),
    responses(
        (status = 200, body = DeskPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn desk<S: Store + Cases>(
    State(api): Api<S>,
    DistrictWide(_): DistrictWide,
    QueryOf(q): QueryOf<DeskQuery>,
) -> Result<Json<DeskPage>, ApiError> {
    let statuses = match q.queue.as_deref().unwrap_or("dispatch") {
        "dispatch" => [RequestStatus::AwaitingDispatch],
        "escalated" => [RequestStatus::Escalated],
        "review" => [RequestStatus::Resolved],
        "visit" => [RequestStatus::Reviewed],
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("unknown queue `{other}` (dispatch, escalated, review, visit)"),
            ));
        }
    };
    let asked = Asked::read(Listing::Desk, q.page, q.page_size, q.after.as_deref())?;
    let views = api.workflow.store().requests_in_status(&statuses, asked.fetch()).await?;
    let (views, next) = split_page(views, asked.size(), Listing::Desk, Cursor::of_desk_request);
    let d = api.workflow.district();
    let requests = views
        .iter()
        .map(|v| DeskRequest {
            request: view::request_brief(&d, &v.request),
            lead: jiesu_domain::task::current_lead(&v.tasks).map(|t| view::bureau(&d, &t.bureau)),
        })
        .collect();
    Ok(Json(DeskPage { requests, page: asked.number, page_size: asked.size(), next }))
}

/// Extensions waiting for a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingExtensions {
    pub extensions: Vec<ExtensionView>,
}

/// Extensions waiting for a decision
///
/// Who: supervisors, admins
#[utoipa::path(
    get, operation_id = "desk_extensions", path = "/api/v1/extensions", tag = "supervisors",
    responses(
        (status = 200, body = PendingExtensions), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn extensions<S: Store + Cases>(
    State(api): Api<S>,
    Supervising(_): Supervising,
) -> Result<Json<PendingExtensions>, ApiError> {
    let pending = api.workflow.store().pending_extensions(200).await?;
    let d = api.workflow.district();
    Ok(Json(PendingExtensions { extensions: pending.iter().map(|e| case_view::extension(&d, e)).collect() }))
}

/// Approve or refuse an extension
///
/// Approval moves the task's resolution deadline by the working days asked for.
///
/// Who: supervisors, admins
#[utoipa::path(
    post, operation_id = "desk_decide_extension", path = "/api/v1/extensions/{id}/decision",
    tag = "supervisors", params(("id" = uuid::Uuid, Path, description = "The extension's id.")),
    request_body = ReviewBody,
    responses(
        (status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn decide_extension<S: Store + Cases>(
    State(api): Api<S>,
    Supervising(me): Supervising,
    IdPath(extension): IdPath<ExtensionId>,
    JsonBody(b): JsonBody<ReviewBody>,
) -> Result<Json<CaseView>, ApiError> {
    let not_found = || ApiError::not_found("no such extension");
    let request = api.workflow.store().extension_request(extension).await?.ok_or_else(not_found)?;
    let command =
        Command::DecideExtension { extension, approve: b.approve, note: optional(b.note, Note::parse)? };
    let case = api.workflow.act(Caller::Staff(&me), request, command).await?;
    case_view_of(&api, &me, case).await
}
