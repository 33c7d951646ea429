//! Request routes: one request in full and the dispatch desk's decisions on it.

use axum::Json;
use axum::extract::{Path, State};
use jiesu_domain::area::AreaCode;
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{Audit, Cases, Store};
use jiesu_domain::staff::Principal;
use jiesu_domain::workflow::{Caller, Case, Command, Note, Satisfaction};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::WorkApi;
use super::case_view::{self, CaseView};
use super::errors::{optional, required};
use super::escalation_view;
use super::extract::JsonBody;
use super::tasks::Api;
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::Staff;

pub(crate) async fn request_id<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    raw: &str,
) -> Result<RequestId, ApiError> {
    let tracking = TrackingNumber::parse(raw).map_err(|_| ApiError::not_found("no such request"))?;
    Ok(api.workflow.request_for(me, &tracking).await?)
}

pub(crate) async fn case_answer<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    request: RequestId,
) -> Result<Json<CaseView>, ApiError> {
    let case = api.workflow.case_for(me, request).await?;
    case_view_of(api, me, case).await
}

/// The answer for a case already loaded (an action's result): its history and linked briefs.
pub(crate) async fn case_view_of<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    case: Case,
) -> Result<Json<CaseView>, ApiError> {
    let case = jiesu_workflow::in_scope(me, case)?;
    let store = api.workflow.store();
    let events = store.request_events(case.request.submitted.id).await?;
    // A hotspot's linked requests, in brief where the caller may see them.
    let ids = escalation_view::linked_ids(&case.escalations);
    let linked = if ids.is_empty() { Vec::new() } else { store.requests_by_id(&ids).await? };
    let d = api.workflow.district();
    let mut out = case_view::case(&d, &case, &events, jiesu_domain::time::now(), me);
    out.escalations = escalation_view::escalations(&d, &case.escalations, &linked, &me.scope());
    Ok(Json(out))
}

/// One request in full
///
/// Who: bureaus that have (or had) a task on it; operators, supervisors, admins
#[utoipa::path(
    get, operation_id = "requests_show", path = "/api/v1/requests/{tracking}", tag = "dispatch desk",
    params(Tracking),
    responses(
        (status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
)]
pub(super) async fn show<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    let request = request_id(&api, &me, &tracking).await?;
    case_answer(&api, &me, request).await
}

/// The path's tracking number.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct Tracking {
    /// The request's tracking number (工单编号), with or without dashes.
    tracking: String,
}

/// Runs a command on a request and answers with the case as it now stands.
async fn act<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    tracking: &str,
    command: Command,
) -> Result<Json<CaseView>, ApiError> {
    let request = request_id(api, me, tracking).await?;
    let case = api.workflow.act(Caller::Staff(me), request, command).await?;
    case_view_of(api, me, case).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct DispatchBody {
    bureau: Option<String>,
    /// The street or community, when the rules could not place the request.
    area: Option<String>,
    /// The right category (a code of the taxonomy), when the request's was wrong or missing: it
    /// is recorded and the request routed again.
    category: Option<String>,
    #[schema(max_length = 2000)]
    note: Option<String>,
}

/// Dispatch from the desk (人工分拨)
///
/// For a request waiting at the desk or escalated: to the named bureau, or by the rules once
/// `area` is known.
///
/// Who: operators
#[utoipa::path(
    post, operation_id = "requests_dispatch", path = "/api/v1/requests/{tracking}/dispatch",
    tag = "dispatch desk", params(Tracking), request_body = DispatchBody,
    responses(
        (status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn dispatch<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    JsonBody(b): JsonBody<DispatchBody>,
) -> Result<Json<CaseView>, ApiError> {
    let command = Command::Dispatch {
        bureau: optional(b.bureau, BureauCode::parse)?,
        area: optional(b.area, AreaCode::parse)?,
        category: optional(b.category, CategoryCode::parse)?,
        note: optional(b.note, Note::parse)?,
    };
    act(&api, &me, &tracking, command).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct BureauBody {
    bureau: String,
    #[schema(max_length = 2000)]
    note: Option<String>,
}

/// Transfer the lead (改派)
///
/// Who: operators
#[utoipa::path(
    post, operation_id = "requests_transfer", path = "/api/v1/requests/{tracking}/transfer",
    tag = "dispatch desk", params(Tracking), request_body = BureauBody,
    responses(
        (status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn transfer<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    JsonBody(b): JsonBody<BureauBody>,
) -> Result<Json<CaseView>, ApiError> {
    let to = required(&b.bureau, BureauCode::parse)?;
    act(&api, &me, &tracking, Command::Transfer { to, note: optional(b.note, Note::parse)? }).await
}

/// Add an assisting bureau (协办)
///
/// Who: the lead bureau; operators
#[utoipa::path(
    post, operation_id = "requests_add_assist", path = "/api/v1/requests/{tracking}/assists",
    tag = "dispatch desk", params(Tracking), request_body = BureauBody,
    responses(
        (status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn add_assist<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    JsonBody(b): JsonBody<BureauBody>,
) -> Result<Json<CaseView>, ApiError> {
    let bureau = required(&b.bureau, BureauCode::parse)?;
    act(&api, &me, &tracking, Command::AddAssist { bureau, note: optional(b.note, Note::parse)? }).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct ReviewBody {
    pub(super) approve: bool,
    #[schema(max_length = 2000)]
    pub(super) note: Option<String>,
}

/// Closure review (结案审核)
///
/// Approve (the return visit follows) or send the result back to the lead.
///
/// Who: operators
#[utoipa::path(
    post, operation_id = "requests_review", path = "/api/v1/requests/{tracking}/review",
    tag = "dispatch desk", params(Tracking), request_body = ReviewBody,
    responses(
        (status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn review<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    JsonBody(b): JsonBody<ReviewBody>,
) -> Result<Json<CaseView>, ApiError> {
    let command = Command::ReviewResolution { approve: b.approve, note: optional(b.note, Note::parse)? };
    act(&api, &me, &tracking, command).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct VisitBody {
    solved: bool,
    /// satisfied, basically_satisfied, dissatisfied.
    satisfaction: Option<String>,
    /// The citizen's rating, 1 to 5 stars, where they gave one.
    #[schema(minimum = 1, maximum = 5)]
    stars: Option<u8>,
    #[schema(max_length = 2000)]
    comment: Option<String>,
}

/// Record a return visit by phone (电话回访)
///
/// Solved closes the request; not solved reopens it to the same lead bureau.
///
/// Who: operators
#[utoipa::path(
    post, operation_id = "requests_visit", path = "/api/v1/requests/{tracking}/visit", tag = "dispatch desk",
    params(Tracking), request_body = VisitBody,
    responses(
        (status = 200, body = CaseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ),
)]
pub(super) async fn visit<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    JsonBody(b): JsonBody<VisitBody>,
) -> Result<Json<CaseView>, ApiError> {
    let command = Command::RecordVisit {
        solved: b.solved,
        satisfaction: optional(b.satisfaction, Satisfaction::parse)?,
        stars: b
            .stars
            .map(jiesu_domain::workflow::Stars::new)
            .transpose()
            .map_err(|e| crate::work::errors::invalid(&e))?,
        comment: optional(b.comment, Note::parse)?,
    };
    act(&api, &me, &tracking, command).await
}

/// The caller's full phone number.
#[derive(Debug, Serialize, ToSchema)]
pub struct Phone {
    pub phone: Option<String>,
}

/// Read the caller's full phone number (查看来电号码)
///
/// For the desk's call back and return visit by phone, and the lead bureau's call from the
/// field: staff pages show a phone's first three digits only. Every reading is recorded as a
/// `phone_revealed` event in the request's history (who, when). A request without a phone
/// answers 404.
///
/// Who: operators; the staff of the bureau now leading the request, unless the caller asked for
/// confidentiality
#[utoipa::path(
    post, operation_id = "requests_reveal_phone", path = "/api/v1/requests/{tracking}/reveal-phone",
    tag = "dispatch desk", params(Tracking),
    responses(
        (status = 200, body = Phone), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
)]
pub(super) async fn reveal_phone<S: Store + Cases + Audit>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
) -> Result<Json<Phone>, ApiError> {
    let request = request_id(&api, &me, &tracking).await?;
    let phone = reveal(&api, &me, request).await?;
    Ok(Json(Phone { phone }))
}

/// Reads the caller's number for `me` (the API's and both pages' one way to): the workflow
/// decides whether `me` may and writes the `phone_revealed` event into the request's history in
/// its transaction; the reading then goes into the audit log as well, where administrators review
/// every reading across requests. The history is the record: an audit entry that cannot be
/// written is logged, and the number is still shown.
pub(crate) async fn reveal<S: Store + Cases + Audit>(
    api: &WorkApi<S>,
    me: &Principal,
    request: RequestId,
) -> Result<Option<String>, ApiError> {
    let case = api.workflow.act(Caller::Staff(me), request, Command::RevealPhone).await?;
    let tracking = case.request.submitted.tracking.as_str();
    let entry = AuditEntry::new(
        Some(&me.username),
        AuditAction::PhoneRevealed,
        tracking,
        "",
        jiesu_domain::time::now(),
    );
    if let Err(e) = api.workflow.store().append_audit(&entry).await {
        tracing::error!(error = %e, "a phone reading is in the history but not in the audit log");
    }
    Ok(case.request.submitted.contact.phone.as_ref().map(|p| p.expose().to_owned()))
}
