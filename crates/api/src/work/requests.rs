//! Request routes: one request in full, the dispatch desk's queues and decisions, and the
//! supervisors' extensions.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{Cases, Store};
use jiesu_domain::request::RequestStatus;
use jiesu_domain::staff::{Principal, StaffRole};
use jiesu_domain::workflow::{Caller, Command, ExtensionId, Note, Satisfaction};

use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{act_error, body, optional, required, store_error};
use super::{WorkApi, escalation_view, view};
use crate::ApiError;
use crate::staff::{Staff, require_role};

type Api<S> = State<Arc<WorkApi<S>>>;

async fn request_id<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    raw: &str,
) -> Result<RequestId, ApiError> {
    let tracking = TrackingNumber::parse(raw).map_err(|_| ApiError::not_found("no such request"))?;
    api.workflow.request_for(me, &tracking).await.map_err(act_error)
}

async fn case_view<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    request: RequestId,
) -> Result<Json<Value>, ApiError> {
    let case = api.workflow.case_for(me, request).await.map_err(act_error)?;
    let store = api.workflow.store();
    let events = store.request_events(request).await.map_err(store_error)?;
    // A hotspot's linked requests, in brief where the caller may see them.
    let ids = escalation_view::linked_ids(&case.escalations);
    let linked =
        if ids.is_empty() { Vec::new() } else { store.requests_by_id(&ids).await.map_err(store_error)? };
    let d = api.workflow.district();
    let mut out = view::case(&d, &case, &events, jiesu_domain::time::now(), me);
    out["escalations"] = escalation_view::escalations(&d, &case.escalations, &linked, &me.scope());
    Ok(Json(out))
}

pub(super) async fn show<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let request = request_id(&api, &me, &tracking).await?;
    case_view(&api, &me, request).await
}

/// Runs a command on a request and answers with the case as it now stands.
async fn act<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    tracking: &str,
    command: Command,
) -> Result<Json<Value>, ApiError> {
    let request = request_id(api, me, tracking).await?;
    api.workflow.act(Caller::Staff(me), request, command).await.map_err(act_error)?;
    case_view(api, me, request).await
}

#[derive(Debug, Deserialize)]
pub(super) struct DeskQuery {
    /// `dispatch` (awaiting dispatch), `escalated`, `review` (resolved, for closure review),
    /// `visit` (reviewed, for the return visit); default: dispatch.
    queue: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

pub(super) async fn desk<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    q: Result<Query<DeskQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    require_role(&me, &[StaffRole::Operator, StaffRole::Supervisor, StaffRole::Admin])?;
    let Query(q) = q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
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
    let page = q.page.unwrap_or(1).max(1);
    let page_size = q.page_size.unwrap_or(50).clamp(1, 200);
    let views = api
        .workflow
        .store()
        .requests_in_status(&statuses, page_size, (page - 1) * page_size)
        .await
        .map_err(store_error)?;
    let d = api.workflow.district();
    let requests: Vec<Value> = views
        .iter()
        .map(|v| {
            let mut r = view::request_brief(&d, &v.request);
            r["lead"] =
                jiesu_domain::task::current_lead(&v.tasks).map(|t| view::bureau(&d, &t.bureau)).into();
            r
        })
        .collect();
    Ok(Json(json!({ "requests": requests, "page": page, "page_size": page_size })))
}

#[derive(Debug, Deserialize)]
pub(super) struct DispatchBody {
    bureau: Option<String>,
    area: Option<String>,
    note: Option<String>,
}

pub(super) async fn dispatch<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    b: Result<Json<DispatchBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = body(b)?;
    let command = Command::Dispatch {
        bureau: optional(b.bureau, BureauCode::parse)?,
        area: optional(b.area, AreaCode::parse)?,
        note: optional(b.note, Note::parse)?,
    };
    act(&api, &me, &tracking, command).await
}

#[derive(Debug, Deserialize)]
pub(super) struct BureauBody {
    bureau: String,
    note: Option<String>,
}

pub(super) async fn transfer<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    b: Result<Json<BureauBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = body(b)?;
    let to = required(&b.bureau, BureauCode::parse)?;
    act(&api, &me, &tracking, Command::Transfer { to, note: optional(b.note, Note::parse)? }).await
}

pub(super) async fn add_assist<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    b: Result<Json<BureauBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = body(b)?;
    let bureau = required(&b.bureau, BureauCode::parse)?;
    act(&api, &me, &tracking, Command::AddAssist { bureau, note: optional(b.note, Note::parse)? }).await
}

#[derive(Debug, Deserialize)]
pub(super) struct ReviewBody {
    approve: bool,
    note: Option<String>,
}

pub(super) async fn review<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    b: Result<Json<ReviewBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = body(b)?;
    let command = Command::ReviewResolution { approve: b.approve, note: optional(b.note, Note::parse)? };
    act(&api, &me, &tracking, command).await
}

#[derive(Debug, Deserialize)]
pub(super) struct VisitBody {
    solved: bool,
    satisfaction: Option<String>,
    comment: Option<String>,
}

/// A return visit by phone, recorded by an operator.
pub(super) async fn visit<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
    b: Result<Json<VisitBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = body(b)?;
    let command = Command::RecordVisit {
        solved: b.solved,
        satisfaction: optional(b.satisfaction, Satisfaction::parse)?,
        comment: optional(b.comment, Note::parse)?,
    };
    act(&api, &me, &tracking, command).await
}

/// `reveal-phone`: the caller's full number, for an operator's return visit by phone. Every
/// reading is an event in the request's history (who and when); other roles are refused.
pub(super) async fn reveal_phone<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(tracking): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let request = request_id(&api, &me, &tracking).await?;
    api.workflow.act(Caller::Staff(&me), request, Command::RevealPhone).await.map_err(act_error)?;
    let case = api.workflow.case_for(&me, request).await.map_err(act_error)?;
    let phone = case.request.submitted.contact.phone.as_ref().map(|p| p.expose().to_owned());
    Ok(Json(json!({ "phone": phone })))
}

pub(super) async fn extensions<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
) -> Result<Json<Value>, ApiError> {
    require_role(&me, &[StaffRole::Supervisor, StaffRole::Admin])?;
    let pending = api.workflow.store().pending_extensions(200).await.map_err(store_error)?;
    let d = api.workflow.district();
    Ok(Json(json!({ "extensions": pending.iter().map(|e| view::extension(&d, e)).collect::<Vec<_>>() })))
}

pub(super) async fn decide_extension<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    b: Result<Json<ReviewBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    require_role(&me, &[StaffRole::Supervisor, StaffRole::Admin])?;
    let not_found = || ApiError::not_found("no such extension");
    let extension = id.parse::<uuid::Uuid>().map(ExtensionId::from_uuid).map_err(|_| not_found())?;
    let b = body(b)?;
    let request = api
        .workflow
        .store()
        .extension_request(extension)
        .await
        .map_err(store_error)?
        .ok_or_else(not_found)?;
    let command =
        Command::DecideExtension { extension, approve: b.approve, note: optional(b.note, Note::parse)? };
    api.workflow.act(Caller::Staff(&me), request, command).await.map_err(act_error)?;
    case_view(&api, &me, request).await
}
