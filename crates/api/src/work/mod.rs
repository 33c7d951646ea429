//! The staff's work API under `/api/v1` (the `api` role): bureau staff list and act on their
//! bureau's tasks; operators run the dispatch desk; supervisors decide extensions and the rules
//! coordination meetings propose for the responsibility list. Every route
//! takes the caller from `Staff`, and every id is resolved through the caller's scope, so another
//! bureau's task or request answers 404 exactly like one that does not exist.
//!
//! | route | who |
//! |---|---|
//! | `GET /api/v1/tasks` (`state`, `bureau`, `overdue`; paged) | everyone, own scope |
//! | `GET /api/v1/tasks/{id}` | the task's bureau, district-wide roles |
//! | `POST /api/v1/tasks/{id}/claim`, `/progress`, `/resolve`, `/disclaim`, `/extension` | the task's bureau |
//! | `POST /api/v1/tasks/{id}/appeal`, `/final-reply` | the task's bureau, when it answers for the request |
//! | `POST /api/v1/tasks/{id}/release` | the lead bureau, operators |
//! | `POST /api/v1/tasks/{id}/disclaim-review` | operators |
//! | `GET /api/v1/requests/{tracking}` | bureaus involved, district-wide roles |
//! | `GET /api/v1/desk` (`queue`; paged) | operators, supervisors |
//! | `POST /api/v1/requests/{tracking}/dispatch`, `/transfer`, `/review`, `/visit` | operators |
//! | `POST /api/v1/requests/{tracking}/reveal-phone` | operators, the lead bureau (not a confidential caller) |
//! | `POST /api/v1/requests/{tracking}/assists` | the lead bureau, operators |
//! | `GET /api/v1/extensions`, `POST /api/v1/extensions/{id}/decision` | supervisors |
//! | `GET /api/v1/exemptions`, `POST /api/v1/exemptions/{id}/decision` (appeals, final replies) | supervisors |
//! | `GET /api/v1/notifications/undelivered` (notices the notify role gave up on) | supervisors |
//! | `GET /api/v1/escalations` (`trigger`, `state`, `older_than_hours`; paged), `GET /api/v1/escalations/{id}` | operators, supervisors |
//! | `POST /api/v1/escalations/{id}/dismiss` | supervisors |
//! | `GET /api/v1/meetings` (`from`, `to`), `GET /api/v1/meetings/{id}` | district-wide roles; the convener's and invitees' staff |
//! | `POST /api/v1/meetings/{id}/confirm` | an invitee's staff |
//! | `POST /api/v1/meetings/{id}/reschedule`, `/decision` | the convener's staff, operators, supervisors |
//! | `GET /api/v1/stats` (`from`, `to`, `by`, filters) | supervisors |
//! | `GET /api/v1/exports/requests.csv`, `.xlsx` (`from`, `to`, `status`, `category`, `lang`) | district-wide roles |
//! | `GET /api/v1/rules/proposed` (`state`), `GET /api/v1/rules/proposed/{id}` | supervisors |
//! | `POST /api/v1/rules/proposed/{id}/accept`, `/decline` | supervisors |
//!
//! Paged listings take `page_size` (50 unless given, at most 200) and `after`, the `next` of the
//! previous page's answer (absent on the last page): a cursor the store seeks to through an
//! index, so every page costs the same and rows added between two calls neither repeat nor go
//! missing. `page` (a page number, counted from the top on every call) is kept for existing
//! clients; `page` with `after`, or a cursor that is not one this listing gave, is 400
//! `invalid_query`.
//!
//! Every handler carries its OpenAPI operation (`#[utoipa::path]`) and every body its schema;
//! `openapi::staff` gathers them; the binary adds the hotline's part and serves the whole at
//! `/api/v1/openapi.json`.

pub mod answers;
pub(crate) mod case_view;
mod desk;
mod disclaims;
pub(crate) mod errors;
pub(crate) mod escalation_view;
mod escalations;
pub(crate) mod exemptions;
pub(crate) mod export;
pub(crate) mod extract;
pub(crate) mod meetings;
pub(crate) mod notices;
pub mod openapi;
pub(crate) mod paging;
pub(crate) mod preview;
mod preview_api;
pub(crate) mod progress;
pub(crate) mod requests;
pub(crate) mod rules;
pub(crate) mod stats;
pub(crate) mod tasks;
pub(crate) mod view;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use jiesu_domain::ports::{Audit, Cases, Escalations, Notifications, RuleBook, Stats, Store};
use jiesu_media::MediaDir;
use jiesu_workflow::{RulebookService, Workflow};

pub use errors::act_error;

/// What the work routes need.
#[derive(Debug)]
pub struct WorkApi<S> {
    pub workflow: Workflow<S>,
    /// Where progress photos are kept (the same directory the web form's photos go to).
    pub media: MediaDir,
    pub public_url: String,
    pub max_photo_bytes: usize,
    /// Decisions on proposed rules; puts an accepted one in force in this process at once.
    pub rules: RulebookService<S>,
    /// How the rates weigh their parts (`[rates]`).
    pub weights: jiesu_domain::rates::Weights,
    /// 秒回's knowledge base in force (`None`: the district has none).
    pub answers: Option<jiesu_answers::LiveAnswers>,
}

pub fn routes<S: Store + Cases + Escalations + RuleBook + Stats + Audit + Notifications>(
    api: Arc<WorkApi<S>>,
) -> Router {
    Router::new()
        .route("/api/v1/tasks", get(tasks::list::<S>))
        .route("/api/v1/tasks/{id}", get(tasks::show::<S>))
        .route("/api/v1/tasks/{id}/claim", post(tasks::claim::<S>))
        .route("/api/v1/tasks/{id}/progress", post(progress::progress::<S>))
        .route("/api/v1/tasks/{id}/resolve", post(tasks::resolve::<S>))
        .route("/api/v1/tasks/{id}/disclaim", post(disclaims::disclaim::<S>))
        .route("/api/v1/tasks/{id}/extension", post(tasks::extension::<S>))
        .route("/api/v1/tasks/{id}/appeal", post(exemptions::appeal::<S>))
        .route("/api/v1/tasks/{id}/final-reply", post(exemptions::final_reply::<S>))
        .route("/api/v1/tasks/{id}/release", post(disclaims::release::<S>))
        .route("/api/v1/tasks/{id}/disclaim-review", post(disclaims::disclaim_review::<S>))
        .route("/api/v1/requests/{tracking}", get(requests::show::<S>))
        .route("/api/v1/requests/{tracking}/dispatch", post(requests::dispatch::<S>))
        .route("/api/v1/requests/{tracking}/transfer", post(requests::transfer::<S>))
        .route("/api/v1/requests/{tracking}/assists", post(requests::add_assist::<S>))
        .route("/api/v1/requests/{tracking}/review", post(requests::review::<S>))
        .route("/api/v1/requests/{tracking}/visit", post(requests::visit::<S>))
        .route("/api/v1/requests/{tracking}/reveal-phone", post(requests::reveal_phone::<S>))
        .route("/api/v1/desk", get(desk::desk::<S>))
        .route("/api/v1/extensions", get(desk::extensions::<S>))
        .route("/api/v1/extensions/{id}/decision", post(desk::decide_extension::<S>))
        .route("/api/v1/exemptions", get(exemptions::pending::<S>))
        .route("/api/v1/exemptions/{id}/decision", post(exemptions::decide_endpoint::<S>))
        .route("/api/v1/notifications/undelivered", get(notices::undelivered::<S>))
        .route("/api/v1/escalations", get(escalations::list::<S>))
        .route("/api/v1/escalations/{id}", get(escalations::show::<S>))
        .route("/api/v1/escalations/{id}/dismiss", post(escalations::dismiss::<S>))
        .route("/api/v1/meetings", get(meetings::list::<S>))
        .route("/api/v1/meetings/{id}", get(meetings::show::<S>))
        .route("/api/v1/meetings/{id}/confirm", post(meetings::confirm::<S>))
        .route("/api/v1/meetings/{id}/reschedule", post(meetings::reschedule::<S>))
        .route("/api/v1/meetings/{id}/decision", post(meetings::decide::<S>))
        .route("/api/v1/stats", get(stats::stats::<S>))
        .route("/api/v1/answers", get(answers::search::<S>))
        .route("/api/v1/exports/requests.csv", get(export::csv::<S>))
        .route("/api/v1/exports/requests.xlsx", get(export::xlsx::<S>))
        .route("/api/v1/rules/proposed", get(rules::list::<S>))
        .route("/api/v1/rules/proposed/{id}", get(rules::show::<S>))
        .route("/api/v1/rules/proposed/{id}/accept", post(rules::accept::<S>))
        .route("/api/v1/rules/proposed/{id}/decline", post(rules::decline::<S>))
        .route("/api/v1/rules/proposed/{id}/preview", post(preview_api::preview_rule::<S>))
        .with_state(api)
}
