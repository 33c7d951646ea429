//! Task routes: a bureau's list, one task in full, and the actions on it.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::{Cases, Store, TaskQuery};
use jiesu_domain::request::MediaUrl;
use jiesu_domain::staff::Principal;
use jiesu_domain::task::TaskState;
use jiesu_domain::workflow::{Caller, Command, DisclaimReason, Note};
use jiesu_media::{ImageType, MediaDir, Staged};
use jiesu_workflow::ActError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{act_error, body, invalid, optional, required, store_error};
use super::{WorkApi, view};
use crate::ApiError;
use crate::staff::Staff;

type Api<S> = State<Arc<WorkApi<S>>>;

/// At most this many photos with one progress note.
const MAX_PHOTOS: usize = 3;

fn task_id(raw: &str) -> Result<TaskId, ApiError> {
    raw.parse::<uuid::Uuid>().map(TaskId::from_uuid).map_err(|_| ApiError::not_found("no such task"))
}

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    /// Comma-separated task states.
    state: Option<String>,
    bureau: Option<String>,
    #[serde(default)]
    overdue: bool,
    page: Option<u32>,
    page_size: Option<u32>,
}

pub(super) async fn list<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
    let mut states = Vec::new();
    for s in q.state.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
        states.push(TaskState::parse(s).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", format!("unknown task state `{s}`"))
        })?);
    }
    let page = q.page.unwrap_or(1).max(1);
    let page_size = q.page_size.unwrap_or(50).clamp(1, 200);
    let now = jiesu_domain::time::now();
    let query = TaskQuery {
        states,
        bureau: optional(q.bureau, BureauCode::parse)?,
        overdue_at: q.overdue.then_some(now),
        limit: page_size,
        offset: (page - 1) * page_size,
    };
    let store = api.workflow.store();
    let listed = store.list_tasks(&me.scope(), &query).await.map_err(store_error)?;
    let d = api.workflow.district();
    let tasks: Vec<Value> =
        listed.iter().map(|l| view::task(&d, &l.task, &l.request, &l.deadlines, now)).collect();
    Ok(Json(json!({ "tasks": tasks, "page": page, "page_size": page_size })))
}

/// The task, with its whole case.
async fn task_view<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    id: TaskId,
) -> Result<Json<Value>, ApiError> {
    let request = api.workflow.task_request(me, id).await.map_err(act_error)?;
    let case = api.workflow.case_for(me, request).await.map_err(act_error)?;
    let events = api.workflow.store().request_events(request).await.map_err(store_error)?;
    let d = api.workflow.district();
    let now = jiesu_domain::time::now();
    let task = case.task(id).ok_or_else(|| ApiError::not_found("no such task"))?;
    let mut out = view::task(&d, task, &case.request, &case.deadlines, now);
    out["case"] = view::case(&d, &case, &events, now, me);
    Ok(Json(out))
}

pub(super) async fn show<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    task_view(&api, &me, task_id(&id)?).await
}

/// Runs a command on the task and answers with the task as it now stands.
async fn act<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    id: TaskId,
    command: Command,
) -> Result<Json<Value>, ApiError> {
    commit(api, me, id, command).await.map_err(act_error)?;
    task_view(api, me, id).await
}

/// Runs a command on the task, logging a refusal.
async fn commit<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    id: TaskId,
    command: Command,
) -> Result<(), ActError> {
    let outcome = api.workflow.act_on_task(me, id, command).await;
    if let Some(e) = outcome.as_ref().err().filter(|e| !matches!(e, ActError::Store(_))) {
        tracing::info!(task.id = %id, user = %me.username, refused = %e, "task action refused");
    }
    outcome.map(|_| ())
}

pub(super) async fn claim<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let task = task_id(&id)?;
    act(&api, &me, task, Command::Claim { task }).await
}

#[derive(Debug, Deserialize)]
pub(super) struct ProgressBody {
    note: String,
}

/// A progress note: JSON `{"note"}`, or a multipart form with `note` and up to three `photos`.
///
/// Nothing is written before everything is checked: the form is read whole into memory, the
/// note and every photo are checked, and the command is decided on the task's case as it stands.
/// Only then are the photos written; if the command is refused after all (the case moved in the
/// meantime) or cannot be stored, they are removed again, so a refused call leaves no file.
pub(super) async fn progress<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let task = task_id(&id)?;
    let request_id = api.workflow.task_request(&me, task).await.map_err(act_error)?;
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (note, photos) = if multipart {
        let form = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_form", e.body_text()))?;
        read_progress_form(&api, form).await?
    } else {
        let b: Result<Json<ProgressBody>, JsonRejection> = Json::from_request(request, &()).await;
        (body(b)?.note, Vec::new())
    };
    let note = required(&note, Note::parse)?;
    let base = jiesu_media::base_url(&api.public_url, &headers);
    let urls = photos
        .iter()
        .map(|p| MediaUrl::parse(&format!("{base}/media/{}", p.name())).map_err(|e| invalid(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    let command = Command::Progress { task, note, photos: urls };
    if let Err(e) = api.workflow.check(Caller::Staff(&me), request_id, &command).await {
        tracing::info!(task.id = %task, user = %me.username, refused = %e, "progress note refused");
        return Err(act_error(e));
    }
    api.media.write_all(&photos).await.map_err(|e| {
        tracing::error!(error = %e, "cannot store a progress photo");
        ApiError::unavailable("cannot store the photo now")
    })?;
    if let Err(e) = commit(&api, &me, task, command).await {
        // Refused after all (the case moved since the check) or contended: nothing was committed
        // and nothing refers to the photos. After a database error the note may have been
        // committed all the same, so its photos stay (an unused file is better than a missing one).
        if !matches!(e, ActError::Store(_)) {
            api.media.remove_all(photos.iter().map(Staged::name)).await;
        }
        return Err(act_error(e));
    }
    task_view(&api, &me, task).await
}

/// The multipart progress form, read whole and checked: the note as sent, and the photos named
/// but not yet written.
async fn read_progress_form<S>(
    api: &WorkApi<S>,
    mut form: Multipart,
) -> Result<(String, Vec<Staged>), ApiError> {
    let bad = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, "invalid_form", m.to_owned());
    let mut note = String::new();
    let mut photos = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|e| bad(&e.body_text()))? {
        match field.name() {
            Some("note") => note = field.text().await.map_err(|e| bad(&e.body_text()))?,
            Some("photos" | "photo") => {
                let bytes = field.bytes().await.map_err(|e| bad(&e.body_text()))?;
                if photos.len() == MAX_PHOTOS {
                    return Err(bad("at most three photos"));
                }
                if bytes.len() > api.max_photo_bytes {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "photo_too_large",
                        "a photo is too large",
                    ));
                }
                let kind = ImageType::sniff(&bytes).ok_or_else(|| bad("photos must be JPEG, PNG or WebP"))?;
                photos.push(MediaDir::stage(bytes.to_vec(), kind));
            }
            _ => {}
        }
    }
    Ok((note, photos))
}

#[derive(Debug, Deserialize)]
pub(super) struct ResolveBody {
    result: String,
}

pub(super) async fn resolve<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    b: Result<Json<ResolveBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let task = task_id(&id)?;
    let result = required(&body(b)?.result, Note::parse)?;
    act(&api, &me, task, Command::Resolve { task, result }).await
}

#[derive(Debug, Deserialize)]
pub(super) struct DisclaimBody {
    reason: String,
    explanation: String,
}

pub(super) async fn disclaim<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    b: Result<Json<DisclaimBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let task = task_id(&id)?;
    let b = body(b)?;
    let reason = required(&b.reason, DisclaimReason::parse)?;
    let explanation = required(&b.explanation, Note::parse)?;
    act(&api, &me, task, Command::Disclaim { task, reason, explanation }).await
}

#[derive(Debug, Deserialize)]
pub(super) struct ExtensionBody {
    days: u32,
    reason: String,
}

pub(super) async fn extension<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    b: Result<Json<ExtensionBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let task = task_id(&id)?;
    let b = body(b)?;
    let reason = required(&b.reason, Note::parse)?;
    act(&api, &me, task, Command::RequestExtension { task, days: b.days, reason }).await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NoteBody {
    note: Option<String>,
}

pub(super) async fn release<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    b: Result<Json<NoteBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let task = task_id(&id)?;
    let note = optional(body(b).unwrap_or_default().note, Note::parse)?;
    let request = api.workflow.task_request(&me, task).await;
    // The lead bureau releases assists it cannot see as its own tasks: look the task up district-wide
    // only after the workflow has checked that the caller leads the request.
    let request = match request {
        Ok(r) => r,
        Err(_) => lead_visible_request(&api, &me, task).await?,
    };
    api.workflow
        .act(Caller::Staff(&me), request, Command::ReleaseAssist { task, note })
        .await
        .map_err(act_error)?;
    let case = api.workflow.case_for(&me, request).await.map_err(act_error)?;
    let events = api.workflow.store().request_events(request).await.map_err(store_error)?;
    let d = api.workflow.district();
    Ok(Json(view::case(&d, &case, &events, jiesu_domain::time::now(), &me)))
}

/// For the lead bureau's staff: the request of an assisting task on a request their bureau
/// leads. Anything else is "not found".
async fn lead_visible_request<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    task: TaskId,
) -> Result<jiesu_domain::ids::RequestId, ApiError> {
    let not_found = || ApiError::not_found("no such task");
    let all = jiesu_domain::staff::Scope::All;
    let request =
        api.workflow.store().task_request(task, &all).await.map_err(store_error)?.ok_or_else(not_found)?;
    let case = api.workflow.store().load_case(request).await.map_err(store_error)?.ok_or_else(not_found)?;
    // The lead may have resolved its own share already: it still leads.
    let leads = case.lead().is_some_and(|t| Some(&t.bureau) == me.bureau.as_ref());
    if leads { Ok(request) } else { Err(not_found()) }
}

#[derive(Debug, Deserialize)]
pub(super) struct DisclaimReviewBody {
    accept: bool,
    to: Option<String>,
    note: Option<String>,
}

pub(super) async fn disclaim_review<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    Path(id): Path<String>,
    b: Result<Json<DisclaimReviewBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let task = task_id(&id)?;
    let b = body(b)?;
    let to = optional(b.to, BureauCode::parse)?;
    let note = optional(b.note, Note::parse)?;
    Ok(act(&api, &me, task, Command::ReviewDisclaim { task, accept: b.accept, to, note })
        .await?
        .into_response())
}
