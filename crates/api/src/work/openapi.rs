//! The OpenAPI document of the staff API and the hotline API, generated from the handlers'
//! `#[utoipa::path]` operations and the bodies' schemas, so it cannot drift from the code: a
//! route the router serves and the document does not list (or the other way round) fails
//! `tests/tests/openapi.rs`.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    answers, desk, disclaims, escalations, exemptions, export, meetings, notices, preview_api, progress,
    requests, rules, stats, tasks,
};
use crate::auth;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jiesu staff and hotline API",
        version = "1",
        description = "The API bureau staff, the dispatch desk and supervisors work requests with \
            (`/api/v1`), and the 12345 hotline's work-order intake (`/hotline/v1`). Staff API errors \
            are `{\"error\": {\"code\", \"message\"}}` with a stable snake_case code; the hotline's \
            add the `field` at fault. Phone numbers and WeChat OpenIDs are masked in every answer \
            of the staff API.",
    ),
    paths(
        auth::login, auth::logout, auth::me,
        tasks::list, tasks::show, tasks::claim, progress::progress, tasks::resolve, disclaims::disclaim,
        tasks::extension, exemptions::appeal, exemptions::final_reply, disclaims::release,
        disclaims::disclaim_review,
        requests::show, requests::dispatch, requests::transfer, requests::add_assist, requests::review,
        requests::visit, requests::reveal_phone,
        desk::desk, desk::extensions, desk::decide_extension, exemptions::pending, exemptions::decide_endpoint,
        notices::undelivered,
        escalations::list, escalations::show, escalations::dismiss,
        meetings::list, meetings::show, meetings::confirm, meetings::reschedule, meetings::decide,
        rules::list, rules::show, rules::accept, rules::decline, preview_api::preview_rule,
        stats::stats, export::csv, export::xlsx, answers::search,
    ),
    security(("bearer" = []), ("session" = [])),
    modifiers(&SecuritySchemes, &StatusMeanings),
    tags(
        (name = "staff", description = "Sign-in (登录) and the signed-in staff member."),
        (name = "tasks", description = "A bureau's tasks (任务): claim, progress, resolve, disclaim, extensions, appeals and final replies."),
        (name = "dispatch desk", description = "The dispatch desk (派单台): requests in full and the desk's decisions."),
        (name = "supervisors", description = "Extensions, appeals and final replies, escalations (升级), proposed rules and the rates (三率), for supervisors."),
        (name = "meetings", description = "Coordination meetings (协调会)."),
    ),
)]
struct StaffApi;

/// How callers authenticate: staff by bearer token or session cookie, the call centre by API key.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::staff::SESSION_COOKIE))),
        );
    }
}

/// What each status means in the staff API, said once here rather than on every operation;
/// an operation's own description of a status wins.
struct StatusMeanings;

const MEANINGS: &[(&str, &str)] = &[
    ("200", "The answer."),
    ("400", "Invalid input: `invalid_json`, `invalid_query`, `invalid_field`, `invalid_form`."),
    ("401", "No valid session: `unauthenticated` (or, at login, `invalid_credentials`)."),
    ("403", "The caller's role does not allow this: `forbidden`."),
    ("404", "No such resource, or not within the caller's reach: `not_found`."),
    (
        "409",
        "Refused as things stand: `illegal_transition`, `wrong_status`, `already_decided`, `contended`, ...",
    ),
    ("413", "Too large: `photo_too_large`."),
    ("422", "A bureau the district does not know: `unknown_bureau`."),
    ("423", "Too many failed logins: the account is locked for this client address."),
    ("429", "Too many attempts: wait as `Retry-After` says."),
    ("503", "Busy or unavailable: try again shortly."),
];

impl Modify for StatusMeanings {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let operations = doc.paths.paths.values_mut().flat_map(|item| {
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch]
                .into_iter()
                .flatten()
        });
        for operation in operations {
            for (status, response) in &mut operation.responses.responses {
                let utoipa::openapi::RefOr::T(response) = response else { continue };
                if response.description.is_empty() {
                    let meaning = MEANINGS.iter().find(|(s, _)| s == status).map(|(_, m)| *m);
                    response.description = meaning.unwrap_or("See the error's code.").to_owned();
                }
            }
        }
    }
}

/// The staff API's part of the document. The binary adds the channels' parts (the hotline's) and
/// serves the whole with `routes` (`jiesu::routes`), so this crate needs no channel.
pub fn staff() -> utoipa::openapi::OpenApi {
    StaffApi::openapi()
}

/// Serves a finished document at `/api/v1/openapi.json`, serialized once.
pub fn routes(document: &utoipa::openapi::OpenApi) -> Router {
    let json: Arc<str> = document.to_json().expect("the OpenAPI document serializes").into();
    Router::new().route(
        "/api/v1/openapi.json",
        get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json.to_string()) }),
    )
}
