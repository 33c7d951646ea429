//! The staff's pages under `/staff`: sign-in, the bureau's inbox, the case page with its actions.
//! Server-rendered with maud; htmx (vendored, `jiesu_assets`) boosts links and forms so a page
//! swaps in place, and every page works without script.
//!
//! One place decides, two renderings: a page handler calls the same functions the JSON API's
//! handlers call (`work::tasks::task_view`, `commit`, the store's scoped listings) and renders
//! their view types (`TaskDetail`, `TaskItem`) as HTML. So a page reaches exactly what the API
//! would: another bureau's task is "not found" on both.
//!
//! Sessions are the `jiesu_session` cookie (HttpOnly, SameSite=Strict) the sign-in form sets.
//! Every state-changing form carries a token derived from the session (`FormToken`); a POST
//! without it, or with another session's, is 403 and changes nothing (`session::Checked`).
//!
//! | page | who |
//! |---|---|
//! | `GET/POST /staff/login`, `POST /staff/logout`, `GET/POST /staff/password`, `GET/POST /staff/notifications` | everyone |
//! | `GET /staff` | everyone: their start page |
//! | `GET /staff/inbox` (`tab`, filters, `after`) | bureau staff and admins: their bureau's tasks |
//! | `GET /staff/tasks/{id}`, `POST /staff/tasks/{id}/{action}` | the task's bureau; district-wide roles read |
//! | `GET /staff/desk` (`queue`, `after`), `GET /staff/requests/{tracking}`, `POST /staff/requests/{tracking}/{action}` | operators (supervisors and admins read) |
//! | `GET /staff/meetings`, `GET /staff/meetings/{id}`, `POST /staff/meetings/{id}/{action}` | the convener's and invitees' staff, district-wide roles |
//! | `GET /staff/console` and its pages (`escalations`, `extensions`, `exemptions`, `notices`, `meetings`, `hotspots`, `rules`, `report`) | supervisors and admins |
//! | `GET/POST /staff/answers`, `POST /staff/answers/questions/{request}/set-aside` | bureau staff and admins: their bureau's questions 秒回 could not answer |
//! | `GET /staff/answers`, `POST /staff/answers/{id}/review` | operators, supervisors, admins: the answers to review |
//! | `/staff/admin/...` (users, API keys, the audit log; see `admin`) | admins |

mod actions;
mod admin;
mod answers;
mod answers_review;
mod case;
mod case_exempt;
mod console;
mod console_escalations;
mod console_exemptions;
mod console_extensions;
mod console_figures;
mod console_filters;
mod console_hotspots;
mod console_meetings;
mod console_notices;
mod console_report;
mod console_rules;
mod desk;
mod desk_act;
mod inbox;
mod layout;
mod login;
mod map;
mod meetings;
mod notice_settings;
mod session;
mod words;

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiesu_auth::Auth;
use jiesu_domain::ports::{
    Accounts, AnswerBook, Cases, Escalations, Notifications, RuleBook, Stats, Store, Webhooks,
};
use jiesu_domain::secret::ServerKey;

use crate::work::WorkApi;
pub(crate) use session::Viewer;

/// What the pages need.
#[derive(Debug)]
pub struct Pages<S> {
    pub work: Arc<WorkApi<S>>,
    pub auth: Auth<S>,
    /// Derives each session's form token.
    pub key: ServerKey,
    /// Mark cookies `Secure` (the service is reached over https).
    pub secure_cookie: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client at sign-in.
    pub trusted_proxies: Vec<IpAddr>,
    /// Whether the notify role calls webhooks (the administration page says when it does not).
    pub webhooks_on: bool,
}

pub(crate) type State<S> = axum::extract::State<Arc<Pages<S>>>;

pub fn routes<
    S: Store + Cases + Accounts + Escalations + RuleBook + Stats + Notifications + Webhooks + AnswerBook,
>(
    pages: Arc<Pages<S>>,
) -> Router {
    Router::new()
        .route("/staff", get(home::<S>))
        .route("/staff/", get(home::<S>))
        .route("/staff/login", get(login::form::<S>).post(login::submit::<S>))
        .route("/staff/logout", post(login::logout::<S>))
        .route("/staff/password", get(login::password_form::<S>).post(login::change_password::<S>))
        .route("/staff/notifications", get(notice_settings::show::<S>).post(notice_settings::save::<S>))
        .route("/staff/lang/{lang}", get(session::switch_language))
        .route("/staff/inbox", get(inbox::inbox::<S>))
        .route("/staff/tasks/{id}", get(case::task_page::<S>))
        .route("/staff/tasks/{id}/{action}", post(actions::act::<S>))
        .route("/staff/desk", get(desk::desk::<S>))
        .route("/staff/requests/{tracking}", get(desk::request_page::<S>))
        .route("/staff/requests/{tracking}/{action}", post(desk_act::act::<S>))
        .route("/staff/console", get(console::console::<S>))
        .route("/staff/console/escalations", get(console_escalations::list::<S>))
        .route("/staff/console/escalations/{id}/dismiss", post(console_escalations::dismiss::<S>))
        .route("/staff/console/extensions", get(console_extensions::list::<S>))
        .route("/staff/console/exemptions", get(console_exemptions::list::<S>))
        .route("/staff/console/exemptions/{id}", post(console_exemptions::decide::<S>))
        .route("/staff/console/notices", get(console_notices::list::<S>))
        .route("/staff/console/meetings", get(console_meetings::calendar::<S>))
        .route("/staff/console/hotspots", get(console_hotspots::list::<S>))
        .route("/staff/console/hotspots/{id}/resolve", post(console_hotspots::resolve::<S>))
        .route("/staff/console/report", get(console_report::report::<S>))
        .route("/staff/console/rules", get(console_rules::list::<S>))
        .route("/staff/console/rules/{id}", get(console_rules::page::<S>))
        .route("/staff/console/rules/{id}/{action}", post(console_rules::decide::<S>))
        .route("/staff/console/extensions/{id}/{action}", post(console_extensions::decide::<S>))
        .route("/staff/admin", get(admin::users::list::<S>))
        .route("/staff/admin/users", post(admin::users::create::<S>))
        .route("/staff/admin/users/{username}/{action}", post(admin::users::change::<S>))
        .route("/staff/admin/keys", get(admin::keys::list::<S>).post(admin::keys::create::<S>))
        .route("/staff/admin/keys/{id}/revoke", post(admin::keys::revoke::<S>))
        .route("/staff/admin/webhooks", get(admin::webhooks::list::<S>).post(admin::webhooks::create::<S>))
        .route("/staff/admin/webhooks/{id}/remove", post(admin::webhooks::remove::<S>))
        .route("/staff/admin/district", get(admin::district::page::<S>))
        .route("/staff/admin/calendar", get(admin::calendar::page::<S>).post(admin::calendar::set::<S>))
        .route("/staff/admin/audit", get(admin::audit::list::<S>))
        .route("/staff/admin/audit.csv", get(admin::audit::export::<S>))
        .route("/staff/answers", get(answers::page::<S>).post(answers::propose::<S>))
        .route("/staff/answers/questions/{request}/set-aside", post(answers::set_aside::<S>))
        .route("/staff/answers/{id}/review", post(answers_review::review::<S>))
        .route("/staff/meetings", get(meetings::list::<S>))
        .route("/staff/meetings/{id}", get(meetings::page::<S>))
        .route("/staff/meetings/{id}/{action}", post(meetings::act::<S>))
        .with_state(pages)
}

/// Where each role starts its day: a bureau's staff at their inbox, the desk and supervisors at
/// the desk's queues.
async fn home<S: Store + Cases + Accounts>(viewer: Viewer<S>) -> Response {
    let to = if viewer.me.bureau.is_some() { "/staff/inbox" } else { "/staff/desk" };
    Redirect::to(to).into_response()
}
