//! Rows a proposed rule needs before it can be stored: its request's escalation and the meeting
//! that decided it (foreign keys). Written with plain SQL, as the escalation service would have,
//! until that service's store operations exist; used by the rulebook contract and end-to-end
//! tests.

use std::future::Future;

use jiesu_domain::escalation::MeetingId;
use jiesu_domain::ids::RequestId;
use jiesu_store_postgres::PgStore;
use jiesu_store_sqlite::SqliteStore;
use uuid::Uuid;

/// The same text on both backends: only the times bound differ.
const ESCALATION: &str =
    "INSERT INTO escalations (id, request_id, trigger, state, level, opened_at, updated_at)
     VALUES ($1, $2, 'exhausted', 'decided', 'street', $3, $3)";
const PLACE: &str = r#"{"on_site":true}"#;
const AGENDA: &str = r#"{"tracking":"TEST","summary":"桥下通道无照明，多个单位退单"}"#;

/// Stores a decided coordination meeting (and its escalation) for a request.
pub trait MeetingFixture {
    fn insert_meeting(&self, request: RequestId) -> impl Future<Output = MeetingId> + Send;
}

impl MeetingFixture for SqliteStore {
    async fn insert_meeting(&self, request: RequestId) -> MeetingId {
        let (escalation, meeting) = (Uuid::now_v7(), MeetingId::generate());
        // SQLite keeps times as INTEGER microseconds.
        let now = jiesu_domain::time::now().timestamp_micros();
        let pool = &self.pools().writer;
        sqlx::query(ESCALATION)
            .bind(escalation)
            .bind(request.as_uuid())
            .bind(now)
            .execute(pool)
            .await
            .expect("insert an escalation");
        sqlx::query(
            "INSERT INTO meetings (id, request_id, escalation_id, level, convener, scheduled_at, decide_by, state,
                place, invitees, agenda, called_at, updated_at)
             VALUES ($1, $2, $3, 'street', 'street-kengzi', $4, $4, 'decided', $5, '[]', $6, $4, $4)",
        )
        .bind(meeting.as_uuid())
        .bind(request.as_uuid())
        .bind(escalation)
        .bind(now)
        .bind(PLACE)
        .bind(AGENDA)
        .execute(pool)
        .await
        .expect("insert a meeting");
        meeting
    }
}

impl MeetingFixture for PgStore {
    async fn insert_meeting(&self, request: RequestId) -> MeetingId {
        let (escalation, meeting) = (Uuid::now_v7(), MeetingId::generate());
        let now = jiesu_domain::time::now();
        sqlx::query(ESCALATION)
            .bind(escalation)
            .bind(request.as_uuid())
            .bind(now)
            .execute(self.pool())
            .await
            .expect("insert an escalation");
        sqlx::query(
            "INSERT INTO meetings (id, request_id, escalation_id, level, convener, scheduled_at, decide_by, state,
                place, invitees, agenda, called_at, updated_at)
             VALUES ($1, $2, $3, 'street', 'street-kengzi', $4, $4, 'decided', $5::jsonb, '[]', $6::jsonb, $4, $4)",
        )
        .bind(meeting.as_uuid())
        .bind(request.as_uuid())
        .bind(escalation)
        .bind(now)
        .bind(PLACE)
        .bind(AGENDA)
        .execute(self.pool())
        .await
        .expect("insert a meeting");
        meeting
    }
}
