//! `POST /api/v1/rules/proposed/{id}/preview`: the what-if preview as JSON, the same computation
//! the console's rule page shows (`preview::preview`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use jiesu_domain::escalation::ProposalId;
use jiesu_domain::ports::{Cases, RuleBook, Store};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::IdPath;
use super::preview::{Previewed, preview};
use super::rules::{EditsBody, optional_body};
use super::tasks::Api;
use super::view::{self, Bureau};
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::Supervising;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PreviewBody {
    /// The requests received in this many last days (1 to 366; default 90).
    days: Option<u32>,
    #[serde(default)]
    edits: EditsBody,
}

/// Requests that would have gone from one lead to another.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoveView {
    pub from: Bureau,
    pub to: Bureau,
    pub requests: u64,
    /// Of those, how many the bureau that got the request (its first lead) disclaimed.
    pub disclaimed_by_first: u64,
}

/// What the rule, as edited, would have done to the recent requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewView {
    pub days: u32,
    /// Requests routed again (at most the newest 200,000: see `capped`).
    pub examined: u64,
    pub capped: bool,
    /// Of those, how many would have had another lead.
    pub differ: u64,
    pub disclaimed_by_first: u64,
    /// Largest first.
    pub moves: Vec<MoveView>,
    /// When the rule as edited does not fit the responsibility list: why, as the compiler says
    /// it (the figures are then zero).
    pub problems: Vec<String>,
}

/// Preview a proposed rule (规则预演)
///
/// The requests received in the last `days` (default 90) routed again with the rule (and the
/// supervisor's edits) and without it: how many would have gone to another lead, from whom to
/// whom, and how many of those the first lead disclaimed. Nothing is written.
///
/// Who: supervisors, admins
#[utoipa::path(
    post, operation_id = "rules_preview", path = "/api/v1/rules/proposed/{id}/preview", tag = "supervisors",
    params(("id" = uuid::Uuid, Path, description = "The proposed rule's id.")), request_body(content = Option<PreviewBody>),
    responses(
        (status = 200, body = PreviewView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
)]
pub(super) async fn preview_rule<S: Store + Cases + RuleBook>(
    State(api): Api<S>,
    Supervising(_): Supervising,
    IdPath(id): IdPath<ProposalId>,
    body: Bytes,
) -> Result<Json<PreviewView>, ApiError> {
    let b: PreviewBody = optional_body(&body)?;
    let days = b.days.unwrap_or(90).clamp(1, 366);
    let edits = b.edits.parse()?;
    let d = api.rules.district();
    let view = match preview(&api, id, &edits, days).await? {
        Previewed::Done { what, days, capped } => PreviewView {
            days,
            examined: what.examined,
            capped,
            differ: what.differ,
            disclaimed_by_first: what.disclaimed_by_first,
            moves: what
                .moves
                .iter()
                .map(|m| MoveView {
                    from: view::bureau(&d, &m.from),
                    to: view::bureau(&d, &m.to),
                    requests: m.requests,
                    disclaimed_by_first: m.disclaimed_by_first,
                })
                .collect(),
            problems: Vec::new(),
        },
        Previewed::DoesNotFit(problems) => PreviewView {
            days,
            examined: 0,
            capped: false,
            differ: 0,
            disclaimed_by_first: 0,
            moves: Vec::new(),
            problems,
        },
    };
    Ok(Json(view))
}
