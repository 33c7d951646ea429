//! The rulebook port: the rules coordination meetings propose for the responsibility list, a
//! supervisor's decision on each, and the accepted ones that every process composes onto the
//! district's files (`district::compose`). Other processes notice an acceptance by polling the
//! cheap `rulebook_revision`.

use std::future::Future;

use chrono::{DateTime, Utc};

use jiesu_calendar::overlay::DayOverride;
use jiesu_decisions::escalation::{ProposalDecision, ProposalId, ProposalState, ProposedRule};
use jiesu_model::audit::AuditEntry;

use super::store::StoreError;

/// What became of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Written, with its event: the proposal as it now stands.
    Yes(Box<ProposedRule>),
    NotFound,
    /// It had been decided before (perhaps a moment ago, by another supervisor): nothing written.
    AlreadyDecided(ProposalState),
}

/// Changes whenever a proposal is accepted: compared, not read. Counting the accepted rules and
/// taking the latest decision time costs one indexed query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RulebookRevision {
    pub accepted: i64,
    pub last_decided_at: Option<DateTime<Utc>>,
    /// The calendar days administrators set, and the latest setting: any change moves one.
    pub calendar_days: i64,
    pub calendar_set_at: Option<DateTime<Utc>>,
}

/// A working-day calendar day an administrator set, with who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDay {
    pub day: DayOverride,
    /// The administrator's username (`None`: set from the server's command line).
    pub set_by: Option<String>,
    pub set_at: DateTime<Utc>,
}

pub trait RuleBook: Clone + Send + Sync + 'static {
    /// Stores a meeting's proposal. A meeting proposes at most one rule: a second insert for the
    /// same meeting (a redelivered decision) writes nothing and answers `false`.
    fn insert_proposal(&self, p: &ProposedRule) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Proposals in this state (any, when `None`), oldest first.
    fn proposals(
        &self,
        state: Option<ProposalState>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<ProposedRule>, StoreError>> + Send;

    fn proposal(
        &self,
        id: ProposalId,
    ) -> impl Future<Output = Result<Option<ProposedRule>, StoreError>> + Send;

    /// Accepts (with the edits) or declines a proposal still `proposed`, and appends the
    /// `rule_accepted` or `rule_declined` event to its request, in one transaction.
    fn decide_proposal(
        &self,
        id: ProposalId,
        decision: &ProposalDecision,
    ) -> impl Future<Output = Result<Decided, StoreError>> + Send;

    /// Every accepted proposal, in the order they were accepted (the order they compose in).
    fn accepted_rules(&self) -> impl Future<Output = Result<Vec<ProposedRule>, StoreError>> + Send;

    fn rulebook_revision(&self) -> impl Future<Output = Result<RulebookRevision, StoreError>> + Send;

    /// Every calendar day administrators set, by date.
    fn calendar_days(&self) -> impl Future<Output = Result<Vec<StoredDay>, StoreError>> + Send;

    /// Sets a day (replacing an earlier setting of its date) and writes its audit entry, in one
    /// transaction.
    fn set_calendar_day(
        &self,
        day: &StoredDay,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
