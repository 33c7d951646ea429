//! The what-if preview of a proposed rule (`jiesu_domain::what_if`): before a supervisor decides,
//! the requests received in the last days are routed again with the rule (and the supervisor's
//! edits) and without it. Read page by page from the store, newest first, routed off the runtime;
//! at most `MAX_EXAMINED` requests, the newest, so a preview on a very busy district stays a
//! matter of seconds (the answer says when it stopped short).

use chrono::Duration;
use jiesu_domain::district::check_acceptance;
use jiesu_domain::escalation::{ProposalEdits, ProposalId};
use jiesu_domain::ports::{Cursor, Page, RequestQuery, RuleBook, Store};
use jiesu_domain::what_if::{Preview, WhatIf};

use super::WorkApi;
use crate::ApiError;

/// Requests read from the store at once.
const BATCH: u32 = 1_000;
/// The most a preview routes.
pub(crate) const MAX_EXAMINED: u64 = 200_000;

/// A preview, or why the rule cannot be previewed (it does not fit the list in force: the
/// compiler's messages, as an acceptance would be refused).
#[derive(Debug)]
pub(crate) enum Previewed {
    Done { what: WhatIf, days: u32, capped: bool },
    DoesNotFit(Vec<String>),
}

pub(crate) async fn preview<S: Store + RuleBook + jiesu_domain::ports::Cases>(
    api: &WorkApi<S>,
    id: ProposalId,
    edits: &ProposalEdits,
    days: u32,
) -> Result<Previewed, ApiError> {
    let rules = &api.rules;
    let proposal =
        rules.store().proposal(id).await?.ok_or_else(|| ApiError::not_found("no such proposed rule"))?;
    let candidate = proposal.with_edits(edits);
    let accepted = rules.store().accepted_rules().await?;
    let rule = match check_acceptance(&rules.files(), &accepted, &candidate) {
        Ok(rule) => rule,
        Err(problems) => return Ok(Previewed::DoesNotFit(problems)),
    };
    let now = rules.district();
    let with_rule = match now.with_rules(vec![rule]) {
        Ok(d) => std::sync::Arc::new(d),
        Err(errors) => return Ok(Previewed::DoesNotFit(errors.into_iter().map(|e| e.message).collect())),
    };
    let from = jiesu_domain::time::now() - Duration::days(i64::from(days));
    let mut query = RequestQuery {
        received_from: Some(from),
        staff: true,
        page: Page::first(BATCH),
        ..Default::default()
    };
    let store = api.workflow.store();
    let mut preview = Preview::new(now, with_rule);
    let mut examined = 0u64;
    let capped = loop {
        let batch = store.list_requests(&query).await?;
        let last = batch.last().map(Cursor::of_request);
        let full = batch.len() == BATCH as usize;
        examined += batch.len() as u64;
        // Routing a batch twice is CPU work: off the runtime.
        preview = tokio::task::spawn_blocking(move || {
            for v in &batch {
                preview.add(&v.request, &v.tasks);
            }
            preview
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a rule preview stopped");
            ApiError::internal()
        })?;
        match last {
            Some(c) if full && examined < MAX_EXAMINED => query.page = Page::after(BATCH, c),
            _ => break full && examined >= MAX_EXAMINED,
        }
    };
    let what = preview.finish();
    Ok(Previewed::Done { what, days, capped })
}
