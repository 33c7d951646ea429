//! Meeting routes: everyone sees the meetings their bureau convenes or is invited to and
//! confirms attendance; the convener (or the dispatch desk, or a supervisor) reschedules and
//! records the decision.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::escalation::{Meeting, MeetingId, Share};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{Cases, Escalations, Store};
use jiesu_domain::staff::Principal;
use jiesu_domain::workflow::{Caller, Command, DecisionInput, Note};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::WorkApi;
use super::errors::{invalid, required};
use super::escalation_view::{self, MeetingView};
use super::escalations::bad_query;
use super::extract::{IdPath, JsonBody, QueryOf};
use super::tasks::Api;
use super::view::{self, RequestBrief};
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::{DistrictWide, Staff};

/// Whether the staff member may see the meeting: district-wide roles, and the staff of the
/// convener and of every invited bureau.
pub(crate) fn may_see(me: &Principal, m: &Meeting) -> bool {
    me.is(DistrictWide::ROLES)
        || me.bureau.as_ref().is_some_and(|b| *b == m.convener || m.invitee(b).is_some())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct MeetingListQuery {
    /// `YYYY-MM-DD`, district time; default: a week ago.
    #[param(format = Date)]
    from: Option<String>,
    /// `YYYY-MM-DD`, exclusive; default: a month ahead.
    #[param(format = Date)]
    to: Option<String>,
}

/// Meetings in a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingList {
    pub meetings: Vec<MeetingView>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

fn day(raw: Option<&str>, default: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let Some(raw) = raw else { return Ok(default) };
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| bad_query(format!("`{raw}` is not YYYY-MM-DD")))?;
    Ok(jiesu_domain::time::local_midnight(date))
}

/// Coordination meetings by date (协调会)
///
/// Meetings scheduled in [from, to), by time. District-wide roles see all; a bureau's staff see
/// those their bureau convenes or is invited to.
#[utoipa::path(
    get, operation_id = "meetings_list", path = "/api/v1/meetings", tag = "meetings",
    params(MeetingListQuery),
    responses(
        (status = 200, body = MeetingList), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
    ),
)]
pub(super) async fn list<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    QueryOf(q): QueryOf<MeetingListQuery>,
) -> Result<Json<MeetingList>, ApiError> {
    let now = jiesu_domain::time::now();
    let from = day(q.from.as_deref(), now - chrono::Duration::days(7))?;
    let to = day(q.to.as_deref(), now + chrono::Duration::days(31))?;
    let found = api.workflow.store().meetings_between(from, to, 500).await?;
    let d = api.workflow.district();
    let meetings =
        found.iter().filter(|m| may_see(&me, m)).map(|m| escalation_view::meeting(&d, m)).collect();
    Ok(Json(MeetingList { meetings, from, to }))
}

/// The meeting, if the staff member may see it (else "not found").
async fn visible<S: Store + Cases + Escalations>(
    api: &WorkApi<S>,
    me: &Principal,
    id: MeetingId,
) -> Result<(RequestId, Meeting), ApiError> {
    let not_found = || ApiError::not_found("no such meeting");
    let request = api.workflow.store().meeting_request(id).await?.ok_or_else(not_found)?;
    let case = api.workflow.store().load_case(request).await?.ok_or_else(not_found)?;
    let m = case.meetings.into_iter().find(|m| m.id == id).ok_or_else(not_found)?;
    if may_see(me, &m) { Ok((request, m)) } else { Err(not_found()) }
}

/// A meeting with its request in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: MeetingView,
    pub request: Option<RequestBrief>,
}

pub(crate) async fn meeting_view<S: Store + Cases + Escalations>(
    api: &WorkApi<S>,
    me: &Principal,
    id: MeetingId,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (request, m) = visible(api, me, id).await?;
    let case = api.workflow.store().load_case(request).await?;
    let d = api.workflow.district();
    let request = case.map(|c| view::request_brief(&d, &c.request));
    Ok(Json(MeetingDetail { meeting: escalation_view::meeting(&d, &m), request }))
}

const MEETING_ID: &str = "The meeting's id.";

/// One meeting: invitees, agenda, decision
///
/// Who: district-wide roles; the convener's and invitees' staff
#[utoipa::path(
    get, operation_id = "meetings_show", path = "/api/v1/meetings/{id}", tag = "meetings",
    params(("id" = uuid::Uuid, Path, description = MEETING_ID)),
    responses(
        (status = 200, body = MeetingDetail), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
)]
pub(super) async fn show<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(id): IdPath<MeetingId>,
) -> Result<Json<MeetingDetail>, ApiError> {
    meeting_view(&api, &me, id).await
}

pub(crate) async fn act_on_meeting<S: Store + Cases + Escalations>(
    api: &WorkApi<S>,
    me: &Principal,
    id: MeetingId,
    command: Command,
) -> Result<Json<MeetingDetail>, ApiError> {
    let (request, _) = visible(api, me, id).await?;
    api.workflow.act(Caller::Staff(me), request, command).await?;
    meeting_view(api, me, id).await
}

/// Confirm attendance (确认参会)
///
/// Who: the staff of an invited bureau
#[utoipa::path(
    post, operation_id = "meetings_confirm", path = "/api/v1/meetings/{id}/confirm", tag = "meetings",
    params(("id" = uuid::Uuid, Path, description = MEETING_ID)),
    responses(
        (status = 200, body = MeetingDetail), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    ),
)]
pub(super) async fn confirm<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(meeting): IdPath<MeetingId>,
) -> Result<Json<MeetingDetail>, ApiError> {
    act_on_meeting(&api, &me, meeting, Command::ConfirmMeeting { meeting }).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct RescheduleBody {
    #[schema(value_type = DateTime<Utc>)]
    scheduled_at: DateTime<chrono::FixedOffset>,
    /// Where, when the meeting is held off site.
    address: Option<String>,
}

/// Move the meeting (and, with an address, off site)
///
/// Confirmations are reset.
///
/// Who: the convener's staff, operators, supervisors
#[utoipa::path(
    post, operation_id = "meetings_reschedule", path = "/api/v1/meetings/{id}/reschedule", tag = "meetings",
    params(("id" = uuid::Uuid, Path, description = MEETING_ID)), request_body = RescheduleBody,
    responses(
        (status = 200, body = MeetingDetail), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    ),
)]
pub(super) async fn reschedule<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(meeting): IdPath<MeetingId>,
    JsonBody(b): JsonBody<RescheduleBody>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let at = jiesu_domain::time::at_storage_precision(b.scheduled_at.with_timezone(&Utc));
    let address = b.address.filter(|a| !a.trim().is_empty());
    act_on_meeting(&api, &me, meeting, Command::RescheduleMeeting { meeting, at, address }).await
}

/// A bureau's binding share: what it does (`scope`) and by when.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct ShareBody {
    bureau: String,
    #[schema(max_length = 2000)]
    scope: String,
    #[schema(value_type = DateTime<Utc>)]
    due: DateTime<chrono::FixedOffset>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct DecisionBody {
    lead: ShareBody,
    #[serde(default)]
    assists: Vec<ShareBody>,
    #[schema(max_length = 2000)]
    minutes: String,
    /// The bureaus that attended.
    #[serde(default)]
    attended: Vec<String>,
    /// Propose the request's category in its area → the lead and assists for the
    /// responsibility list.
    #[serde(default)]
    propose_rule: bool,
}

fn share(s: ShareBody) -> Result<Share, ApiError> {
    Ok(Share {
        bureau: required(&s.bureau, BureauCode::parse)?,
        scope: required(&s.scope, Note::parse)?,
        due: jiesu_domain::time::at_storage_precision(s.due.with_timezone(&Utc)),
    })
}

/// Record the decision: binding shares, minutes, attendance
///
/// Every open task of the request ends; each share becomes a binding task (it cannot be
/// disclaimed, only extended) with its scope and deadline. With `propose_rule`, the request's
/// category in its area → the lead and assists is proposed for the responsibility list.
///
/// Who: the convener's staff, operators, supervisors
#[utoipa::path(
    post, operation_id = "meetings_decide", path = "/api/v1/meetings/{id}/decision", tag = "meetings",
    params(("id" = uuid::Uuid, Path, description = MEETING_ID)), request_body = DecisionBody,
    responses(
        (status = 200, body = MeetingDetail), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    ),
)]
pub(super) async fn decide<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(meeting): IdPath<MeetingId>,
    JsonBody(b): JsonBody<DecisionBody>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let mut attended = Vec::new();
    for a in &b.attended {
        attended.push(BureauCode::parse(a).map_err(|e| invalid(&e))?);
    }
    let decision = DecisionInput {
        lead: share(b.lead)?,
        assists: b.assists.into_iter().map(share).collect::<Result<_, _>>()?,
        minutes: required(&b.minutes, Note::parse)?,
        attended,
        propose_rule: b.propose_rule,
    };
    act_on_meeting(&api, &me, meeting, Command::DecideMeeting { meeting, decision }).await
}
