//! 秒回 on the web form: the knowledge base's answers to what the citizen is typing
//! (`GET /answers?q=`, JSON; operators have `/api/v1/answers` with scores), and the
//! request stored when the citizen says an answer settled it: a consultation answered at once
//! (直办), closed on receipt, never dispatched, counted like every request.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use jiesu_answers::{Entry, Hit, KnowledgeBase};
use jiesu_domain::contact::{Contact, PhoneNumber};
use jiesu_domain::district::District;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{Queue, Store};
use jiesu_domain::request::{Channel, ChannelRef, Details, Kind, Location, NewRequest};
use jiesu_domain::secret::ServerKey;
use jiesu_domain::text::{AddressText, Answer, Description};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;
use super::form::Values;

/// The most a question is read: a search needs a sentence, not an essay.
const MAX_QUERY: usize = 500;

#[derive(Debug, Deserialize)]
pub(super) struct AnswersQuery {
    #[serde(default)]
    q: String,
}

/// The answers worth showing for `q`: the one the knowledge base would give and any close
/// runners-up (at most three), or nothing; with `all`, the first five hits with their scores.
pub(super) async fn answers<S: Store, Q: Queue>(
    State(s): State<Shared<S, Q>>,
    Query(q): Query<AnswersQuery>,
) -> Json<Value> {
    let Some(live) = &s.answers else { return Json(json!({ "answers": [] })) };
    let kb = live.current();
    let query: String = q.q.chars().take(MAX_QUERY).collect();
    let today = jiesu_domain::time::now().with_timezone(&jiesu_domain::time::LOCAL).date_naive();
    let list: Vec<Value> = shown(&kb, &query, today)
        .iter()
        .map(|h| {
            json!({
                "id": h.id(),
                "question": h.entry.questions.first(),
                "answer": h.entry.answer,
                "source": h.entry.source,
                "bureau": h.entry.bureau,
            })
        })
        .collect();
    Json(json!({ "answers": list }))
}

fn shown<'kb>(kb: &'kb KnowledgeBase, query: &str, today: chrono::NaiveDate) -> Vec<Hit<'kb>> {
    let Some(best) = kb.answer(query, today) else { return Vec::new() };
    let floor = kb.thresholds().min_score;
    let others = kb.search(query, today).into_iter().filter(|h| h.index != best.index && h.score >= floor);
    std::iter::once(best).chain(others).take(3).collect()
}

/// The entry a submitted form says answered it, if the knowledge base has it.
pub(super) fn accepted<'kb>(kb: Option<&'kb Arc<KnowledgeBase>>, v: &Values) -> Option<&'kb Entry> {
    let id = v.answered_by.trim();
    kb.filter(|_| !id.is_empty()).and_then(|kb| kb.get(id))
}

/// The consultation an answer settled, from what the form holds: its words, and its place and
/// phone if given (neither is needed: nobody is sent). `Err` names what cannot be read.
pub(super) fn answered(
    v: &Values,
    entry: &Entry,
    key: &ServerKey,
    d: &District,
    now: DateTime<Utc>,
) -> Result<NewRequest, &'static str> {
    let description =
        Description::parse(&v.description).ok().filter(|x| !x.as_str().is_empty()).ok_or("description")?;
    let channel_ref = ChannelRef::parse(v.form_token.trim()).map_err(|_| "form_token")?;
    let typed = v.address.trim();
    let place = if typed.is_empty() { d.areas().root().name.clone() } else { typed.to_owned() };
    let address = AddressText::parse(&place).map_err(|_| "address")?;
    let location = Location::new(None, Some(address)).map_err(|_| "address")?;
    let phone = match v.phone.trim() {
        "" => None,
        p => Some(PhoneNumber::parse(p).map_err(|_| "phone")?),
    };
    let answer = Answer::parse(&format!("秒回：{}", entry.answer)).map_err(|_| "answer")?;
    let category = jiesu_domain::category::CategoryCode::parse(v.category.trim())
        .ok()
        .filter(|c| d.taxonomy().is_leaf(c));
    Ok(NewRequest {
        id: RequestId::generate(),
        tracking: TrackingNumber::for_key(key, Channel::Web.as_str(), "form", channel_ref.as_str()),
        channel: Channel::Web,
        channel_ref,
        kind: Kind::Consultation,
        category,
        description,
        location,
        contact: Contact { phone, ..Contact::default() },
        attributes: Default::default(),
        media: vec![],
        details: Details { answer: Some(answer), ..Details::default() },
        received_at: now,
    })
}
