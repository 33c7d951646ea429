//! The escalations port on PostgreSQL: supervisors' and conveners' lists across cases.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiesu_domain::escalation::{Escalation, EscalationId, Meeting, MeetingId};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{EscalationQuery, Escalations, StoreError};
use jiesu_domain::request::Request;
use jiesu_sql::store_error;
use uuid::Uuid;

use crate::PgStore;
use crate::case_rows::{MEETING_COLUMNS, escalation, meeting, request};
use crate::rows::REQUEST_COLUMNS;

impl Escalations for PgStore {
    async fn list_escalations(&self, q: &EscalationQuery) -> Result<Vec<(Escalation, Request)>, StoreError> {
        let triggers: Vec<&str> = q.triggers.iter().map(|t| t.as_str()).collect();
        let states: Vec<&str> = q.states.iter().map(|s| s.as_str()).collect();
        let rows = sqlx::query(
            "SELECT id, request_id, trigger, state, level, owner, deadline_id, linked::text AS linked, opened_at,
                updated_at FROM escalations
             WHERE (cardinality($1::text[]) = 0 OR trigger = ANY($1))
               AND (cardinality($2::text[]) = 0 OR state = ANY($2))
               AND ($3::timestamptz IS NULL OR opened_at < $3)
             ORDER BY opened_at, id LIMIT $4 OFFSET $5",
        )
        .bind(&triggers)
        .bind(&states)
        .bind(q.opened_before)
        .bind(i64::from(q.limit))
        .bind(i64::from(q.offset))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        let escalations: Vec<Escalation> = rows.iter().map(escalation).collect::<Result<_, _>>()?;
        let ids: Vec<Uuid> = escalations.iter().map(|e| e.request_id.as_uuid()).collect();
        let request_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ANY($1)"
        )))
        .bind(&ids)
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        let mut requests: HashMap<Uuid, Request> = HashMap::new();
        for r in &request_rows {
            let r = request(r)?;
            requests.insert(r.submitted.id.as_uuid(), r);
        }
        Ok(escalations
            .into_iter()
            .filter_map(|e| {
                let r = requests.get(&e.request_id.as_uuid())?.clone();
                Some((e, r))
            })
            .collect())
    }

    async fn escalation_request(&self, id: EscalationId) -> Result<Option<RequestId>, StoreError> {
        let found: Option<Uuid> = sqlx::query_scalar("SELECT request_id FROM escalations WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        Ok(found.map(RequestId::from_uuid))
    }

    async fn meetings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Meeting>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE scheduled_at >= $1 AND scheduled_at < $2
             ORDER BY scheduled_at, id LIMIT $3"
        )))
        .bind(from)
        .bind(to)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        rows.iter().map(meeting).collect()
    }

    async fn meeting_request(&self, id: MeetingId) -> Result<Option<RequestId>, StoreError> {
        let found: Option<Uuid> = sqlx::query_scalar("SELECT request_id FROM meetings WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        Ok(found.map(RequestId::from_uuid))
    }
}
