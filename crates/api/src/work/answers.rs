//! 秒回 for the call centre's operators (`GET /api/v1/answers?q=`): the knowledge base's first
//! hits for what a caller asks, with their scores and whether 秒回 would give the first one on its
//! own, so an operator reads out a published answer instead of composing one. And the knowledge
//! base kept current: the answers the desk approved, composed with the district's files.

use axum::Json;
use axum::extract::State;
use jiesu_answers::{Entry, LiveAnswers};
use jiesu_domain::ports::{AnswerBook, AnswerState, Cases, Store, StoredAnswer};
use jiesu_domain::time::LOCAL;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::QueryOf;
use super::tasks::Api;
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::DistrictWide;

/// How many approved answers are read into the knowledge base at most.
const MAX_STORED: u32 = 5_000;
/// The most a question is read: a search needs a sentence, not an essay.
const MAX_QUERY: usize = 500;

/// An approved answer as a knowledge base entry: valid from its approval, under its `kb-` id.
pub fn entry_of(a: &StoredAnswer) -> Entry {
    Entry {
        id: a.entry_id(),
        questions: a.questions.clone(),
        answer: a.answer.clone(),
        bureau: a.bureau.as_str().to_owned(),
        category: a.category.clone(),
        valid_from: a.reviewed_at.map(|t| t.with_timezone(&LOCAL).date_naive()),
        valid_to: a.valid_to,
        source: a.source.clone(),
    }
}

/// Reads the approved answers and puts them in force beside the files. Answers how many are in
/// force; a stored answer the knowledge base refuses is logged and left out.
pub async fn refresh<S: AnswerBook>(store: &S, live: &LiveAnswers) -> Result<usize, ApiError> {
    let approved = store.stored_answers(AnswerState::Approved, None, MAX_STORED).await?;
    let n = approved.len();
    for why in live.set_stored(approved.iter().map(entry_of).collect()) {
        tracing::warn!(problem = %why, "a stored answer was left out of the knowledge base");
    }
    Ok(n)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnswersParams {
    /// What the caller asks, in their words (the first 500 characters are read).
    q: String,
}

/// One entry that matches, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerHit {
    /// The entry's id (`kb-…` for an answer a bureau wrote and the desk approved).
    pub id: String,
    /// Its questions, in the wordings citizens use.
    pub questions: Vec<String>,
    pub answer: String,
    /// The owning bureau's code.
    pub bureau: String,
    pub category: String,
    /// The policy document it rests on.
    pub source: Option<String>,
    /// Relevance, in rare words matched: about 1.5 and up is a likely match.
    pub score: f32,
    /// Whether 秒回 gives this answer on its own (it is clearly relevant and clearly ahead).
    pub given: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswersAnswer {
    /// The first five hits, whatever their score.
    pub hits: Vec<AnswerHit>,
}

#[utoipa::path(
    get, operation_id = "answers", path = "/api/v1/answers", tag = "dispatch desk", params(AnswersParams),
    responses(
        (status = 200, body = AnswersAnswer), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn search<S: Store + Cases>(
    State(api): Api<S>,
    DistrictWide(_): DistrictWide,
    QueryOf(p): QueryOf<AnswersParams>,
) -> Result<Json<AnswersAnswer>, ApiError> {
    let Some(live) = &api.answers else { return Ok(Json(AnswersAnswer { hits: Vec::new() })) };
    let kb = live.current();
    let query: String = p.q.chars().take(MAX_QUERY).collect();
    let today = jiesu_domain::time::now().with_timezone(&LOCAL).date_naive();
    let given = kb.answer(&query, today).map(|h| h.index);
    let hits = kb
        .search(&query, today)
        .into_iter()
        .take(5)
        .map(|h| AnswerHit {
            id: h.id().to_owned(),
            questions: h.entry.questions.clone(),
            answer: h.entry.answer.clone(),
            bureau: h.entry.bureau.clone(),
            category: h.entry.category.clone(),
            source: h.entry.source.clone(),
            score: h.score,
            given: given == Some(h.index),
        })
        .collect();
    Ok(Json(AnswersAnswer { hits }))
}
