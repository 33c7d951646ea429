//! The escalations port on SQLite: supervisors' and conveners' lists across cases.

use chrono::{DateTime, Utc};
use jiesu_domain::escalation::{Escalation, EscalationId, Meeting, MeetingId};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{EscalationQuery, Escalations, StoreError};
use jiesu_domain::request::Request;
use jiesu_sql::{store_error, to_micros};

use crate::SqliteStore;
use crate::case_rows::{escalation, meeting, request};
use crate::rows::json_list;

impl Escalations for SqliteStore {
    async fn list_escalations(&self, q: &EscalationQuery) -> Result<Vec<(Escalation, Request)>, StoreError> {
        let pool = &self.pools().reader;
        let rows = sqlx::query(
            "SELECT * FROM escalations
             WHERE (json_array_length($1) = 0 OR trigger IN (SELECT value FROM json_each($1)))
               AND (json_array_length($2) = 0 OR state IN (SELECT value FROM json_each($2)))
               AND ($3 IS NULL OR opened_at < $3)
             ORDER BY opened_at, id LIMIT $4 OFFSET $5",
        )
        .bind(json_list(q.triggers.iter().map(|t| t.as_str().to_owned())))
        .bind(json_list(q.states.iter().map(|s| s.as_str().to_owned())))
        .bind(q.opened_before.map(to_micros))
        .bind(i64::from(q.limit))
        .bind(i64::from(q.offset))
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let e = escalation(r)?;
            let Some(row) = sqlx::query("SELECT * FROM requests WHERE id = $1")
                .bind(e.request_id.as_uuid())
                .fetch_optional(pool)
                .await
                .map_err(store_error)?
            else {
                continue;
            };
            out.push((e, request(&row)?));
        }
        Ok(out)
    }

    async fn escalation_request(&self, id: EscalationId) -> Result<Option<RequestId>, StoreError> {
        let found: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT request_id FROM escalations WHERE id = $1")
                .bind(id.as_uuid())
                .fetch_optional(&self.pools().reader)
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
        let rows = sqlx::query(
            "SELECT * FROM meetings WHERE scheduled_at >= $1 AND scheduled_at < $2 ORDER BY scheduled_at, id LIMIT $3",
        )
        .bind(to_micros(from))
        .bind(to_micros(to))
        .bind(i64::from(limit))
        .fetch_all(&self.pools().reader)
        .await
        .map_err(store_error)?;
        rows.iter().map(meeting).collect()
    }

    async fn meeting_request(&self, id: MeetingId) -> Result<Option<RequestId>, StoreError> {
        let found: Option<uuid::Uuid> = sqlx::query_scalar("SELECT request_id FROM meetings WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&self.pools().reader)
            .await
            .map_err(store_error)?;
        Ok(found.map(RequestId::from_uuid))
    }
}
