//! The cases port on PostgreSQL: a request with its workflow rows, and commits guarded by the
//! request's version. The guarded `UPDATE` takes the request's row lock, so two commits against
//! the same version serialize and the second finds the version moved.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiesu_domain::deadline::Deadline;
use jiesu_domain::escalation::records::{EscalationRecord, MeetingRecord};
use jiesu_domain::ids::{RequestId, TaskId, TrackingNumber};
use jiesu_domain::ports::{Cases, Committed, RequestView, StoreError, TaskListing, TaskQuery};
use jiesu_domain::records::TaskRecord;
use jiesu_domain::request::{Request, RequestStatus};
use jiesu_domain::routing::Routing;
use jiesu_domain::staff::Scope;
use jiesu_domain::task::Task;
use jiesu_domain::workflow::records::{DeadlineRecord, DisclaimRecord, ExtensionRecord, VisitRecord};
use jiesu_domain::workflow::{Case, Change, Extension};
use jiesu_sql::{statements, store_error};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, Row, Transaction};
use uuid::Uuid;

use crate::PgStore;
use crate::case_rows::{
    MEETING_COLUMNS, deadline, disclaim, escalation, extension, get, meeting, request, task, visit,
};
use crate::rows::REQUEST_COLUMNS;

async fn rows_of(
    pool: &PgPool,
    table: &'static str,
    id: RequestId,
    order: &'static str,
) -> Result<Vec<PgRow>, StoreError> {
    // Table and order are constants of this module, never input.
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table} WHERE request_id = $1 ORDER BY {order}")))
        .bind(id.as_uuid())
        .fetch_all(pool)
        .await
        .map_err(store_error)
}

/// Inserts new clocks, or updates known ones (moved, settled, re-armed), in one statement.
pub(crate) async fn upsert_deadlines(
    tx: &mut Transaction<'static, Postgres>,
    deadlines: &[Deadline],
) -> Result<(), sqlx::Error> {
    if deadlines.is_empty() {
        return Ok(());
    }
    let recs: Vec<DeadlineRecord> = deadlines.iter().map(DeadlineRecord::from).collect();
    let col = |f: fn(&DeadlineRecord) -> Uuid| recs.iter().map(f).collect::<Vec<_>>();
    let text = |f: fn(&DeadlineRecord) -> String| recs.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO deadlines (id, request_id, task_id, kind, class, due_at, state, settled_at, stage, next_action_at)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[],
            $7::text[], $8::timestamptz[], $9::int[], $10::timestamptz[])
         ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, state = excluded.state,
             settled_at = excluded.settled_at, stage = excluded.stage, next_action_at = excluded.next_action_at",
    )
    .bind(col(|d| d.id))
    .bind(col(|d| d.request_id))
    .bind(col(|d| d.task_id))
    .bind(text(|d| d.kind.clone()))
    .bind(text(|d| d.class.clone()))
    .bind(recs.iter().map(|d| d.due_at).collect::<Vec<_>>())
    .bind(text(|d| d.state.clone()))
    .bind(recs.iter().map(|d| d.settled_at).collect::<Vec<Option<DateTime<Utc>>>>())
    .bind(recs.iter().map(|d| i32::try_from(d.stage).unwrap_or(i32::MAX)).collect::<Vec<_>>())
    .bind(recs.iter().map(|d| d.next_action_at).collect::<Vec<Option<DateTime<Utc>>>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn write_change(tx: &mut Transaction<'static, Postgres>, c: &Change) -> Result<Committed, sqlx::Error> {
    let routing = serde_json::to_string(&c.routing).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let updated = sqlx::query(statements::UPDATE_REQUEST_POSTGRES)
        .bind(c.status.as_str())
        .bind(c.area.as_ref().map(|a| a.as_str()))
        .bind(routing)
        .bind(c.updated_at)
        .bind(c.request_id.as_uuid())
        .bind(c.expected_version)
        .execute(&mut **tx)
        .await?;
    if updated.rows_affected() == 0 {
        return Ok(Committed::Stale);
    }
    for t in c.tasks.iter().map(TaskRecord::from) {
        sqlx::query(statements::UPSERT_TASK)
            .bind(t.id)
            .bind(t.request_id)
            .bind(&t.bureau)
            .bind(&t.role)
            .bind(&t.state)
            .bind(t.binding)
            .bind(t.dispatched_at)
            .bind(t.updated_at)
            .bind(&t.scope)
            .execute(&mut **tx)
            .await?;
    }
    upsert_deadlines(tx, &c.deadlines).await?;
    for d in c.disclaims.iter().map(DisclaimRecord::from) {
        sqlx::query(statements::UPSERT_DISCLAIM)
            .bind(d.id)
            .bind(d.request_id)
            .bind(d.task_id)
            .bind(&d.bureau)
            .bind(&d.reason)
            .bind(&d.explanation)
            .bind(&d.by_user)
            .bind(d.at)
            .bind(&d.state)
            .bind(&d.decided_by)
            .bind(d.decided_at)
            .bind(&d.decision_note)
            .execute(&mut **tx)
            .await?;
    }
    for e in c.extensions.iter().map(ExtensionRecord::from) {
        sqlx::query(statements::UPSERT_EXTENSION)
            .bind(e.id)
            .bind(e.request_id)
            .bind(e.task_id)
            .bind(&e.bureau)
            .bind(e.days)
            .bind(&e.reason)
            .bind(&e.requested_by)
            .bind(e.requested_at)
            .bind(&e.state)
            .bind(&e.decided_by)
            .bind(e.decided_at)
            .bind(&e.decision_note)
            .bind(e.new_due)
            .execute(&mut **tx)
            .await?;
    }
    for v in c.visits.iter().map(VisitRecord::from) {
        sqlx::query(statements::INSERT_VISIT)
            .bind(v.id)
            .bind(v.request_id)
            .bind(v.solved)
            .bind(&v.satisfaction)
            .bind(&v.comment)
            .bind(&v.operator)
            .bind(v.at)
            .execute(&mut **tx)
            .await?;
    }
    for e in c.escalations.iter().map(EscalationRecord::from) {
        sqlx::query(statements::UPSERT_ESCALATION_POSTGRES)
            .bind(e.id)
            .bind(e.request_id)
            .bind(&e.trigger)
            .bind(&e.state)
            .bind(&e.level)
            .bind(&e.owner)
            .bind(e.deadline_id)
            .bind(&e.linked)
            .bind(e.opened_at)
            .bind(e.updated_at)
            .execute(&mut **tx)
            .await?;
    }
    for m in c.meetings.iter().map(MeetingRecord::from) {
        sqlx::query(statements::UPSERT_MEETING_POSTGRES)
            .bind(m.id)
            .bind(m.request_id)
            .bind(m.escalation_id)
            .bind(&m.level)
            .bind(&m.convener)
            .bind(m.scheduled_at)
            .bind(m.decide_by)
            .bind(&m.state)
            .bind(&m.place)
            .bind(&m.invitees)
            .bind(&m.agenda)
            .bind(&m.decision)
            .bind(m.called_at)
            .bind(m.updated_at)
            .execute(&mut **tx)
            .await?;
    }
    // A meeting's proposed rule, written with its decision.
    for p in &c.proposals {
        crate::rulebook::insert_proposal(tx, p).await?;
    }
    crate::hotspot::insert_members(tx, &c.hotspot_members).await?;
    crate::ingest::insert_events(tx, c.events.iter()).await?;
    Ok(Committed::Yes)
}

pub(crate) async fn requests_by_id(
    pool: &PgPool,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Request>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ANY($1)"
    )))
    .bind(ids)
    .fetch_all(pool)
    .await
    .map_err(store_error)?;
    rows.iter().map(|r| request(r).map(|q| (q.submitted.id.as_uuid(), q))).collect()
}

impl Cases for PgStore {
    async fn load_case(&self, id: RequestId) -> Result<Option<Case>, StoreError> {
        let pool = self.pool();
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS}, version, routing::text AS routing FROM requests WHERE id = $1"
        )))
        .bind(id.as_uuid())
        .fetch_optional(pool)
        .await
        .map_err(store_error)?
        else {
            return Ok(None);
        };
        let version: i64 = get(&row, |r| r.try_get("version"))?;
        let routing: Option<String> = get(&row, |r| r.try_get("routing"))?;
        let routing = match routing {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Unexpected(format!("corrupt routing: {e}")))?,
            None => Routing { candidates: Vec::new(), urgency: None, time_limit: None },
        };
        let tasks = rows_of(pool, "tasks", id, "dispatched_at, id").await?;
        let disclaims = rows_of(pool, "disclaims", id, "at, id").await?;
        let extensions = rows_of(pool, "extensions", id, "requested_at, id").await?;
        let deadlines = rows_of(pool, "deadlines", id, "due_at, id").await?;
        let visits = rows_of(pool, "return_visits", id, "at, id").await?;
        let escalations = sqlx::query(
            "SELECT id, request_id, trigger, state, level, owner, deadline_id, linked::text AS linked, opened_at,
                updated_at FROM escalations WHERE request_id = $1 ORDER BY opened_at, id",
        )
        .bind(id.as_uuid())
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
        let meetings = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE request_id = $1 ORDER BY called_at, id"
        )))
        .bind(id.as_uuid())
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
        Ok(Some(Case {
            request: request(&row)?,
            version,
            tasks: tasks.iter().map(task).collect::<Result<_, _>>()?,
            disclaims: disclaims.iter().map(disclaim).collect::<Result<_, _>>()?,
            extensions: extensions.iter().map(extension).collect::<Result<_, _>>()?,
            deadlines: deadlines.iter().map(deadline).collect::<Result<_, _>>()?,
            visits: visits.iter().map(visit).collect::<Result<_, _>>()?,
            routing,
            escalations: escalations.iter().map(escalation).collect::<Result<_, _>>()?,
            meetings: meetings.iter().map(meeting).collect::<Result<_, _>>()?,
        }))
    }

    async fn commit(&self, change: &Change) -> Result<Committed, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        match write_change(&mut tx, change).await.map_err(store_error)? {
            Committed::Yes => {
                tx.commit().await.map_err(store_error)?;
                Ok(Committed::Yes)
            }
            Committed::Stale => Ok(Committed::Stale),
        }
    }

    async fn task_request(&self, task: TaskId, scope: &Scope) -> Result<Option<RequestId>, StoreError> {
        let found: Option<Uuid> = sqlx::query_scalar(
            "SELECT request_id FROM tasks WHERE id = $1 AND ($2::text IS NULL OR bureau = $2)",
        )
        .bind(task.as_uuid())
        .bind(scope.bureau().map(|b| b.as_str()))
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        Ok(found.map(RequestId::from_uuid))
    }

    async fn request_in_scope(
        &self,
        tracking: &TrackingNumber,
        scope: &Scope,
    ) -> Result<Option<RequestId>, StoreError> {
        let found: Option<Uuid> = sqlx::query_scalar(
            "SELECT r.id FROM requests r WHERE r.tracking = $1
               AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM tasks t WHERE t.request_id = r.id AND t.bureau = $2))",
        )
        .bind(tracking.as_str())
        .bind(scope.bureau().map(|b| b.as_str()))
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        Ok(found.map(RequestId::from_uuid))
    }

    async fn list_tasks(&self, scope: &Scope, q: &TaskQuery) -> Result<Vec<TaskListing>, StoreError> {
        // A bureau scope always wins over a bureau filter: staff cannot widen their own view.
        let bureau = match (scope.bureau(), &q.bureau) {
            (Some(own), Some(asked)) if own != asked => return Ok(Vec::new()),
            (Some(own), _) => Some(own.as_str()),
            (None, asked) => asked.as_ref().map(|b| b.as_str()),
        };
        let states: Vec<&str> = q.states.iter().map(|s| s.as_str()).collect();
        let pool = self.pool();
        let rows = sqlx::query(
            "SELECT t.* FROM tasks t
             WHERE ($1::text IS NULL OR t.bureau = $1)
               AND (cardinality($2::text[]) = 0 OR t.state = ANY($2))
               AND ($3::timestamptz IS NULL OR EXISTS (SELECT 1 FROM deadlines d WHERE d.task_id = t.id
                                                        AND d.state = 'pending' AND d.due_at < $3))
             ORDER BY t.dispatched_at DESC, t.id DESC
             LIMIT $4 OFFSET $5",
        )
        .bind(bureau)
        .bind(&states)
        .bind(q.overdue_at)
        .bind(i64::from(q.limit))
        .bind(i64::from(q.offset))
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
        let tasks: Vec<Task> = rows.iter().map(task).collect::<Result<_, _>>()?;
        let request_ids: Vec<Uuid> = tasks.iter().map(|t| t.request_id.as_uuid()).collect();
        let task_ids: Vec<Uuid> = tasks.iter().map(|t| t.id.as_uuid()).collect();
        let requests = requests_by_id(pool, &request_ids).await?;
        let clock_rows = sqlx::query("SELECT * FROM deadlines WHERE task_id = ANY($1) ORDER BY due_at")
            .bind(&task_ids)
            .fetch_all(pool)
            .await
            .map_err(store_error)?;
        let mut clocks: HashMap<TaskId, Vec<Deadline>> = HashMap::new();
        for d in clock_rows.iter().map(deadline) {
            let d = d?;
            clocks.entry(d.task_id).or_default().push(d);
        }
        Ok(tasks
            .into_iter()
            .filter_map(|t| {
                let request = requests.get(&t.request_id.as_uuid()).cloned()?;
                let deadlines = clocks.remove(&t.id).unwrap_or_default();
                Some(TaskListing { task: t, request, deadlines })
            })
            .collect())
    }

    async fn requests_in_status(
        &self,
        statuses: &[RequestStatus],
        limit: u32,
        offset: u32,
    ) -> Result<Vec<RequestView>, StoreError> {
        let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE status = ANY($1) ORDER BY updated_at, id LIMIT $2 OFFSET $3"
        )))
        .bind(&statuses)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        let requests: Vec<Request> = rows.iter().map(request).collect::<Result<_, _>>()?;
        crate::rows::views(self.pool(), requests).await
    }

    async fn lease_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<RequestId>, StoreError> {
        // SKIP LOCKED: concurrent scanners lease different rows instead of queueing behind each
        // other; the lease keeps a row from a second scanner until this one is done with it.
        let mut ids: Vec<Uuid> = sqlx::query_scalar(
            "UPDATE deadlines SET lease_until = $2
             WHERE id IN (SELECT id FROM deadlines
                          WHERE state = 'pending' AND next_action_at <= $1
                            AND (lease_until IS NULL OR lease_until < $1)
                          ORDER BY next_action_at LIMIT $3
                          FOR UPDATE SKIP LOCKED)
             RETURNING request_id",
        )
        .bind(now)
        .bind(lease_until)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        let meetings: Vec<Uuid> = sqlx::query_scalar(
            "UPDATE meetings SET lease_until = $2
             WHERE id IN (SELECT id FROM meetings
                          WHERE state = 'called' AND decide_by <= $1
                            AND (lease_until IS NULL OR lease_until < $1)
                          ORDER BY decide_by LIMIT $3
                          FOR UPDATE SKIP LOCKED)
             RETURNING request_id",
        )
        .bind(now)
        .bind(lease_until)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        ids.extend(meetings);
        ids.sort();
        ids.dedup();
        Ok(ids.into_iter().map(RequestId::from_uuid).collect())
    }

    async fn open_requests_near(
        &self,
        near: &jiesu_domain::escalation::Nearby,
    ) -> Result<Vec<jiesu_domain::escalation::Neighbour>, StoreError> {
        crate::hotspot::open_requests_near(self.pool(), near).await
    }

    async fn requests_by_id(&self, ids: &[RequestId]) -> Result<Vec<RequestView>, StoreError> {
        crate::hotspot::requests_by_id(self.pool(), ids).await
    }

    async fn extension_request(
        &self,
        extension: jiesu_domain::workflow::ExtensionId,
    ) -> Result<Option<RequestId>, StoreError> {
        let found: Option<Uuid> = sqlx::query_scalar(statements::EXTENSION_REQUEST)
            .bind(extension.as_uuid())
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        Ok(found.map(RequestId::from_uuid))
    }

    async fn pending_extensions(&self, limit: u32) -> Result<Vec<Extension>, StoreError> {
        let rows = sqlx::query(statements::PENDING_EXTENSIONS)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await
            .map_err(store_error)?;
        rows.iter().map(extension).collect()
    }
}
