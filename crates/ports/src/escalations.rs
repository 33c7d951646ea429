//! The escalations port: what supervisors and conveners list and look up. Changes to escalations
//! and meetings go through the cases port (they belong to their request's case); this port only
//! reads across cases.

use std::future::Future;

use chrono::{DateTime, Utc};

use jiesu_decisions::escalation::{Escalation, EscalationId, EscalationState, Meeting, MeetingId, Trigger};
use jiesu_model::area::AreaLevel;
use jiesu_model::ids::RequestId;
use jiesu_model::request::Request;

use super::page::Page;
use super::store::StoreError;

/// Which escalations to list, oldest first: by the time they opened, then by id
/// (`Listing::Escalations`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EscalationQuery {
    /// Any of these triggers (empty: all).
    pub triggers: Vec<Trigger>,
    /// Any of these states (empty: all).
    pub states: Vec<EscalationState>,
    /// Held at any of these levels (empty: all).
    pub levels: Vec<AreaLevel>,
    /// Only those opened before this time (older than an age).
    pub opened_before: Option<DateTime<Utc>>,
    pub page: Page,
}

pub trait Escalations: Clone + Send + Sync + 'static {
    /// Escalations with their requests.
    fn list_escalations(
        &self,
        query: &EscalationQuery,
    ) -> impl Future<Output = Result<Vec<(Escalation, Request)>, StoreError>> + Send;

    fn escalation_request(
        &self,
        id: EscalationId,
    ) -> impl Future<Output = Result<Option<RequestId>, StoreError>> + Send;

    /// How many escalations there are of each trigger and state, among these states (empty:
    /// all), in trigger then state order; a pair with none is left out.
    fn count_escalations(
        &self,
        states: &[EscalationState],
    ) -> impl Future<Output = Result<Vec<(Trigger, EscalationState, u64)>, StoreError>> + Send;

    /// Meetings scheduled in `[from, to)`, by time.
    fn meetings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Meeting>, StoreError>> + Send;

    fn meeting_request(
        &self,
        id: MeetingId,
    ) -> impl Future<Output = Result<Option<RequestId>, StoreError>> + Send;
}
