//! The progress note (反馈进展): JSON, or a multipart form with up to three photos.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::{Cases, Store};
use jiesu_domain::request::MediaUrl;
use jiesu_domain::workflow::{Caller, Command, Note};
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
    let request_id = api.workflow.task_request(&me, task).await?;
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
        let b: Result<Json<ProgressBody>, _> = Json::from_request(request, &()).await;
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
        return Err(e.into());
    }
    api.media.write_all(&photos).await.map_err(|e| {
        tracing::error!(error = %e, "cannot store a progress photo");
        ApiError::unavailable("cannot store the photo now")
    })?;
    match commit(&api, &me, task, command).await {
        Ok(case) => task_view_of(&api, &me, task, case).await,
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
