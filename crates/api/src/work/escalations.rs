//! Escalation and meeting routes: supervisors list and open escalations, and dismiss those that
//! need no action; everyone sees the meetings their bureau is invited to, confirms attendance;
//! the convener (or the dispatch desk, or a supervisor) reschedules and records the decision.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::escalation::{EscalationId, EscalationState, Meeting, MeetingId, Share, Trigger};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{Cases, EscalationQuery, Escalations, Store};
use jiesu_domain::staff::{Principal, StaffRole};
use jiesu_domain::workflow::{Caller, Command, DecisionInput, Note};
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{act_error, body, invalid, optional, required, store_error};
use super::{WorkApi, escalation_view, view};
use crate::ApiError;
use crate::staff::{Staff, require_role};

type Api<S> = State<Arc<WorkApi<S>>>;

const DISTRICT_WIDE: &[StaffRole] = &[StaffRole::Operator, StaffRole::Supervisor, StaffRole::Admin];

fn bad_query(message: impl Into<String>) -> ApiError {
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

#[derive(Debug, Deserialize)]
pub(super) struct EscalationListQuery {
    trigger: Option<String>,
    state: Option<String>,
    older_than_hours: Option<i64>,
    page: Option<u32>,
    page_size: Option<u32>,
}

pub(super) async fn list<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    q: Result<Query<EscalationListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    require_role(&me, DISTRICT_WIDE)?;
    let Query(q) = q.map_err(|e| bad_query(e.body_text()))?;
    let now = jiesu_domain::time::now();
    let page = q.page.unwrap_or(1).max(1);
    let page_size = q.page_size.unwrap_or(50).clamp(1, 200);
    let query = EscalationQuery {
        triggers: list_of(q.trigger.as_deref(), Trigger::parse, "trigger")?,
        states: list_of(q.state.as_deref(), EscalationState::parse, "state")?,
        opened_before: q.older_than_hours.map(|h| now - chrono::Duration::hours(h.max(0))),
        limit: page_size,
        offset: (page - 1) * page_size,
    };
    let found = api.workflow.store().list_escalations(&query).await.map_err(store_error)?;
    let d = api.workflow.district();
    let items: Vec<Value> = found
        .iter()
        .map(|(e, r)| {
            let mut v = escalation_view::escalation(&d, e, &[], &jiesu_domain::staff::Scope::All);
            v["request"] = view::request_brief(&d, r);
            v
        })
        .collect();
    Ok(Json(json!({ "escalations": items, "page": page, "page_size": page_size })))
}

fn escalation_id(raw: &str) -> Result<EscalationId, ApiError> {
    raw.parse::<uuid::Uuid>()
        .map(EscalationId::from_uuid)
        .map_err(|_| ApiError::not_found("no such escalation"))
}

fn meeting_id(raw: &str) -> Result<MeetingId, ApiError> {
    raw.parse::<uuid::Uuid>().map(MeetingId::from_uuid).map_err(|_| ApiError::not_found("no such meeting"))
}

/// The whole case of a request, seen by a district-wide role.
async fn case_json<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    request: RequestId,
) -> Result<Value, ApiError> {
    let not_found = || ApiError::not_found("no such request");
    let case = api.workflow.store().load_case(request).await.map_err(store_error)?.ok_or_else(not_found)?;
    let events = api.workflow.store().request_events(request).await.map_err(store_error)?;
    let d = api.workflow.district();
    Ok(view::case(&d, &case, &events, jiesu_domain::time::now(), me))
}

pub(super) async fn show<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    require_role(&me, DISTRICT_WIDE)?;
    let id = escalation_id(&id)?;
    let not_found = || ApiError::not_found("no such escalation");
    let request =
        api.workflow.store().escalation_request(id).await.map_err(store_error)?.ok_or_else(not_found)?;
    let case = case_json(&api, &me, request).await?;
    let mut out = case["escalations"]
        .as_array()
        .and_then(|all| all.iter().find(|e| e["id"] == id.to_string()).cloned())
        .ok_or_else(not_found)?;
    out["case"] = case;
    Ok(Json(out))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NoteBody {
    note: Option<String>,
}

pub(super) async fn dismiss<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    b: Result<Json<NoteBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    require_role(&me, &[StaffRole::Supervisor, StaffRole::Admin])?;
    let escalation = escalation_id(&id)?;
    let note = optional(body(b).unwrap_or_default().note, Note::parse)?;
    let not_found = || ApiError::not_found("no such escalation");
    let request = api
        .workflow
        .store()
        .escalation_request(escalation)
        .await
        .map_err(store_error)?
        .ok_or_else(not_found)?;
    api.workflow
        .act(Caller::Staff(&me), request, Command::DismissEscalation { escalation, note })
        .await
        .map_err(act_error)?;
    Ok(Json(case_json(&api, &me, request).await?))
}

/// Whether the staff member may see the meeting: district-wide roles, and the staff of the
/// convener and of every invited bureau.
fn may_see(me: &Principal, m: &Meeting) -> bool {
    me.is(DISTRICT_WIDE) || me.bureau.as_ref().is_some_and(|b| *b == m.convener || m.invitee(b).is_some())
}

#[derive(Debug, Deserialize)]
pub(super) struct MeetingListQuery {
    /// `YYYY-MM-DD`, district time; default: a week ago.
    from: Option<String>,
    /// `YYYY-MM-DD`, exclusive; default: a month ahead.
    to: Option<String>,
}

fn day(raw: Option<&str>, default: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let Some(raw) = raw else { return Ok(default) };
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| bad_query(format!("`{raw}` is not YYYY-MM-DD")))?;
    jiesu_domain::time::LOCAL
        .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| bad_query(format!("`{raw}` is not a day")))
}

pub(super) async fn meetings<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    q: Result<Query<MeetingListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(|e| bad_query(e.body_text()))?;
    let now = jiesu_domain::time::now();
    let from = day(q.from.as_deref(), now - chrono::Duration::days(7))?;
    let to = day(q.to.as_deref(), now + chrono::Duration::days(31))?;
    let found = api.workflow.store().meetings_between(from, to, 500).await.map_err(store_error)?;
    let d = api.workflow.district();
    let items: Vec<Value> =
        found.iter().filter(|m| may_see(&me, m)).map(|m| escalation_view::meeting(&d, m)).collect();
    Ok(Json(json!({ "meetings": items, "from": from, "to": to })))
}

/// The meeting, if the staff member may see it (else "not found").
async fn visible<S: Store + Cases + Escalations>(
    api: &WorkApi<S>,
    me: &Principal,
    id: MeetingId,
) -> Result<(RequestId, Meeting), ApiError> {
    let not_found = || ApiError::not_found("no such meeting");
    let request =
        api.workflow.store().meeting_request(id).await.map_err(store_error)?.ok_or_else(not_found)?;
    let case = api.workflow.store().load_case(request).await.map_err(store_error)?.ok_or_else(not_found)?;
    let m = case.meetings.into_iter().find(|m| m.id == id).ok_or_else(not_found)?;
    if may_see(me, &m) { Ok((request, m)) } else { Err(not_found()) }
}

async fn meeting_json<S: Store + Cases + Escalations>(
    api: &WorkApi<S>,
    me: &Principal,
    id: MeetingId,
) -> Result<Json<Value>, ApiError> {
    let (request, m) = visible(api, me, id).await?;
    let case = api.workflow.store().load_case(request).await.map_err(store_error)?;
    let d = api.workflow.district();
    let mut out = escalation_view::meeting(&d, &m);
    out["request"] = case.map(|c| view::request_brief(&d, &c.request)).unwrap_or(Value::Null);
    Ok(Json(out))
}

pub(super) async fn meeting<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    meeting_json(&api, &me, meeting_id(&id)?).await
}

async fn act_on_meeting<S: Store + Cases + Escalations>(
    api: &WorkApi<S>,
    me: &Principal,
    id: MeetingId,
    command: Command,
) -> Result<Json<Value>, ApiError> {
    let (request, _) = visible(api, me, id).await?;
    api.workflow.act(Caller::Staff(me), request, command).await.map_err(act_error)?;
    meeting_json(api, me, id).await
}

pub(super) async fn confirm<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let meeting = meeting_id(&id)?;
    act_on_meeting(&api, &me, meeting, Command::ConfirmMeeting { meeting }).await
}

#[derive(Debug, Deserialize)]
pub(super) struct RescheduleBody {
    scheduled_at: DateTime<chrono::FixedOffset>,
    address: Option<String>,
}

pub(super) async fn reschedule<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    b: Result<Json<RescheduleBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let meeting = meeting_id(&id)?;
    let b = body(b)?;
    let at = jiesu_domain::time::at_storage_precision(b.scheduled_at.with_timezone(&Utc));
    let address = b.address.filter(|a| !a.trim().is_empty());
    act_on_meeting(&api, &me, meeting, Command::RescheduleMeeting { meeting, at, address }).await
}

#[derive(Debug, Deserialize)]
pub(super) struct ShareBody {
    bureau: String,
    scope: String,
    due: DateTime<chrono::FixedOffset>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DecisionBody {
    lead: ShareBody,
    #[serde(default)]
    assists: Vec<ShareBody>,
    minutes: String,
    #[serde(default)]
    attended: Vec<String>,
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

pub(super) async fn decide<S: Store + Cases + Escalations>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    b: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let meeting = meeting_id(&id)?;
    let b = body(b)?;
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
