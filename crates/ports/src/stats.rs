//! The stats port: the summary table of what requests count towards (`jiesu_rates`), kept by the
//! stats consumer and read by the supervisors' console. No page sums the requests themselves.

use std::future::Future;

use chrono::NaiveDate;

use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::ids::RequestId;
use jiesu_model::request::{Channel, Kind};
use jiesu_rates::{Counts, Tallies};

use super::store::StoreError;

/// One request's tallies worked out from its case at `version`.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseTallies {
    pub request_id: RequestId,
    pub version: i64,
    pub tallies: Tallies,
}

/// What the totals are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsBy {
    /// One total for everything asked.
    Nothing,
    Bureau,
    Street,
    Community,
    /// The category at a level of the taxonomy (1: `01`, 2: `0101`, 3: `010101`).
    Category(u8),
    Channel,
    Kind,
    /// Each district-local day (weeks and months are folded from days).
    Day,
}

/// Which counts are summed: a period, and at most one dimension's filter, which must be the one
/// grouped by or go with a grouping by time (the summary keeps each dimension apart; adapters
/// refuse other queries).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsFilter {
    pub bureau: Option<BureauCode>,
    pub street: Option<AreaCode>,
    pub community: Option<AreaCode>,
    /// This category or any below it.
    pub category: Option<CategoryCode>,
    pub channel: Option<Channel>,
    pub kind: Option<Kind>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    /// The first day counted.
    pub from: NaiveDate,
    /// The day after the last one counted.
    pub until: NaiveDate,
    pub by: StatsBy,
    pub filter: StatsFilter,
}

/// A group's totals: its value (a bureau's code, a day `2026-12-07`, ...; empty where the counts
/// have none, such as a request no bureau holds) and the summed counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRow {
    pub group: String,
    pub counts: Counts,
}

pub trait Stats: Clone + Send + Sync + 'static {
    /// Replaces each request's tallies in the summary by these, in one transaction: the summary
    /// moves by the difference from what the request counted before. A request's tallies from a
    /// version at or below the one already recorded change nothing, so a redelivered or late
    /// event, or two consumers at once, count a request once.
    fn record_tallies(&self, cases: &[CaseTallies]) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The summed counts of the query, per group, in the group's order.
    fn stats_totals(
        &self,
        query: &StatsQuery,
    ) -> impl Future<Output = Result<Vec<StatsRow>, StoreError>> + Send;

    /// Empties the summary and every request's recorded tallies (before a rebuild).
    fn clear_stats(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Request ids in id order after `after`, at most `limit` (a rebuild walks every request).
    fn request_ids_after(
        &self,
        after: Option<RequestId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<RequestId>, StoreError>> + Send;
}
