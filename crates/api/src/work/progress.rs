//! The progress note (反馈进展): JSON, or a multipart form with up to three photos.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::{Cases, Store};
use jiesu_domain::request::MediaUrl;
use jiesu_domain::staff::Principal;
use jiesu_domain::workflow::{Caller, Case, Command, Note};
use jiesu_media::{ImageType, MediaDir, Staged};
use jiesu_workflow::ActError;
use serde::Deserialize;
use utoipa::ToSchema;

use super::WorkApi;
use super::errors::{body, invalid, required};
use super::extract::IdPath;
use super::tasks::{Api, TaskDetail, commit, task_view_of};
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::Staff;

/// At most this many photos with one progress note.
const MAX_PHOTOS: usize = 3;

#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct ProgressBody {
    #[schema(max_length = 2000)]
    note: String,
}

/// The multipart form of a progress note (documentation only: it is read field by field).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub(super) struct ProgressForm {
    #[schema(max_length = 2000)]
    note: String,
    /// JPEG, PNG or WebP.
    #[schema(value_type = Vec<String>, format = Binary, max_items = 3)]
    photos: Vec<Vec<u8>>,
}

/// Report progress (反馈进展)
///
/// JSON `{"note"}`, or `multipart/form-data` with `note` and up to three `photos` (JPEG, PNG or
/// WebP).
///
/// Who: the task's bureau
///
/// Nothing is written before everything is checked: the form is read whole into memory, the
/// note and every photo are checked, and the command is decided on the task's case as it stands.
/// Only then are the photos written; if the command is refused after all (the case moved in the
/// meantime) or cannot be stored, they are removed again, so a refused call leaves no file.
#[utoipa::path(
    post, operation_id = "tasks_progress", path = "/api/v1/tasks/{id}/progress", tag = "tasks",
    params(("id" = uuid::Uuid, Path, description = "The task's id.")),
    request_body(content( (ProgressBody = "application/json"), (ProgressForm = "multipart/form-data"), )),
    responses(
        (status = 200, body = TaskDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 503, body = ErrorBody),
    ),
)]
pub(super) async fn progress<S: Store + Cases>(
    State(api): Api<S>,
    Staff(me): Staff,
    IdPath(task): IdPath<TaskId>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<TaskDetail>, ApiError> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    // Only the caller's own tasks get as far as reading a form.
    api.workflow.task_request(&me, task).await?;
    let (note, photos) = if multipart {
        let form = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_form", e.body_text()))?;
        let form = read_form(&api, form).await?;
        (form.text("note"), form.photos)
    } else {
        let b: Result<Json<ProgressBody>, _> = Json::from_request(request, &()).await;
        (body(b)?.note, Vec::new())
    };
    let note = required(&note, Note::parse)?;
    let case =
        with_photos(&api, &me, task, &headers, photos, |photos| Command::Progress { task, note, photos })
            .await?;
    task_view_of(&api, &me, task, case).await
}

/// Runs a command that carries photos (a progress note, a resolution): nothing is written before
/// everything is checked. The command is decided on the task's case as it stands; only then are
/// the photos written, and if the command is refused after all (the case moved in the meantime)
/// they are removed again, so a refused call leaves no file.
pub(crate) async fn with_photos<S: Store + Cases>(
    api: &WorkApi<S>,
    me: &Principal,
    task: TaskId,
    headers: &HeaderMap,
    photos: Vec<Staged>,
    command: impl FnOnce(Vec<MediaUrl>) -> Command,
) -> Result<Case, ApiError> {
    let request_id = api.workflow.task_request(me, task).await?;
    let base = jiesu_media::base_url(&api.public_url, headers);
    let urls = photos
        .iter()
        .map(|p| MediaUrl::parse(&format!("{base}/media/{}", p.name())).map_err(|e| invalid(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    let command = command(urls);
    if let Err(e) = api.workflow.check(Caller::Staff(me), request_id, &command).await {
        tracing::info!(task.id = %task, user = %me.username, refused = %e, "action with photos refused");
        return Err(e.into());
    }
    api.media.write_all(&photos).await.map_err(|e| {
        tracing::error!(error = %e, "cannot store a photo");
        ApiError::unavailable("cannot store the photo now")
    })?;
    match commit(api, me, task, command).await {
        Ok(case) => Ok(case),
        Err(e) => {
            // Refused after all (the case moved since the check) or contended: nothing was
            // committed and nothing refers to the photos. After a database error the note may
            // have been committed all the same, so its photos stay (an unused file is better
            // than a missing one).
            if !matches!(e, ActError::Store(_)) {
                api.media.remove_all(photos.iter().map(Staged::name)).await;
            }
            Err(e.into())
        }
    }
}

/// A multipart form read whole: its text fields, and its photos checked but not yet written.
#[derive(Debug, Default)]
pub(crate) struct PhotoForm {
    pub fields: Vec<(String, String)>,
    pub photos: Vec<Staged>,
}

impl PhotoForm {
    /// A text field's value; empty when absent.
    pub(crate) fn text(&self, name: &str) -> String {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

/// A multipart form read whole: up to three photos (each sniffed and size-checked), every other
/// field as text.
pub(crate) async fn read_form<S>(api: &WorkApi<S>, mut form: Multipart) -> Result<PhotoForm, ApiError> {
    let bad = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, "invalid_form", m.to_owned());
    let mut out = PhotoForm::default();
    while let Some(field) = form.next_field().await.map_err(|e| bad(&e.body_text()))? {
        match field.name().map(str::to_owned) {
            Some(name) if name == "photos" || name == "photo" => {
                let bytes = field.bytes().await.map_err(|e| bad(&e.body_text()))?;
                // A file input left empty still sends one part with no bytes.
                if bytes.is_empty() {
                    continue;
                }
                if out.photos.len() == MAX_PHOTOS {
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
                out.photos.push(MediaDir::stage(bytes.to_vec(), kind));
            }
            Some(name) => {
                let value = field.text().await.map_err(|e| bad(&e.body_text()))?;
                out.fields.push((name, value));
            }
            None => {}
        }
    }
    Ok(out)
}
