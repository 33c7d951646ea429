//! The rulebook port, once for both backends: proposed rules, a supervisor's decision on one (read,
//! decided by the domain and written in one transaction with its event; on PostgreSQL the row is
//! locked `FOR UPDATE` meanwhile, on SQLite the single writer holds the database), and the
//! accepted rules with their revision for other processes to poll.

use jiesu_domain::audit::AuditEntry;
use jiesu_domain::escalation::{ProposalDecision, ProposalId, ProposalRefused, ProposalState, ProposedRule};
use jiesu_domain::ports::{Decided, RuleBook, RulebookRevision, StoreError, StoredDay};

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Conn, DbTime, Dialect, Stmt, all, one, optional, run};
use crate::records::ProposalRecord;
use crate::store::parse;
use crate::writes::insert_proposal;
use crate::{corrupt, statements, store_error};

async fn decide<B: Backend>(
    c: &mut Conn<B::Db>,
    id: ProposalId,
    decision: &ProposalDecision,
) -> Result<Decided, StoreError> {
    // Locked on PostgreSQL, so a concurrent decision waits and then finds it decided.
    let sql = format!("SELECT * FROM proposed_rules WHERE id = $1{}", B::Db::FOR_UPDATE);
    let s = Stmt::<B::Db>::assembled(sql).bind(id.as_uuid());
    let Some(row) = optional::<_, ProposalRecord>(c, s).await.map_err(store_error)? else {
        return Ok(Decided::NotFound);
    };
    let (decided, event) = match ProposedRule::try_from(row).map_err(corrupt)?.decide(decision) {
        Ok(d) => d,
        Err(ProposalRefused::AlreadyDecided(s)) => return Ok(Decided::AlreadyDecided(s)),
    };
    let r = ProposalRecord::from(&decided);
    let s = Stmt::<B::Db>::new(statements::DECIDE_PROPOSAL)
        .bind(r.id)
        .bind(r.categories)
        .bind(r.areas)
        .bind(r.lead)
        .bind(r.assists)
        .bind(r.note)
        .bind(r.state)
        .bind(r.decided_by)
        .bind(r.decided_at)
        .bind(r.decision_note);
    if run(c, s).await.map_err(store_error)? == 0 {
        // Read and written under the row lock (or the one write lock): nothing else can have decided it.
        return Err(StoreError::Unexpected(format!("proposal {id} changed inside its transaction")));
    }
    B::insert_events(c, std::slice::from_ref(&event)).await.map_err(store_error)?;
    Ok(Decided::Yes(Box::new(decided)))
}

impl<B: Backend> RuleBook for SqlStore<B> {
    async fn insert_proposal(&self, p: &ProposedRule) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let stored = insert_proposal::<B::Db>(&mut *tx, p).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(stored)
    }

    async fn proposals(
        &self,
        state: Option<ProposalState>,
        limit: u32,
    ) -> Result<Vec<ProposedRule>, StoreError> {
        let s = Stmt::<B::Db>::new(
            "SELECT * FROM proposed_rules WHERE ($1 IS NULL OR state = $1) ORDER BY proposed_at, id LIMIT $2",
        )
        .bind(state.map(|s| s.as_str().to_owned()))
        .bind(i64::from(limit));
        let rows: Vec<ProposalRecord> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        parse(rows)
    }

    async fn proposal(&self, id: ProposalId) -> Result<Option<ProposedRule>, StoreError> {
        let s = Stmt::<B::Db>::new("SELECT * FROM proposed_rules WHERE id = $1").bind(id.as_uuid());
        let row: Option<ProposalRecord> = optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        row.map(|r| ProposedRule::try_from(r).map_err(corrupt)).transpose()
    }

    async fn decide_proposal(
        &self,
        id: ProposalId,
        decision: &ProposalDecision,
    ) -> Result<Decided, StoreError> {
        let mut tx = self.begin().await?;
        let decided = decide::<B>(&mut *tx, id, decision).await?;
        if matches!(decided, Decided::Yes(_)) {
            tx.commit().await.map_err(store_error)?;
        }
        Ok(decided)
    }

    async fn accepted_rules(&self) -> Result<Vec<ProposedRule>, StoreError> {
        let s = Stmt::<B::Db>::new(statements::ACCEPTED_RULES);
        let rows: Vec<ProposalRecord> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        parse(rows)
    }

    async fn rulebook_revision(&self) -> Result<RulebookRevision, StoreError> {
        let mut conn = self.read().await?;
        let s = Stmt::<B::Db>::new(statements::RULEBOOK_REVISION);
        let (accepted, last): (i64, Option<DbTime>) = one(&mut *conn, s).await.map_err(store_error)?;
        let s = Stmt::<B::Db>::new("SELECT count(*), max(set_at) FROM calendar_days");
        let (days, set_at): (i64, Option<DbTime>) = one(&mut *conn, s).await.map_err(store_error)?;
        Ok(RulebookRevision {
            accepted,
            last_decided_at: last.map(|t| t.0),
            calendar_days: days,
            calendar_set_at: set_at.map(|t| t.0),
        })
    }

    async fn calendar_days(&self) -> Result<Vec<StoredDay>, StoreError> {
        crate::calendar_days::all_days::<B>(self).await
    }

    async fn set_calendar_day(&self, day: &StoredDay, audit: &AuditEntry) -> Result<(), StoreError> {
        crate::calendar_days::set_day::<B>(self, day, audit).await
    }
}
