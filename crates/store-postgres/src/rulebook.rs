//! The rulebook port on PostgreSQL: proposed rules, a supervisor's decision on one (the row locked
//! `FOR UPDATE` while the domain decides, the event appended in the same transaction), and the
//! accepted rules with their revision for other processes to poll.

use chrono::{DateTime, Utc};
use jiesu_domain::escalation::{
    ProposalDecision, ProposalId, ProposalRecord, ProposalRefused, ProposalState, ProposedRule,
};
use jiesu_domain::ports::{Decided, RuleBook, RulebookRevision, StoreError};
use jiesu_sql::{corrupt, statements, store_error};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Postgres, Row, Transaction};

use crate::PgStore;

fn proposal(row: &PgRow) -> Result<ProposedRule, StoreError> {
    let rec = (|| {
        Ok::<_, sqlx::Error>(ProposalRecord {
            id: row.try_get("id")?,
            request_id: row.try_get("request_id")?,
            meeting_id: row.try_get("meeting_id")?,
            categories: row.try_get::<Json<Vec<String>>, _>("categories")?.0,
            areas: row.try_get::<Json<Vec<String>>, _>("areas")?.0,
            lead: row.try_get("lead")?,
            assists: row.try_get::<Json<Vec<String>>, _>("assists")?.0,
            note: row.try_get("note")?,
            state: row.try_get("state")?,
            proposed_at: row.try_get("proposed_at")?,
            decided_by: row.try_get("decided_by")?,
            decided_at: row.try_get("decided_at")?,
            decision_note: row.try_get("decision_note")?,
        })
    })()
    .map_err(store_error)?;
    ProposedRule::try_from(rec).map_err(corrupt)
}

/// Stores a meeting's proposal inside the caller's transaction (the meeting's decision commits
/// it with the request's workflow change). Answers whether it was stored: `false` when the
/// meeting's proposal already was.
pub(crate) async fn insert_proposal(
    tx: &mut Transaction<'static, Postgres>,
    p: &ProposedRule,
) -> Result<bool, sqlx::Error> {
    let r = ProposalRecord::from(p);
    let done = sqlx::query(statements::INSERT_PROPOSAL)
        .bind(r.id)
        .bind(r.request_id)
        .bind(r.meeting_id)
        .bind(Json(&r.categories))
        .bind(Json(&r.areas))
        .bind(&r.lead)
        .bind(Json(&r.assists))
        .bind(&r.note)
        .bind(&r.state)
        .bind(r.proposed_at)
        .bind(&r.decided_by)
        .bind(r.decided_at)
        .bind(&r.decision_note)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

async fn decide(
    tx: &mut Transaction<'static, Postgres>,
    id: ProposalId,
    decision: &ProposalDecision,
) -> Result<Decided, StoreError> {
    // Locked, so a concurrent decision waits and then finds it decided.
    let row = sqlx::query("SELECT * FROM proposed_rules WHERE id = $1 FOR UPDATE")
        .bind(id.as_uuid())
        .fetch_optional(&mut **tx)
        .await
        .map_err(store_error)?;
    let Some(row) = row else { return Ok(Decided::NotFound) };
    let (decided, event) = match proposal(&row)?.decide(decision) {
        Ok(d) => d,
        Err(ProposalRefused::AlreadyDecided(s)) => return Ok(Decided::AlreadyDecided(s)),
    };
    let r = ProposalRecord::from(&decided);
    let updated = sqlx::query(statements::DECIDE_PROPOSAL)
        .bind(r.id)
        .bind(Json(&r.categories))
        .bind(Json(&r.areas))
        .bind(&r.lead)
        .bind(Json(&r.assists))
        .bind(&r.note)
        .bind(&r.state)
        .bind(&r.decided_by)
        .bind(r.decided_at)
        .bind(&r.decision_note)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    if updated.rows_affected() == 0 {
        // The row is locked and was undecided: nothing else can have decided it.
        return Err(StoreError::Unexpected(format!("proposal {id} changed under its row lock")));
    }
    crate::ingest::insert_events(tx, std::iter::once(&event)).await.map_err(store_error)?;
    Ok(Decided::Yes(Box::new(decided)))
}

impl RuleBook for PgStore {
    async fn insert_proposal(&self, p: &ProposedRule) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let stored = insert_proposal(&mut tx, p).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(stored)
    }

    async fn proposals(
        &self,
        state: Option<ProposalState>,
        limit: u32,
    ) -> Result<Vec<ProposedRule>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM proposed_rules WHERE ($1::text IS NULL OR state = $1)
             ORDER BY proposed_at, id LIMIT $2",
        )
        .bind(state.map(|s| s.as_str()))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        rows.iter().map(proposal).collect()
    }

    async fn proposal(&self, id: ProposalId) -> Result<Option<ProposedRule>, StoreError> {
        let row = sqlx::query(statements::PROPOSAL)
            .bind(id.as_uuid())
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        row.as_ref().map(proposal).transpose()
    }

    async fn decide_proposal(
        &self,
        id: ProposalId,
        decision: &ProposalDecision,
    ) -> Result<Decided, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let decided = decide(&mut tx, id, decision).await?;
        if matches!(decided, Decided::Yes(_)) {
            tx.commit().await.map_err(store_error)?;
        }
        Ok(decided)
    }

    async fn accepted_rules(&self) -> Result<Vec<ProposedRule>, StoreError> {
        let rows =
            sqlx::query(statements::ACCEPTED_RULES).fetch_all(self.pool()).await.map_err(store_error)?;
        rows.iter().map(proposal).collect()
    }

    async fn rulebook_revision(&self) -> Result<RulebookRevision, StoreError> {
        let (accepted, last_decided_at): (i64, Option<DateTime<Utc>>) =
            sqlx::query_as(statements::RULEBOOK_REVISION)
                .fetch_one(self.pool())
                .await
                .map_err(store_error)?;
        Ok(RulebookRevision { accepted, last_decided_at })
    }
}
