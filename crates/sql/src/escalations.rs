//! The escalations port, once for both backends: supervisors' and conveners' lists across cases.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiesu_domain::escalation::{Escalation, EscalationId, EscalationState, Meeting, MeetingId, Trigger};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{EscalationQuery, Escalations, StoreError};
use jiesu_domain::request::Request;
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, Conn, DbList, DbTime, Dialect, Stmt, all, optional};
use crate::paging::Keyset;
use crate::records::{CorruptRow, EscalationRecord, MeetingRecord};
use crate::store::{parse, requests_of};
use crate::{corrupt, store_error};

/// Fills each hotspot's `linked` from its members (the anchor left out), oldest first: one query
/// whatever the number of hotspots.
pub(crate) async fn with_linked<DB: Dialect>(
    c: &mut Conn<DB>,
    escalations: &mut [Escalation],
) -> Result<(), StoreError> {
    let hotspots: DbList<Uuid> =
        escalations.iter().filter(|e| e.trigger == Trigger::Hotspot).map(|e| e.id.as_uuid()).collect();
    if hotspots.0.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT m.escalation_id, m.request_id FROM hotspot_members m JOIN requests r ON r.id = m.request_id
         WHERE {} ORDER BY r.received_at, r.id",
        DB::any_id("m.escalation_id", 1)
    );
    let rows: Vec<(Uuid, Uuid)> =
        all(c, Stmt::<DB>::assembled(sql).bind(hotspots)).await.map_err(store_error)?;
    for e in escalations.iter_mut().filter(|e| e.trigger == Trigger::Hotspot) {
        let (id, anchor) = (e.id.as_uuid(), e.request_id.as_uuid());
        e.linked = rows
            .iter()
            .filter(|(h, r)| *h == id && *r != anchor)
            .map(|(_, r)| RequestId::from_uuid(*r))
            .collect();
    }
    Ok(())
}

/// Oldest opened first (`Listing::Escalations`), through `escalations_opened`.
const ESCALATIONS: Keyset = Keyset { key: "opened_at", id: "id", newest_first: false };

/// A count of escalations of one trigger and state.
#[derive(Debug, sqlx::FromRow)]
pub struct EscalationCount {
    pub trigger: String,
    pub state: String,
    pub n: i64,
}

impl<B: Backend> Escalations for SqlStore<B> {
    async fn count_escalations(
        &self,
        states: &[EscalationState],
    ) -> Result<Vec<(Trigger, EscalationState, u64)>, StoreError> {
        let sql = format!(
            "SELECT trigger, state, count(*) AS n FROM escalations WHERE ({} OR {})
             GROUP BY trigger, state ORDER BY trigger, state",
            B::Db::none(1),
            B::Db::any("state", 1),
        );
        let s = Stmt::<B::Db>::assembled(sql)
            .bind(states.iter().map(|s| s.as_str().to_owned()).collect::<DbList<String>>());
        let rows: Vec<EscalationCount> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                let bad = |what: &str| corrupt(CorruptRow { table: "escalations", message: what.to_owned() });
                let trigger =
                    Trigger::parse(&r.trigger).ok_or_else(|| bad(&format!("trigger `{}`", r.trigger)))?;
                let state =
                    EscalationState::parse(&r.state).ok_or_else(|| bad(&format!("state `{}`", r.state)))?;
                Ok((trigger, state, u64::try_from(r.n).unwrap_or(0)))
            })
            .collect()
    }

    /// Escalations with their requests: two queries whatever the page's size.
    async fn list_escalations(&self, q: &EscalationQuery) -> Result<Vec<(Escalation, Request)>, StoreError> {
        let sql = format!(
            "SELECT * FROM escalations
             WHERE ({} OR {})
               AND ({} OR {})
               AND ($3 IS NULL OR opened_at < $3)
               AND ({} OR {}){}",
            B::Db::none(1),
            B::Db::any("trigger", 1),
            B::Db::none(2),
            B::Db::any("state", 2),
            B::Db::none(4),
            B::Db::any("level", 4),
            ESCALATIONS.tail(&q.page, 5),
        );
        let s = Stmt::<B::Db>::assembled(sql)
            .bind(q.triggers.iter().map(|t| t.as_str().to_owned()).collect::<DbList<String>>())
            .bind(q.states.iter().map(|s| s.as_str().to_owned()).collect::<DbList<String>>())
            .bind(q.opened_before.map(DbTime))
            .bind(q.levels.iter().map(|l| l.as_str().to_owned()).collect::<DbList<String>>());
        let s = Keyset::bind(&q.page, s);
        let mut conn = self.read().await?;
        let c = &mut *conn;
        let rows: Vec<EscalationRecord> = all(c, s).await.map_err(store_error)?;
        let mut escalations: Vec<Escalation> = parse(rows)?;
        with_linked::<B::Db>(c, &mut escalations).await?;
        let ids: Vec<RequestId> = escalations.iter().map(|e| e.request_id).collect();
        let requests: HashMap<RequestId, Request> =
            requests_of::<B::Db>(c, &ids).await?.into_iter().map(|r| (r.submitted.id, r)).collect();
        Ok(escalations
            .into_iter()
            .filter_map(|e| {
                let r = requests.get(&e.request_id)?.clone();
                Some((e, r))
            })
            .collect())
    }

    async fn escalation_request(&self, id: EscalationId) -> Result<Option<RequestId>, StoreError> {
        let s = Stmt::<B::Db>::new("SELECT request_id FROM escalations WHERE id = $1").bind(id.as_uuid());
        let found: Option<Col<Uuid>> = optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        Ok(found.map(|(id,)| RequestId::from_uuid(id)))
    }

    async fn meetings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Meeting>, StoreError> {
        let s = Stmt::<B::Db>::new(
            "SELECT * FROM meetings WHERE scheduled_at >= $1 AND scheduled_at < $2 ORDER BY scheduled_at, id LIMIT $3",
        )
        .bind(DbTime(from))
        .bind(DbTime(to))
        .bind(i64::from(limit));
        let rows: Vec<MeetingRecord> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        parse(rows)
    }

    async fn meeting_request(&self, id: MeetingId) -> Result<Option<RequestId>, StoreError> {
        let s = Stmt::<B::Db>::new("SELECT request_id FROM meetings WHERE id = $1").bind(id.as_uuid());
        let found: Option<Col<Uuid>> = optional(&mut *self.read().await?, s).await.map_err(store_error)?;
        Ok(found.map(|(id,)| RequestId::from_uuid(id)))
    }
}
