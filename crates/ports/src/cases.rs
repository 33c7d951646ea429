//! The cases port: loading a request with everything the workflow decides on, committing the
//! workflow's changes with an optimistic version check, and the staff's listings. Every query that
//! reads tasks takes the caller's `Scope`, so a bureau's staff cannot reach another bureau's rows
//! whatever the HTTP layer does. The hotspot trigger's neighbour search lives here too: it reads the
//! requests and their hotspot memberships the workflow's commits write.

use std::future::Future;

use chrono::{DateTime, Utc};

use jiesu_calendar::deadline::Deadline;
use jiesu_calendar::desk::{DeskClock, DeskClockKind};
use jiesu_decisions::escalation::{Joined, Joining, Nearby, Neighbour, Subject};
use jiesu_decisions::workflow::{Case, Change, Exemption, Extension};
use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::ids::{RequestId, TaskId, TrackingNumber};
use jiesu_model::request::{Request, RequestStatus};
use jiesu_model::staff::Scope;
use jiesu_model::task::{Task, TaskState};

use super::page::Page;
use super::store::{RequestView, StoreError};

/// What became of a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    Yes,
    /// Someone changed the request since the case was loaded: nothing was written; load again and
    /// decide again.
    Stale,
}

/// Which tasks to list. Without a clock window, newest first: by dispatch time, then by id
/// (`Listing::Tasks`). With one, by each task's first running clock, soonest due first: by that
/// clock's due time, then its id (`Listing::ByClock`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskQuery {
    /// Any of these states (empty: all).
    pub states: Vec<TaskState>,
    /// Only this bureau's (for district-wide callers; a bureau scope already restricts it).
    pub bureau: Option<BureauCode>,
    /// Only tasks whose first running clock falls due in this window, soonest due first.
    pub clock: Option<ClockWindow>,
    /// What the task's request must match.
    pub filter: TaskFilter,
    pub page: Page,
}

/// Tasks listed by their first running (pending) clock, soonest due first: the task's earliest
/// pending deadline must fall in the window. A task with no running clock is in no window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockWindow {
    /// Due at or after this time.
    pub due_from: Option<DateTime<Utc>>,
    /// Due before this time.
    pub due_before: Option<DateTime<Utc>>,
}

impl ClockWindow {
    /// Overdue: the first running clock ran out before `now` (the longest overdue first).
    pub fn overdue(now: DateTime<Utc>) -> Self {
        Self { due_from: None, due_before: Some(now) }
    }

    /// Due soon: the first running clock runs out in `[now, until)`. A task whose first running
    /// clock already ran out is overdue, not due soon, even if a later clock falls in the window.
    pub fn due_soon(now: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        Self { due_from: Some(now), due_before: Some(until) }
    }

    /// Most urgent first: every task with a running clock.
    pub fn any() -> Self {
        Self { due_from: None, due_before: None }
    }
}

/// What a listed task's request must match; every field set must hold (unset: anything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// The request's tracking number.
    pub tracking: Option<TrackingNumber>,
    /// Words in the request's description, as they are written: a case-insensitive substring, no
    /// character in it a wildcard (an empty text matches every request).
    pub text: Option<String>,
    /// This category or any below it (`01` holds `0101` and `010101`).
    pub category: Option<CategoryCode>,
    /// This area or any within it (`pingshan.kengzi` holds `pingshan.kengzi.jinsha`).
    pub area: Option<AreaCode>,
    /// Dispatched at or after this time.
    pub dispatched_from: Option<DateTime<Utc>>,
    /// Dispatched before this time.
    pub dispatched_before: Option<DateTime<Utc>>,
}

/// Something the dispatch desk owes, as its queue shows it: the clock and its request.
#[derive(Debug, Clone, PartialEq)]
pub struct DeskItem {
    pub clock: DeskClock,
    pub view: RequestView,
}

/// A task as a list shows it: with its request and its clocks.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskListing {
    pub task: Task,
    pub request: Request,
    pub deadlines: Vec<Deadline>,
}

pub trait Cases: Clone + Send + Sync + 'static {
    /// The request with its tasks, disclaims, extensions, deadlines, visits, routing and version.
    fn load_case(&self, id: RequestId) -> impl Future<Output = Result<Option<Case>, StoreError>> + Send;

    /// The cases of `ids`, each as `load_case` reads it, in the order asked and each once (an id
    /// with no request is left out), in a fixed number of statements whatever their number: what
    /// a consumer taking a batch of events reads.
    fn load_cases(&self, ids: &[RequestId]) -> impl Future<Output = Result<Vec<Case>, StoreError>> + Send;

    /// Writes the change in one transaction if the request is still at `expected_version`
    /// (bumping it); otherwise writes nothing and answers `Stale`.
    fn commit(&self, change: &Change) -> impl Future<Output = Result<Committed, StoreError>> + Send;

    /// The request a task belongs to, if the scope reaches the task.
    fn task_request(
        &self,
        task: TaskId,
        scope: &Scope,
    ) -> impl Future<Output = Result<Option<RequestId>, StoreError>> + Send;

    /// The request with this tracking number, if the scope reaches it: district-wide scopes reach
    /// every request, a bureau only those it has (or had) a task on.
    fn request_in_scope(
        &self,
        tracking: &TrackingNumber,
        scope: &Scope,
    ) -> impl Future<Output = Result<Option<RequestId>, StoreError>> + Send;

    /// A page of the tasks the query asks for within the scope, with their requests and clocks.
    /// A bureau scope wins over an asked bureau: another bureau asked lists nothing.
    fn list_tasks(
        &self,
        scope: &Scope,
        query: &TaskQuery,
    ) -> impl Future<Output = Result<Vec<TaskListing>, StoreError>> + Send;

    /// How many tasks `list_tasks` would list for the query without its page, counting at most
    /// `cap` (a tab's count over a long history costs at most `cap` rows read). The scope applies
    /// as in `list_tasks`.
    fn count_tasks(
        &self,
        scope: &Scope,
        query: &TaskQuery,
        cap: u32,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// Requests in any of these states, least recently changed first (by `updated_at`, then by
    /// id: `Listing::Desk`): the dispatch desk's queues (awaiting dispatch, escalated, resolved
    /// for review, reviewed for the return visit).
    fn requests_in_status(
        &self,
        statuses: &[RequestStatus],
        page: Page,
    ) -> impl Future<Output = Result<Vec<RequestView>, StoreError>> + Send;

    /// What the desk owes of one kind (its running clocks, with their requests), soonest due first
    /// (`Listing::DeskClocks`: by due time, then the clock's id).
    fn desk_clocks_due(
        &self,
        kind: DeskClockKind,
        page: Page,
    ) -> impl Future<Output = Result<Vec<DeskItem>, StoreError>> + Send;

    /// Leases what the escalation scanner must move by `now`: pending deadlines and desk clocks
    /// whose chain's next step is due and meetings past their time to decide, not leased by another scanner, until
    /// `lease_until`. Returns their requests, each once.
    fn lease_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<RequestId>, StoreError>> + Send;

    /// The hotspot trigger's view of a request: category, point, open or closed, time received,
    /// and the hotspot it is in.
    fn hotspot_subject(
        &self,
        id: RequestId,
    ) -> impl Future<Output = Result<Option<Subject>, StoreError>> + Send;

    /// Members of open hotspots near a point: open requests of `near.category` received since
    /// `near.since`, within `near.radius_m` metres of `near.center`, other than `near.except`,
    /// whose hotspot is open; at most `near.limit` of them, whichever the index gives first (any
    /// one will do to join), oldest first among those. Adapters search `near.bounds()` and
    /// `near.planar()` through an index and keep what `near.keep` keeps.
    fn open_hotspots_near(
        &self,
        near: &Nearby,
    ) -> impl Future<Output = Result<Vec<Neighbour>, StoreError>> + Send;

    /// Free neighbours: the same search for requests in no hotspot, at most `near.limit`, oldest
    /// first among those found.
    fn free_requests_near(
        &self,
        near: &Nearby,
    ) -> impl Future<Output = Result<Vec<Neighbour>, StoreError>> + Send;

    /// Makes each request a member of its open hotspot and records the joining's event, all in
    /// one transaction, without touching the anchor's case; tells for each what became of it, in
    /// order. A request already in a hotspot and a hotspot no longer open get nothing written.
    fn join_hotspots(
        &self,
        joins: &[Joining],
    ) -> impl Future<Output = Result<Vec<Joined>, StoreError>> + Send;

    /// These requests with their tasks, in the order asked, leaving out ids that match none (a
    /// hotspot's linked requests, as supervisors see them).
    fn requests_by_id(
        &self,
        ids: &[RequestId],
    ) -> impl Future<Output = Result<Vec<RequestView>, StoreError>> + Send;

    /// The request an extension belongs to.
    fn extension_request(
        &self,
        extension: jiesu_decisions::workflow::ExtensionId,
    ) -> impl Future<Output = Result<Option<RequestId>, StoreError>> + Send;

    /// Extensions waiting for a supervisor, oldest first.
    fn pending_extensions(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Extension>, StoreError>> + Send;

    /// The request an appeal or final reply belongs to.
    fn exemption_request(
        &self,
        exemption: jiesu_decisions::workflow::ExemptionId,
    ) -> impl Future<Output = Result<Option<RequestId>, StoreError>> + Send;

    /// Appeals and final replies waiting for a supervisor, oldest first.
    fn pending_exemptions(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Exemption>, StoreError>> + Send;
}
