//! The rules coordination meetings propose: a supervisor's decision on one, and the district in
//! force of this process, composed from the district's files and the accepted rules.
//!
//! An acceptance is checked against the list in force (the files and the rules accepted before)
//! and refused with the compile messages if the rule does not fit (a tie, an unknown bureau, area
//! or category), so the supervisor edits it instead. Once written, this process composes its
//! district again at once, so its next request is routed by the rule; other processes notice the
//! changed `rulebook_revision` when they poll it (`jiesu::reload`).
//!
//! The working-day calendar days administrators set are composed the same way: laid over the
//! files' calendar (`overlay`), in force here at once, elsewhere at the next poll.
//!
//! Compositions are serialized by one lock, held from reading the rulebook to putting the result
//! in force, so a poll and an acceptance cannot interleave and leave the older list in force.

use std::sync::Arc;

use jiesu_domain::audit::AuditEntry;
use jiesu_domain::district::{District, check_acceptance, compose};
use jiesu_domain::escalation::{
    ProposalDecision, ProposalEdits, ProposalId, ProposalState, ProposedRule, Verdict,
};
use jiesu_domain::live_district::{FilesStatus, LiveDistrict};
use jiesu_domain::overlay::DayOverride;
use jiesu_domain::ports::{Decided, RuleBook, RulebookRevision, StoreError, StoredDay};
use jiesu_domain::staff::Username;
use jiesu_domain::workflow::Note;
use tokio::sync::Mutex;

/// Why a decision on a proposed rule was not taken.
#[derive(Debug, thiserror::Error)]
pub enum RuleDecisionError {
    #[error("no such proposed rule")]
    NotFound,
    #[error("the proposed rule was already {}", .0.as_str())]
    AlreadyDecided(ProposalState),
    /// The rule does not fit the responsibility list in force; each problem as the compiler says it.
    #[error("the rule does not fit the responsibility list: {}", .0.join("; "))]
    Conflict(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a calendar day was not set.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The day does not check (`DayOverride::check`): said in words.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct RulebookService<R> {
    store: R,
    district: LiveDistrict,
    /// The revision the district in force was composed from (`None`: not yet composed).
    composed: Arc<Mutex<Option<RulebookRevision>>>,
}

impl<R: RuleBook> RulebookService<R> {
    pub fn new(store: R, district: LiveDistrict) -> Self {
        Self { store, district, composed: Arc::new(Mutex::new(None)) }
    }

    pub fn store(&self) -> &R {
        &self.store
    }

    pub fn district(&self) -> Arc<District> {
        self.district.current()
    }

    /// The district as its files alone give it.
    pub fn files(&self) -> Arc<District> {
        self.district.files()
    }

    /// When the files in force were loaded, and a refused reload since.
    pub fn files_status(&self) -> FilesStatus {
        self.district.status()
    }

    /// Notes a reload the files failed: the district in force stays.
    pub fn note_refused(&self, problems: Vec<String>) {
        self.district.note_refused(problems);
    }

    /// Sets a working-day calendar day (with its audit entry, in one transaction), then puts the
    /// calendar in force in this process.
    pub async fn set_calendar_day(
        &self,
        day: DayOverride,
        by: &Username,
        audit: &AuditEntry,
    ) -> Result<(), CalendarError> {
        day.check().map_err(CalendarError::Invalid)?;
        let stored = StoredDay { day, set_by: Some(by.as_str().to_owned()), set_at: audit.at };
        self.store.set_calendar_day(&stored, audit).await?;
        tracing::info!(day = %stored.day.date, kind = stored.day.kind.as_str(), by = %by, "calendar day set");
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "the calendar day is stored but not yet in force here");
        }
        Ok(())
    }

    /// Accepts a proposal, with the supervisor's edits, if the rule fits the list in force; then
    /// puts it in force in this process.
    pub async fn accept(
        &self,
        id: ProposalId,
        edits: ProposalEdits,
        by: &str,
        note: Option<Note>,
    ) -> Result<ProposedRule, RuleDecisionError> {
        let proposal = self.store.proposal(id).await?.ok_or(RuleDecisionError::NotFound)?;
        if proposal.state != ProposalState::Proposed {
            return Err(RuleDecisionError::AlreadyDecided(proposal.state));
        }
        let accepted = self.store.accepted_rules().await?;
        let candidate = proposal.with_edits(&edits);
        check_acceptance(&self.district.files(), &accepted, &candidate)
            .map_err(RuleDecisionError::Conflict)?;
        let decided = self.decide(id, Verdict::Accept(edits), by, note).await?;
        tracing::info!(proposal.id = %id, rule = %decided.rule_id(), by, "proposed rule accepted");
        // Written is written: a failure to compose now is retried by the next poll.
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "the accepted rule is stored but not yet in force here");
        }
        Ok(decided)
    }

    /// Declines a proposal: the list stays as it is.
    pub async fn decline(
        &self,
        id: ProposalId,
        by: &str,
        note: Option<Note>,
    ) -> Result<ProposedRule, RuleDecisionError> {
        let decided = self.decide(id, Verdict::Decline, by, note).await?;
        tracing::info!(proposal.id = %id, by, "proposed rule declined");
        Ok(decided)
    }

    async fn decide(
        &self,
        id: ProposalId,
        verdict: Verdict,
        by: &str,
        note: Option<Note>,
    ) -> Result<ProposedRule, RuleDecisionError> {
        let decision = ProposalDecision { verdict, by: by.to_owned(), note, at: jiesu_domain::time::now() };
        match self.store.decide_proposal(id, &decision).await? {
            Decided::Yes(p) => Ok(*p),
            Decided::NotFound => Err(RuleDecisionError::NotFound),
            Decided::AlreadyDecided(state) => Err(RuleDecisionError::AlreadyDecided(state)),
        }
    }

    /// Composes the district in force again from the files in force and the accepted rules.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        self.compose(None, true).await.map(|_| ())
    }

    /// Composes again if a rule was accepted since the last composition (here or in another
    /// process). Answers whether it did.
    pub async fn refresh_if_changed(&self) -> Result<bool, StoreError> {
        self.compose(None, false).await
    }

    /// Puts newly loaded files in force, with the accepted rules composed onto them. Without the
    /// accepted rules (the database unreachable) nothing changes: routing by the files alone
    /// would silently drop what supervisors decided.
    pub async fn replace_files(&self, files: District) -> Result<(), StoreError> {
        self.compose(Some(files), true).await.map(|_| ())
    }

    async fn compose(&self, files: Option<District>, force: bool) -> Result<bool, StoreError> {
        let mut composed_from = self.composed.lock().await;
        // Read before the rules: an acceptance in between makes the next poll compose again.
        let revision = self.store.rulebook_revision().await?;
        if !force && *composed_from == Some(revision) {
            return Ok(false);
        }
        let accepted = self.store.accepted_rules().await?;
        let days: Vec<DayOverride> = self.store.calendar_days().await?.into_iter().map(|d| d.day).collect();
        let files = files.map_or_else(|| self.district.files(), Arc::new);
        // Compiling the rules (keyword automaton, tie check) is CPU work: off the runtime.
        let (files, result) = tokio::task::spawn_blocking(move || {
            let mut result = compose(&files, &accepted);
            let (calendar, problems) = result.district.calendar().overlaid(&days);
            for problem in problems {
                tracing::error!(%problem, "a stored calendar day is left out");
            }
            result.district = result.district.with_calendar(calendar);
            (files, result)
        })
        .await
        .map_err(|e| StoreError::Unexpected(format!("composing the district failed: {e}")))?;
        for s in &result.skipped {
            tracing::error!(
                proposal.id = %s.proposal,
                rule = %s.rule,
                problems = %s.problems.join("; "),
                "an accepted rule no longer fits the district and is left out"
            );
        }
        let rules = result.district.rules().len();
        self.district.replace_composed(files, result.district);
        *composed_from = Some(revision);
        tracing::info!(
            rules,
            accepted = revision.accepted,
            left_out = result.skipped.len(),
            "district in force composed"
        );
        Ok(true)
    }
}
