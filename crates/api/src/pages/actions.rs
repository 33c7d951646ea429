//! The case page's actions: `POST /staff/tasks/{id}/{action}` with the session's form token.
//! Each runs the same workflow command the JSON API runs; done, the browser is sent back to the
//! case page (303) with what happened said above it; refused, the page comes back with why, and
//! nothing changed.
//!
//! `claim`, `progress` (note, photos), `resolve` (result, photos), `disclaim` (reason,
//! explanation), `extension` (days, reason), `appeal` (visit, reason, photos), `final-reply`
//! (reply, photos), `assist` (bureau, note), `release` (task),
//! `reveal` (the caller's number, shown once on the answer and recorded).

use axum::extract::{FromRequest, Multipart, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::{Accounts, Audit, Cases, Store};
use jiesu_domain::workflow::{Caller, Command, DisclaimReason, Note, VisitId};

use super::case::{not_found, render};
use super::layout::flash;
use super::session::{Viewer, forged};
use super::{State, words};
use crate::ApiError;
use crate::work::WorkApi;
use crate::work::errors::{invalid, optional, required};
use crate::work::progress::{PhotoForm, read_form, with_photos};
use crate::work::tasks::commit;

/// The form as posted: multipart (with photos) or urlencoded, read whole.
async fn read<S>(api: &WorkApi<S>, headers: &HeaderMap, request: Request) -> Result<PhotoForm, ApiError> {
    let multipart = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_form", m);
    if multipart {
        let form = Multipart::from_request(request, &()).await.map_err(|e| bad(e.body_text()))?;
        read_form(api, form).await
    } else {
        let bytes = axum::body::Bytes::from_request(request, &()).await.map_err(|e| bad(e.body_text()))?;
        let fields = form_urlencoded::parse(&bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        Ok(PhotoForm { fields, photos: Vec::new() })
    }
}

pub(crate) async fn act<S: Store + Cases + Accounts>(
    axum::extract::State(pages): State<S>,
    viewer: Viewer<S>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let lang = viewer.lang;
    let Ok(id) = id.parse::<uuid::Uuid>().map(TaskId::from_uuid) else { return not_found(lang) };
    let api = &pages.work;
    let form = match read(api, &headers, request).await {
        Ok(form) => form,
        // An unreadable form cannot carry a readable token either: nothing is done.
        Err(e) if e.status == StatusCode::PAYLOAD_TOO_LARGE || e.code == "invalid_form" => {
            return refused(api, &viewer, id, &e).await;
        }
        Err(_) => return forged(lang),
    };
    if !viewer.csrf.matches(&form.text("csrf")) {
        return forged(lang);
    }
    if action == "reveal" {
        return reveal(api, &viewer, id).await;
    }
    match run(api, &viewer, id, &action, form, &headers).await {
        Ok(()) => Redirect::to(&format!("/staff/tasks/{id}?done={action}")).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(lang),
        Err(e) => refused(api, &viewer, id, &e).await,
    }
}

async fn refused<S: Store + Cases>(
    api: &WorkApi<S>,
    viewer: &Viewer<impl Sized>,
    id: TaskId,
    e: &ApiError,
) -> Response {
    let notice = flash("error", &words::refusal(e, viewer.lang));
    render(api, viewer, id, e.status, Some(notice), None).await
}

async fn run<S: Store + Cases>(
    api: &WorkApi<S>,
    viewer: &Viewer<impl Sized>,
    task: TaskId,
    action: &str,
    form: PhotoForm,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let me = &viewer.me;
    let text = |name: &str| form.text(name);
    let command = match action {
        "claim" => Command::Claim { task },
        "disclaim" => Command::Disclaim {
            task,
            reason: required(&text("reason"), DisclaimReason::parse)?,
            explanation: required(&text("explanation"), Note::parse)?,
        },
        "extension" => {
            let days = text("days").trim().parse::<u32>().map_err(|_| {
                invalid(&jiesu_domain::ValidationError::invalid("days", "a number of working days"))
            })?;
            Command::RequestExtension { task, days, reason: required(&text("reason"), Note::parse)? }
        }
        "progress" => {
            let note = required(&text("note"), Note::parse)?;
            with_photos(api, me, task, headers, form.photos, |photos| Command::Progress {
                task,
                note,
                photos,
            })
            .await?;
            return Ok(());
        }
        "resolve" => {
            let result = required(&text("result"), Note::parse)?;
            with_photos(api, me, task, headers, form.photos, |photos| Command::Resolve {
                task,
                result,
                photos,
            })
            .await?;
            return Ok(());
        }
        "appeal" => {
            let reason = required(&text("reason"), Note::parse)?;
            let visit = text("visit")
                .parse::<uuid::Uuid>()
                .map(VisitId::from_uuid)
                .map_err(|_| ApiError::not_found("no such return visit"))?;
            with_photos(api, me, task, headers, form.photos, |photos| Command::Appeal {
                task,
                visit,
                reason,
                photos,
            })
            .await?;
            return Ok(());
        }
        "final-reply" => {
            let reply = required(&text("reply"), Note::parse)?;
            with_photos(api, me, task, headers, form.photos, |photos| Command::ProposeFinalReply {
                task,
                reply,
                photos,
            })
            .await?;
            return Ok(());
        }
        "assist" => {
            let bureau = required(&text("bureau"), BureauCode::parse)?;
            let note = optional(Some(text("note")), Note::parse)?;
            let request = api.workflow.task_request(me, task).await?;
            api.workflow.act(Caller::Staff(me), request, Command::AddAssist { bureau, note }).await?;
            return Ok(());
        }
        "release" => {
            let assist = text("task")
                .parse::<uuid::Uuid>()
                .map(TaskId::from_uuid)
                .map_err(|_| ApiError::not_found("no such task"))?;
            // The page's own task must be the viewer's: an id from another request is refused
            // by the workflow like any other.
            api.workflow.task_request(me, task).await?;
            commit(api, me, assist, Command::ReleaseAssist { task: assist, note: None }).await?;
            return Ok(());
        }
        _ => return Err(ApiError::not_found("no such action")),
    };
    commit(api, me, task, command).await?;
    Ok(())
}

/// The caller's number on the case page, once: the reading is an event in the request's history.
async fn reveal<S: Store + Cases + Audit>(
    api: &WorkApi<S>,
    viewer: &Viewer<impl Sized>,
    task: TaskId,
) -> Response {
    let me = &viewer.me;
    let outcome = async {
        let request = api.workflow.task_request(me, task).await?;
        crate::work::requests::reveal(api, me, request).await
    }
    .await;
    match outcome {
        Ok(phone) => {
            let notice = flash(
                "warn",
                viewer.lang.pick(
                    "号码已显示，此次查看已记入办理记录。",
                    "The number is shown; this reading is recorded in the history.",
                ),
            );
            render(api, viewer, task, StatusCode::OK, Some(notice), phone.as_deref()).await
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found(viewer.lang),
        Err(e) => refused(api, viewer, task, &e).await,
    }
}
