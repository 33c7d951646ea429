//! The cases port on SQLite: a request with its workflow rows, and commits guarded by the
//! request's version. Commits run on the single writer connection inside `BEGIN IMMEDIATE`, so the
//! version check and the writes cannot interleave with another writer.

use jiesu_domain::escalation::records::{EscalationRecord, MeetingRecord};
use jiesu_domain::ids::{RequestId, TaskId, TrackingNumber};
use jiesu_domain::ports::{Cases, Committed, RequestView, StoreError, TaskListing, TaskQuery};
use jiesu_domain::request::RequestStatus;
use jiesu_domain::routing::Routing;
use jiesu_domain::staff::Scope;
use jiesu_domain::task::Task;
use jiesu_domain::workflow::records::{DisclaimRecord, ExtensionRecord, VisitRecord};
use jiesu_domain::workflow::{Case, Change, Extension};
use jiesu_sql::{statements, store_error, to_micros};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

use crate::SqliteStore;
use crate::case_rows::{deadline, disclaim, escalation, extension, meeting, request, task, visit};
use crate::rows::json_list;

async fn rows_of(
    pool: &SqlitePool,
    table: &'static str,
    id: RequestId,
    order: &'static str,
) -> Result<Vec<SqliteRow>, StoreError> {
    // Table and order are constants of this module, never input.
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table} WHERE request_id = $1 ORDER BY {order}")))
        .bind(id.as_uuid())
        .fetch_all(pool)
        .await
        .map_err(store_error)
}

fn routing_of(raw: Option<String>) -> Result<Routing, StoreError> {
    match raw {
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| StoreError::Unexpected(format!("corrupt routing: {e}")))
        }
        // Answered on receipt: never routed.
        None => Ok(Routing { candidates: Vec::new(), urgency: None, time_limit: None }),
    }
}

async fn write_change(tx: &mut Transaction<'static, Sqlite>, c: &Change) -> Result<Committed, sqlx::Error> {
    let routing = serde_json::to_string(&c.routing).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let updated = sqlx::query(statements::UPDATE_REQUEST_SQLITE)
        .bind(c.status.as_str())
        .bind(c.area.as_ref().map(|a| a.as_str()))
        .bind(routing)
        .bind(to_micros(c.updated_at))
        .bind(c.request_id.as_uuid())
        .bind(c.expected_version)
        .execute(&mut **tx)
        .await?;
    if updated.rows_affected() == 0 {
        return Ok(Committed::Stale);
    }
    crate::upsert_tasks(tx, &c.tasks).await?;
    crate::insert_deadlines(tx, &c.deadlines).await?;
    for d in c.disclaims.iter().map(DisclaimRecord::from) {
        sqlx::query(statements::UPSERT_DISCLAIM)
            .bind(d.id)
            .bind(d.request_id)
            .bind(d.task_id)
            .bind(&d.bureau)
            .bind(&d.reason)
            .bind(&d.explanation)
            .bind(&d.by_user)
            .bind(to_micros(d.at))
            .bind(&d.state)
            .bind(&d.decided_by)
            .bind(d.decided_at.map(to_micros))
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
            .bind(to_micros(e.requested_at))
            .bind(&e.state)
            .bind(&e.decided_by)
            .bind(e.decided_at.map(to_micros))
            .bind(&e.decision_note)
            .bind(e.new_due.map(to_micros))
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
            .bind(to_micros(v.at))
            .execute(&mut **tx)
            .await?;
    }
    for e in c.escalations.iter().map(EscalationRecord::from) {
        sqlx::query(statements::UPSERT_ESCALATION_SQLITE)
            .bind(e.id)
            .bind(e.request_id)
            .bind(&e.trigger)
            .bind(&e.state)
            .bind(&e.level)
            .bind(&e.owner)
            .bind(e.deadline_id)
            .bind(&e.linked)
            .bind(to_micros(e.opened_at))
            .bind(to_micros(e.updated_at))
            .execute(&mut **tx)
            .await?;
    }
    for m in c.meetings.iter().map(MeetingRecord::from) {
        sqlx::query(statements::UPSERT_MEETING_SQLITE)
            .bind(m.id)
            .bind(m.request_id)
            .bind(m.escalation_id)
            .bind(&m.level)
            .bind(&m.convener)
            .bind(to_micros(m.scheduled_at))
            .bind(to_micros(m.decide_by))
            .bind(&m.state)
            .bind(&m.place)
            .bind(&m.invitees)
            .bind(&m.agenda)
            .bind(&m.decision)
            .bind(to_micros(m.called_at))
            .bind(to_micros(m.updated_at))
            .execute(&mut **tx)
            .await?;
    }
    // A meeting's proposed rule, written with its decision.
    for p in &c.proposals {
        crate::rulebook::insert_proposal(tx, p).await?;
    }
    crate::hotspot::insert_members(tx, &c.hotspot_members).await?;
    for e in &c.events {
        crate::insert_event(tx, e).await?;
    }
    Ok(Committed::Yes)
}

impl Cases for SqliteStore {
    async fn load_case(&self, id: RequestId) -> Result<Option<Case>, StoreError> {
        let pool = &self.pools().reader;
        let Some(row) = sqlx::query("SELECT * FROM requests WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(pool)
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let version: i64 = row.try_get("version").map_err(store_error)?;
        let routing = routing_of(row.try_get("routing").map_err(store_error)?)?;
        let tasks = rows_of(pool, "tasks", id, "dispatched_at, id").await?;
        let disclaims = rows_of(pool, "disclaims", id, "at, id").await?;
        let extensions = rows_of(pool, "extensions", id, "requested_at, id").await?;
        let deadlines = rows_of(pool, "deadlines", id, "due_at, id").await?;
        let visits = rows_of(pool, "return_visits", id, "at, id").await?;
        let escalations = rows_of(pool, "escalations", id, "opened_at, id").await?;
        let meetings = rows_of(pool, "meetings", id, "called_at, id").await?;
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
        let mut tx = self.begin().await?;
        match write_change(&mut tx, change).await.map_err(store_error)? {
            Committed::Yes => {
                tx.commit().await.map_err(store_error)?;
                Ok(Committed::Yes)
            }
            Committed::Stale => Ok(Committed::Stale),
        }
    }

    async fn task_request(&self, task: TaskId, scope: &Scope) -> Result<Option<RequestId>, StoreError> {
        let found: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT request_id FROM tasks WHERE id = $1 AND ($2 IS NULL OR bureau = $2)")
                .bind(task.as_uuid())
                .bind(scope.bureau().map(|b| b.as_str()))
                .fetch_optional(&self.pools().reader)
                .await
                .map_err(store_error)?;
        Ok(found.map(RequestId::from_uuid))
    }

    async fn request_in_scope(
        &self,
        tracking: &TrackingNumber,
        scope: &Scope,
    ) -> Result<Option<RequestId>, StoreError> {
        let found: Option<uuid::Uuid> = sqlx::query_scalar(
            "SELECT r.id FROM requests r WHERE r.tracking = $1
               AND ($2 IS NULL OR EXISTS (SELECT 1 FROM tasks t WHERE t.request_id = r.id AND t.bureau = $2))",
        )
        .bind(tracking.as_str())
        .bind(scope.bureau().map(|b| b.as_str()))
        .fetch_optional(&self.pools().reader)
        .await
        .map_err(store_error)?;
        Ok(found.map(RequestId::from_uuid))
    }

    async fn list_tasks(&self, scope: &Scope, q: &TaskQuery) -> Result<Vec<TaskListing>, StoreError> {
        let pool = &self.pools().reader;
        let states = json_list(q.states.iter().map(|s| s.as_str().to_owned()));
        let bureau = scope.bureau().or(q.bureau.as_ref()).map(|b| b.as_str().to_owned());
        // A bureau scope always wins over a bureau filter: staff cannot widen their own view.
        let bureau = match (scope.bureau(), &q.bureau) {
            (Some(own), Some(asked)) if own != asked => return Ok(Vec::new()),
            _ => bureau,
        };
        let rows = sqlx::query(
            "SELECT t.* FROM tasks t
             WHERE ($1 IS NULL OR t.bureau = $1)
               AND (json_array_length($2) = 0 OR t.state IN (SELECT value FROM json_each($2)))
               AND ($3 IS NULL OR EXISTS (SELECT 1 FROM deadlines d WHERE d.task_id = t.id
                                            AND d.state = 'pending' AND d.due_at < $3))
             ORDER BY t.dispatched_at DESC, t.id DESC
             LIMIT $4 OFFSET $5",
        )
        .bind(bureau)
        .bind(states)
        .bind(q.overdue_at.map(to_micros))
        .bind(i64::from(q.limit))
        .bind(i64::from(q.offset))
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
        let tasks: Vec<Task> = rows.iter().map(task).collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            let Some(r) = sqlx::query("SELECT * FROM requests WHERE id = $1")
                .bind(t.request_id.as_uuid())
                .fetch_optional(pool)
                .await
                .map_err(store_error)?
            else {
                continue;
            };
            let deadlines = sqlx::query("SELECT * FROM deadlines WHERE task_id = $1 ORDER BY due_at")
                .bind(t.id.as_uuid())
                .fetch_all(pool)
                .await
                .map_err(store_error)?;
            out.push(TaskListing {
                request: request(&r)?,
                deadlines: deadlines.iter().map(deadline).collect::<Result<_, _>>()?,
                task: t,
            });
        }
        Ok(out)
    }

    async fn requests_in_status(
        &self,
        statuses: &[RequestStatus],
        limit: u32,
        offset: u32,
    ) -> Result<Vec<RequestView>, StoreError> {
        let pool = &self.pools().reader;
        let rows = sqlx::query(
            "SELECT * FROM requests WHERE status IN (SELECT value FROM json_each($1))
             ORDER BY updated_at, id LIMIT $2 OFFSET $3",
        )
        .bind(json_list(statuses.iter().map(|s| s.as_str().to_owned())))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
        let requests = rows.iter().map(request).collect::<Result<Vec<_>, _>>()?;
        crate::rows::views(pool, requests).await
    }

    async fn lease_due(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        lease_until: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Vec<RequestId>, StoreError> {
        let mut tx = self.begin().await?;
        let mut ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "UPDATE deadlines SET lease_until = $2
             WHERE id IN (SELECT id FROM deadlines
                          WHERE state = 'pending' AND next_action_at <= $1
                            AND (lease_until IS NULL OR lease_until < $1)
                          ORDER BY next_action_at LIMIT $3)
             RETURNING request_id",
        )
        .bind(to_micros(now))
        .bind(to_micros(lease_until))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
        let meetings: Vec<uuid::Uuid> = sqlx::query_scalar(
            "UPDATE meetings SET lease_until = $2
             WHERE id IN (SELECT id FROM meetings
                          WHERE state = 'called' AND decide_by <= $1
                            AND (lease_until IS NULL OR lease_until < $1)
                          ORDER BY decide_by LIMIT $3)
             RETURNING request_id",
        )
        .bind(to_micros(now))
        .bind(to_micros(lease_until))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        ids.extend(meetings);
        ids.sort();
        ids.dedup();
        Ok(ids.into_iter().map(RequestId::from_uuid).collect())
    }

    async fn open_requests_near(
        &self,
        near: &jiesu_domain::escalation::Nearby,
    ) -> Result<Vec<jiesu_domain::escalation::Neighbour>, StoreError> {
        crate::hotspot::open_requests_near(&self.pools().reader, near).await
    }

    async fn requests_by_id(&self, ids: &[RequestId]) -> Result<Vec<RequestView>, StoreError> {
        crate::hotspot::requests_by_id(&self.pools().reader, ids).await
    }

    async fn extension_request(
        &self,
        extension: jiesu_domain::workflow::ExtensionId,
    ) -> Result<Option<RequestId>, StoreError> {
        let found: Option<uuid::Uuid> = sqlx::query_scalar(statements::EXTENSION_REQUEST)
            .bind(extension.as_uuid())
            .fetch_optional(&self.pools().reader)
            .await
            .map_err(store_error)?;
        Ok(found.map(RequestId::from_uuid))
    }

    async fn pending_extensions(&self, limit: u32) -> Result<Vec<Extension>, StoreError> {
        let rows = sqlx::query(statements::PENDING_EXTENSIONS)
            .bind(i64::from(limit))
            .fetch_all(&self.pools().reader)
            .await
            .map_err(store_error)?;
        rows.iter().map(extension).collect()
    }
}
