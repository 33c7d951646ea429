//! The cases port, once for both backends: a request with its workflow rows, and commits guarded
//! by the request's version. A commit runs in the backend's write transaction: on SQLite the single
//! writer inside `BEGIN IMMEDIATE`, so the check and the writes cannot interleave with another
//! writer; on PostgreSQL the guarded `UPDATE` takes the request's row lock, so two commits against
//! the same version serialize and the second finds the version moved.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiesu_domain::deadline::Deadline;
use jiesu_domain::desk::{DeskClock, DeskClockKind};
use jiesu_domain::escalation::hotspot::SubjectRecord;
use jiesu_domain::escalation::{Joined, Joining, Nearby, Neighbour, Subject};
use jiesu_domain::ids::{RequestId, TaskId, TrackingNumber};
use jiesu_domain::ports::{
    Cases, Committed, DeskItem, Page, RequestView, StoreError, TaskListing, TaskQuery,
};
use jiesu_domain::request::{Request, RequestStatus};
use jiesu_domain::staff::Scope;
use jiesu_domain::workflow::{Case, Change, Exemption, ExemptionId, Extension, ExtensionId};
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::case_load;
use crate::dialect::{Col, Conn, DbList, DbTime, Dialect, Stmt, all, one, optional, run};
use crate::paging::Keyset;
use crate::records::{
    DeadlineRecord, DeskClockRecord, ExemptionRecord, ExtensionRecord, NeighbourRow, RequestRecord,
    SubjectRow, TaskRecord,
};
use crate::store::{parse, requests_of, views};
use crate::task_select::TaskSelect;
use crate::writes::write_change;
use crate::{corrupt, statements, store_error};

/// The desk's queues: least recently changed first (`Listing::Desk`).
const DESK: Keyset = Keyset { key: "updated_at", id: "id", newest_first: false };
/// `desk_clocks_queue` (kind, due_at, id) over the running clocks.
const DESK_CLOCKS: Keyset = Keyset { key: "due_at", id: "id", newest_first: false };

/// The hotspot trigger's bounded search (`statements::near`), then the domain's exact distance.
async fn neighbours<DB: Dialect>(
    c: &mut Conn<DB>,
    sql: &'static str,
    near: &Nearby,
) -> Result<Vec<Neighbour>, StoreError> {
    let b = near.bounds();
    let p = near.planar();
    let s = Stmt::<DB>::new(sql)
        .bind(near.category.as_str().to_owned())
        .bind(b.min_lat)
        .bind(b.max_lat)
        .bind(b.min_lon)
        .bind(b.max_lon)
        .bind(DbTime(near.since))
        .bind(p.lat)
        .bind(p.m_per_lat)
        .bind(p.lon)
        .bind(p.m_per_lon)
        .bind(p.max_sq_m)
        .bind(near.except.map_or(Uuid::nil(), |r| r.as_uuid()))
        .bind(i64::from(near.limit));
    let rows: Vec<NeighbourRow> = all(c, s).await.map_err(store_error)?;
    near.keep(rows.into_iter().map(Into::into).collect()).map_err(corrupt)
}

async fn request_id<DB: Dialect>(c: &mut Conn<DB>, s: Stmt<DB>) -> Result<Option<RequestId>, StoreError> {
    let found: Option<Col<Uuid>> = optional(c, s).await.map_err(store_error)?;
    Ok(found.map(|(id,)| RequestId::from_uuid(id)))
}

impl<B: Backend> Cases for SqlStore<B> {
    #[tracing::instrument(name = "store.load_case", level = "debug", skip_all, fields(request.id = %id))]
    async fn load_case(&self, id: RequestId) -> Result<Option<Case>, StoreError> {
        case_load::load_case::<B>(&mut *self.read().await?, id).await
    }

    #[tracing::instrument(name = "store.load_cases", level = "debug", skip_all, fields(requests = ids.len()))]
    async fn load_cases(&self, ids: &[RequestId]) -> Result<Vec<Case>, StoreError> {
        case_load::load_cases::<B>(&mut *self.read().await?, ids).await
    }

    #[tracing::instrument(name = "store.commit", level = "debug", skip_all,
        fields(request.id = %change.request_id, request.version = change.expected_version, change.events = change.events.len()))]
    async fn commit(&self, change: &Change) -> Result<Committed, StoreError> {
        let mut tx = self.begin().await?;
        match write_change::<B>(&mut *tx, change).await.map_err(store_error)? {
            Committed::Yes => {
                tx.commit().await.map_err(store_error)?;
                Ok(Committed::Yes)
            }
            Committed::Stale => Ok(Committed::Stale),
        }
    }

    #[tracing::instrument(name = "store.task_request", level = "debug", skip_all, fields(task.id = %task))]
    async fn task_request(&self, task: TaskId, scope: &Scope) -> Result<Option<RequestId>, StoreError> {
        let s =
            Stmt::<B::Db>::new("SELECT request_id FROM tasks WHERE id = $1 AND ($2 IS NULL OR bureau = $2)")
                .bind(task.as_uuid())
                .bind(scope.bureau().map(|b| b.as_str().to_owned()));
        request_id(&mut *self.read().await?, s).await
    }

    #[tracing::instrument(name = "store.request_in_scope", level = "debug", skip_all)]
    async fn request_in_scope(
        &self,
        tracking: &TrackingNumber,
        scope: &Scope,
    ) -> Result<Option<RequestId>, StoreError> {
        let s = Stmt::<B::Db>::new(
            "SELECT r.id FROM requests r WHERE r.tracking = $1
               AND ($2 IS NULL OR EXISTS (SELECT 1 FROM tasks t WHERE t.request_id = r.id AND t.bureau = $2))",
        )
        .bind(tracking.to_string())
        .bind(scope.bureau().map(|b| b.as_str().to_owned()));
        request_id(&mut *self.read().await?, s).await
    }

    /// A page of tasks with their requests and clocks: three queries whatever the page's size.
    #[tracing::instrument(name = "store.list_tasks", level = "debug", skip_all, fields(page.limit = q.page.limit))]
    async fn list_tasks(&self, scope: &Scope, q: &TaskQuery) -> Result<Vec<TaskListing>, StoreError> {
        let Some(select) = TaskSelect::new::<B::Db>(scope, q) else {
            return Ok(Vec::new());
        };
        let s = select.page::<B::Db>(&q.page);
        let mut conn = self.read().await?;
        let c = &mut *conn;
        let rows: Vec<TaskRecord> = all(c, s).await.map_err(store_error)?;
        let tasks: Vec<jiesu_domain::task::Task> = parse(rows)?;
        let request_ids: Vec<RequestId> = tasks.iter().map(|t| t.request_id).collect();
        let requests: HashMap<RequestId, Request> =
            requests_of::<B::Db>(c, &request_ids).await?.into_iter().map(|r| (r.submitted.id, r)).collect();
        let sql = format!("SELECT * FROM deadlines WHERE {} ORDER BY due_at", B::Db::any_id("task_id", 1));
        let ids: DbList<Uuid> = tasks.iter().map(|t| t.id.as_uuid()).collect();
        let clock_rows: Vec<DeadlineRecord> =
            all(c, Stmt::<B::Db>::assembled(sql).bind(ids)).await.map_err(store_error)?;
        let mut clocks: HashMap<TaskId, Vec<Deadline>> = HashMap::new();
        for d in parse::<_, Deadline>(clock_rows)? {
            clocks.entry(d.task_id).or_default().push(d);
        }
        Ok(tasks
            .into_iter()
            .filter_map(|t| {
                let request = requests.get(&t.request_id).cloned()?;
                let deadlines = clocks.remove(&t.id).unwrap_or_default();
                Some(TaskListing { task: t, request, deadlines })
            })
            .collect())
    }

    #[tracing::instrument(name = "store.count_tasks", level = "debug", skip_all, fields(cap = cap))]
    async fn count_tasks(&self, scope: &Scope, q: &TaskQuery, cap: u32) -> Result<u32, StoreError> {
        let Some(select) = TaskSelect::new::<B::Db>(scope, q) else {
            return Ok(0);
        };
        let (n,): Col<i64> =
            one(&mut *self.read().await?, select.count::<B::Db>(cap)).await.map_err(store_error)?;
        Ok(u32::try_from(n).unwrap_or(cap).min(cap))
    }

    #[tracing::instrument(name = "store.requests_in_status", level = "debug", skip_all, fields(page.limit = page.limit))]
    async fn requests_in_status(
        &self,
        statuses: &[RequestStatus],
        page: Page,
    ) -> Result<Vec<RequestView>, StoreError> {
        // The desk's queues hold open requests, a few in a hundred of a district's history, each
        // queue one status. Said outright (the enum's own names, nothing a caller typed), the
        // partial index `requests_open_status_updated` (status, updated_at, id) serves a queue
        // in order from its cursor; with the statuses bound as a list the planner sorted every
        // request of the status (6 ms for the review queue with a million requests).
        let open = if statuses.contains(&RequestStatus::Closed) { "" } else { " AND status <> 'closed'" };
        let statuses: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let sql = format!(
            "SELECT * FROM requests WHERE status IN ({}){open}{}",
            statuses.join(", "),
            DESK.tail(&page, 1)
        );
        let s = Stmt::<B::Db>::assembled(sql);
        let s = Keyset::bind(&page, s);
        let mut conn = self.read().await?;
        let c = &mut *conn;
        let rows: Vec<RequestRecord> = all(c, s).await.map_err(store_error)?;
        views::<B::Db>(c, parse(rows)?).await
    }

    async fn desk_clocks_due(&self, kind: DeskClockKind, page: Page) -> Result<Vec<DeskItem>, StoreError> {
        let sql = format!(
            "SELECT * FROM desk_clocks WHERE kind = $1 AND state = 'pending'{}",
            DESK_CLOCKS.tail(&page, 2)
        );
        let s = Keyset::bind(&page, Stmt::<B::Db>::assembled(sql).bind(kind.as_str().to_owned()));
        let mut conn = self.read().await?;
        let c = &mut *conn;
        let rows: Vec<DeskClockRecord> = all(c, s).await.map_err(store_error)?;
        let clocks: Vec<DeskClock> = parse(rows)?;
        let ids: Vec<RequestId> = clocks.iter().map(|k| k.request_id).collect();
        let requests = requests_of::<B::Db>(c, &ids).await?;
        let views = views::<B::Db>(c, requests).await?;
        // A clock whose request did not read back is left out (it cannot be shown or acted on).
        Ok(clocks
            .into_iter()
            .filter_map(|clock| {
                let view = views.iter().find(|v| v.request.submitted.id == clock.request_id)?.clone();
                Some(DeskItem { clock, view })
            })
            .collect())
    }

    /// Leases due clocks and meetings past their time. On PostgreSQL, `SKIP LOCKED`: concurrent
    /// scanners lease different rows instead of queueing behind each other; the lease keeps a row
    /// from a second scanner until this one is done with it.
    #[tracing::instrument(name = "store.lease_due", level = "debug", skip_all, fields(lease.limit = limit))]
    async fn lease_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<RequestId>, StoreError> {
        let lease = |table: &str, due: &str, state: &str| {
            let sql = format!(
                "UPDATE {table} SET lease_until = $2
                 WHERE id IN (SELECT id FROM {table}
                              WHERE state = '{state}' AND {due} <= $1
                                AND (lease_until IS NULL OR lease_until < $1)
                              ORDER BY {due} LIMIT $3{})
                 RETURNING request_id",
                B::Db::SKIP_LOCKED
            );
            Stmt::<B::Db>::assembled(sql).bind(DbTime(now)).bind(DbTime(lease_until)).bind(i64::from(limit))
        };
        let mut tx = self.begin().await?;
        let mut ids: Vec<Col<Uuid>> =
            all(&mut *tx, lease("deadlines", "next_action_at", "pending")).await.map_err(store_error)?;
        let desk: Vec<Col<Uuid>> =
            all(&mut *tx, lease("desk_clocks", "next_action_at", "pending")).await.map_err(store_error)?;
        let meetings: Vec<Col<Uuid>> =
            all(&mut *tx, lease("meetings", "decide_by", "called")).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        ids.extend(desk);
        ids.extend(meetings);
        ids.sort();
        ids.dedup();
        Ok(ids.into_iter().map(|(id,)| RequestId::from_uuid(id)).collect())
    }

    async fn hotspot_subject(&self, id: RequestId) -> Result<Option<Subject>, StoreError> {
        let s = Stmt::<B::Db>::new(statements::HOTSPOT_SUBJECT).bind(id.as_uuid());
        let row: Option<SubjectRow> = optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        row.map(|r| Subject::try_from(SubjectRecord::from(r)).map_err(corrupt)).transpose()
    }

    async fn open_hotspots_near(&self, near: &Nearby) -> Result<Vec<Neighbour>, StoreError> {
        neighbours::<B::Db>(&mut *self.read().await?, &statements::OPEN_HOTSPOTS_NEAR, near).await
    }

    async fn free_requests_near(&self, near: &Nearby) -> Result<Vec<Neighbour>, StoreError> {
        neighbours::<B::Db>(&mut *self.read().await?, &statements::FREE_NEAR, near).await
    }

    /// One transaction for the whole batch: a member row each, then the events of those that
    /// took, with their outbox rows.
    #[tracing::instrument(name = "store.join_hotspots", level = "debug", skip_all, fields(joins = joins.len()))]
    async fn join_hotspots(&self, joins: &[Joining]) -> Result<Vec<Joined>, StoreError> {
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(joins.len());
        let mut events = Vec::new();
        for j in joins {
            let s = Stmt::<B::Db>::new(&statements::JOIN_HOTSPOT)
                .bind(j.request.as_uuid())
                .bind(j.escalation.as_uuid());
            if run(&mut *tx, s).await.map_err(store_error)? == 1 {
                events.push(j.event.clone());
                out.push(Joined::Yes);
                continue;
            }
            let s = Stmt::<B::Db>::new("SELECT escalation_id FROM hotspot_members WHERE request_id = $1")
                .bind(j.request.as_uuid());
            let member: Option<Col<Uuid>> = optional(&mut *tx, s).await.map_err(store_error)?;
            out.push(if member.is_some() { Joined::AlreadyMember } else { Joined::HotspotClosed });
        }
        B::insert_events(&mut *tx, &events).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(out)
    }

    /// Linked requests for supervisors, in the order asked.
    async fn requests_by_id(&self, ids: &[RequestId]) -> Result<Vec<RequestView>, StoreError> {
        let mut conn = self.read().await?;
        let c = &mut *conn;
        let mut requests = requests_of::<B::Db>(c, ids).await?;
        requests.sort_by_key(|r| ids.iter().position(|id| *id == r.submitted.id));
        views::<B::Db>(c, requests).await
    }

    async fn extension_request(&self, extension: ExtensionId) -> Result<Option<RequestId>, StoreError> {
        let s = Stmt::<B::Db>::new(statements::EXTENSION_REQUEST).bind(extension.as_uuid());
        request_id(&mut *self.read().await?, s).await
    }

    async fn pending_extensions(&self, limit: u32) -> Result<Vec<Extension>, StoreError> {
        let s = Stmt::<B::Db>::new(statements::PENDING_EXTENSIONS).bind(i64::from(limit));
        let rows: Vec<ExtensionRecord> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        parse(rows)
    }

    async fn exemption_request(&self, exemption: ExemptionId) -> Result<Option<RequestId>, StoreError> {
        let s = Stmt::<B::Db>::new(statements::EXEMPTION_REQUEST).bind(exemption.as_uuid());
        request_id(&mut *self.read().await?, s).await
    }

    async fn pending_exemptions(&self, limit: u32) -> Result<Vec<Exemption>, StoreError> {
        let s = Stmt::<B::Db>::new(statements::PENDING_EXEMPTIONS).bind(i64::from(limit));
        let rows: Vec<ExemptionRecord> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        parse(rows)
    }
}
