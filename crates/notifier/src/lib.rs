//! The notify role (issue 16). Its first half records: every event that tells someone something
//! becomes notification rows, written in one commit per batch and unique per (event, audience,
//! channel), so a redelivered event adds nothing. Its second half sends: due rows are taken from
//! the store after that commit, composed into messages (`compose`), handed to the gateways (the
//! `Gateway` port), and settled: sent, tried again later with a growing wait, or given up, each
//! settled try written into the request's history.

mod bundle;
mod compose;
mod consumer;
mod pace;
mod quiet;
mod recorder;
mod sender;

pub use compose::{Directory, Hooks, Links, NO_ADDRESS, NO_WEBHOOK, NOT_PUBLIC, compose, language};
pub use consumer::Recorder;
pub use quiet::QuietHours;
pub use recorder::{NOTIFY_QUEUE, Record, TOPICS, carried, via_for};
pub use sender::{Sender, SenderSettings};

use std::collections::HashMap;

use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{Cases, StoreError};
use jiesu_domain::request::Request;

/// The requests `ids` name (repeats read once), in one query: what both halves read a batch by.
async fn requests_of<S: Cases>(
    store: &S,
    ids: impl Iterator<Item = RequestId>,
) -> Result<HashMap<RequestId, Request>, StoreError> {
    let mut ids: Vec<RequestId> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let found = store.requests_by_id(&ids).await?;
    Ok(found.into_iter().map(|v| (v.request.submitted.id, v.request)).collect())
}
