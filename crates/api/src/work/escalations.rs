//! Escalation routes: supervisors list and open escalations, and dismiss those that need no
//! action (meetings are in `meetings`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiesu_domain::escalation::{EscalationId, EscalationState, Trigger};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{Cases, Cursor, EscalationQuery, Escalations, Listing, Store, split_page};
use jiesu_domain::staff::{Principal, Scope};
use jiesu_domain::workflow::{Caller, Command, Note};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::WorkApi;
use super::case_view::{self, CaseView};
use super::disclaims::NoteBody;
use super::errors::{body, optional};
use super::escalation_view::{self, EscalationView};
use super::extract::{IdPath, QueryOf};
use super::paging::Asked;
use super::tasks::Api;
use super::view::{self, RequestBrief};
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::{DistrictWide, Supervising};

pub(super) fn bad_query(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
}

fn list_of<T>(raw: Option<&str>, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<Vec<T>, ApiError> {
    raw.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| bad_query(format!("unknown {what} `{s}`"))))
        .collect()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct EscalationListQuery {
    /// Comma-separated: exhausted, ping_pong, deadline_missed, hotspot, desk_overdue.
    trigger: Option<String>,
    /// Comma-separated: open, meeting_called, decided, resolved, dismissed.
    state: Option<String>,
    older_than_hours: Option<i64>,
    /// Comma-separated: district, street, community, grid.
    level: Option<String>,
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

/// An escalation with its request in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationItem {
    #[serde(flatten)]
    pub escalation: EscalationView,
    pub request: RequestBrief,
}

/// A page of escalations.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationList {
    pub escalations: Vec<EscalationItem>,
    /// The page number asked for (absent for a page asked for with `after`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    pub page_size: u32,
    /// The following page's cursor, to pass as `after`; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// List escalations (升级事项)
///
/// Oldest first, each with its request. A page's `next`, passed back as `after`, gives the
/// following page.
///
/// Who: operators, supervisors, admins
#[utoipa::path(
    get, operation_id = "escalations_list", path = "/api/v1/escalations", tag = "supervisors",
    params(EscalationListQuery),
    responses(
        (status = 200, body = EscalationList), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn list<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    DistrictWide(_): DistrictWide,
    QueryOf(q): QueryOf<EscalationListQuery>,
) -> Result<Json<EscalationList>, ApiError> {
    let now = jiesu_domain::time::now();
    let asked = Asked::read(Listing::Escalations, q.page, q.page_size, q.after.as_deref())?;
    let query = EscalationQuery {
        triggers: list_of(q.trigger.as_deref(), Trigger::parse, "trigger")?,
        states: list_of(q.state.as_deref(), EscalationState::parse, "state")?,
        levels: list_of(q.level.as_deref(), jiesu_domain::area::AreaLevel::parse, "level")?,
        opened_before: q.older_than_hours.map(|h| now - chrono::Duration::hours(h.max(0))),
        page: asked.fetch(),
    };
    let found = api.workflow.store().list_escalations(&query).await?;
    let (found, next) =
        split_page(found, asked.size(), Listing::Escalations, |(e, _)| Cursor::of_escalation(e));
    let d = api.workflow.district();
    let escalations = found
        .iter()
        .map(|(e, r)| EscalationItem {
            escalation: escalation_view::escalation(&d, e, &[], &Scope::All),
            request: view::request_brief(&d, r),
        })
        .collect();
    Ok(Json(EscalationList { escalations, page: asked.number, page_size: asked.size(), next }))
}

/// The whole case of a request, seen by a district-wide role.
async fn whole_case<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    request: RequestId,
) -> Result<CaseView, ApiError> {
    let not_found = || ApiError::not_found("no such request");
    let case = api.workflow.store().load_case(request).await?.ok_or_else(not_found)?;
    let events = api.workflow.store().request_events(request).await?;
    let d = api.workflow.district();
    Ok(case_view::case(&d, &case, &events, jiesu_domain::time::now(), me))
}

/// An escalation with its request's whole case.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationDetail {
    #[serde(flatten)]
    pub escalation: EscalationView,
    pub case: CaseView,
}

/// One escalation, with its request's whole case and history
///
/// Who: operators, supervisors, admins
#[utoipa::path(
    get, operation_id = "escalations_show", path = "/api/v1/escalations/{id}", tag = "supervisors",
    params(("id" = uuid::Uuid, Path, description = "The escalation's id.")),
    responses(
        (status = 200, body = EscalationDetail), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
)]
pub(super) async fn show<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    DistrictWide(me): DistrictWide,
    IdPath(id): IdPath<EscalationId>,
) -> Result<Json<EscalationDetail>, ApiError> {
    let not_found = || ApiError::not_found("no such escalation");
    let request = api.workflow.store().escalation_request(id).await?.ok_or_else(not_found)?;
    let case = whole_case(&api, &me, request).await?;
    let id = id.to_string();
    let escalation = case.escalations.iter().find(|e| e.id == id).cloned().ok_or_else(not_found)?;
    Ok(Json(EscalationDetail { escalation, case }))
}

/// Close an escalation without action
///
/// Who: supervisors, admins
#[utoipa::path(
    post, operation_id = "escalations_dismiss", path = "/api/v1/escalations/{id}/dismiss",
    tag = "supervisors", params(("id" = uuid::Uuid, Path, description = "The escalation's id.")),
    request_body(content = Option<NoteBody>),
    responses(
        (status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
)]
pub(super) async fn dismiss<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Supervising(me): Supervising,
    IdPath(escalation): IdPath<EscalationId>,
    b: Result<Json<NoteBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CaseView>, ApiError> {
    let note = optional(body(b).unwrap_or_default().note, Note::parse)?;
    let not_found = || ApiError::not_found("no such escalation");
    let request = api.workflow.store().escalation_request(escalation).await?.ok_or_else(not_found)?;
    api.workflow.act(Caller::Staff(&me), request, Command::DismissEscalation { escalation, note }).await?;
    Ok(Json(whole_case(&api, &me, request).await?))
}
