//! Rules coordination meetings propose for the responsibility list: supervisors list them, read
//! one, accept it (possibly edited) or decline it. An accepted rule routes this process's next
//! request; other processes follow within `district.reload_secs`.
//!
//! Refusals: 403 `forbidden` for anyone but supervisors and admins, 404 for an unknown id, 409
//! `already_decided`, and 409 `rule_conflict` when the rule does not fit the list in force (a
//! tie with another rule, an unknown bureau, area or category), with the compiler's messages.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiesu_domain::ValidationError;
use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::district::District;
use jiesu_domain::escalation::{ProposalEdits, ProposalId, ProposalState, ProposedRule};
use jiesu_domain::ports::{Cases, RuleBook, Store};
use jiesu_domain::staff::{Principal, StaffRole};
use jiesu_domain::workflow::Note;
use jiesu_workflow::RuleDecisionError;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::errors::{optional, required, store_error};
use super::{WorkApi, view};
use crate::ApiError;
use crate::staff::{Staff, require_role};

type Api<S> = State<Arc<WorkApi<S>>>;

/// Who decides what goes into the responsibility list.
const DECIDERS: &[StaffRole] = &[StaffRole::Supervisor, StaffRole::Admin];

fn proposal_id(raw: &str) -> Result<ProposalId, ApiError> {
    raw.parse::<uuid::Uuid>()
        .map(ProposalId::from_uuid)
        .map_err(|_| ApiError::not_found("no such proposed rule"))
}

fn decision_error(e: RuleDecisionError) -> ApiError {
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

fn named<T>(codes: &[T], code: impl Fn(&T) -> &str, name: impl Fn(&T) -> Option<String>) -> Vec<Value> {
    codes.iter().map(|c| json!({ "code": code(c), "name": name(c) })).collect()
}

/// A proposal as supervisors see it, with the rule it becomes and whether that is in force here.
fn proposal(d: &District, p: &ProposedRule) -> Value {
    let rule = p.rule_id();
    json!({
        "id": p.id.to_string(),
        "state": p.state.as_str(),
        "request_id": p.request_id.to_string(),
        "meeting_id": p.meeting_id.to_string(),
        "rule": {
            "id": rule.as_str(),
            "version": p.rule_version().as_str(),
            "in_force": d.rules().get(&rule).is_some(),
        },
        "categories": named(&p.categories, |c| c.as_str(), |c| d.taxonomy().get(c).map(|x| x.name.clone())),
        "areas": named(&p.areas, |a| a.as_str(), |a| d.areas().get(a).map(|x| x.name.clone())),
        "lead": view::bureau(d, &p.lead),
        "assists": p.assists.iter().map(|b| view::bureau(d, b)).collect::<Vec<_>>(),
        "note": p.note.as_ref().map(|n| n.as_str()),
        "proposed_at": p.proposed_at,
        "decision": p.decision.as_ref().map(|x| json!({
            "by": x.by, "at": x.at, "note": x.note.as_ref().map(|n| n.as_str()),
        })),
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    /// `proposed`, `accepted` or `declined`; every state when absent.
    state: Option<String>,
    limit: Option<u32>,
}

pub(super) async fn list<S: Store + Cases + RuleBook>(
    State(api): Api<S>,
    Staff(me): Staff,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    require_role(&me, DECIDERS)?;
    let Query(q) = q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
    let state = match q.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ProposalState::parse(s).ok_or_else(|| {
            let message = format!("unknown state `{s}` (proposed, accepted, declined)");
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
        })?),
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let found = api.rules.store().proposals(state, limit).await.map_err(store_error)?;
    let d = api.rules.district();
    Ok(Json(json!({ "proposals": found.iter().map(|p| proposal(&d, p)).collect::<Vec<_>>() })))
}

pub(super) async fn show<S: Store + Cases + RuleBook>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    require_role(&me, DECIDERS)?;
    let id = proposal_id(&id)?;
    let p = api
        .rules
        .store()
        .proposal(id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found("no such proposed rule"))?;
    let d = api.rules.district();
    let mut v = proposal(&d, &p);
    // The request the meeting was about, in brief: its tracking number leads to the whole case.
    if let Some(case) = api.workflow.store().load_case(p.request_id).await.map_err(store_error)? {
        v["request"] = view::request_brief(&d, &case.request);
    }
    Ok(Json(v))
}

/// A decision's input, after the caller's role: the proposal's id and the optional JSON body
/// (none, or empty, is the default; anything else must parse).
fn decision_input<T: DeserializeOwned + Default>(
    me: &Principal,
    id: &str,
    body: &Bytes,
) -> Result<(ProposalId, T), ApiError> {
    require_role(me, DECIDERS)?;
    let id = proposal_id(id)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((id, T::default()));
    }
    let parsed = serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))?;
    Ok((id, parsed))
}

fn codes<T>(
    raw: Option<Vec<String>>,
    parse: fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<Vec<T>>, ApiError> {
    raw.map(|v| v.iter().map(|c| required(c, parse)).collect()).transpose()
}

/// What the supervisor changes; absent fields keep the meeting's proposal.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditsBody {
    categories: Option<Vec<String>>,
    areas: Option<Vec<String>>,
    lead: Option<String>,
    assists: Option<Vec<String>>,
    /// The rule's own note (why), replacing the meeting's.
    note: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptBody {
    /// Why it was accepted, for the record.
    note: Option<String>,
    #[serde(default)]
    edits: EditsBody,
}

pub(super) async fn accept<S: Store + Cases + RuleBook>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (id, b): (_, AcceptBody) = decision_input(&me, &id, &body)?;
    let edits = ProposalEdits {
        categories: codes(b.edits.categories, CategoryCode::parse)?,
        areas: codes(b.edits.areas, AreaCode::parse)?,
        lead: optional(b.edits.lead, BureauCode::parse)?,
        assists: codes(b.edits.assists, BureauCode::parse)?,
        note: optional(b.edits.note, Note::parse)?,
    };
    let note = optional(b.note, Note::parse)?;
    let accepted = api.rules.accept(id, edits, me.username.as_str(), note).await.map_err(|e| {
        tracing::info!(proposal.id = %id, user = %me.username, refused = %e, "acceptance refused");
        decision_error(e)
    })?;
    Ok(Json(proposal(&api.rules.district(), &accepted)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclineBody {
    note: Option<String>,
}

pub(super) async fn decline<S: Store + Cases + RuleBook>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (id, b): (_, DeclineBody) = decision_input(&me, &id, &body)?;
    let note = optional(b.note, Note::parse)?;
    let declined = api.rules.decline(id, me.username.as_str(), note).await.map_err(decision_error)?;
    Ok(Json(proposal(&api.rules.district(), &declined)))
}
