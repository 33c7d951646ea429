//! Notification rows, once for both backends (see `jiesu_ports::notifications`).

use chrono::{DateTime, Utc};
use jiesu_domain::ids::{EventId, RequestId, TrackingNumber};
use jiesu_domain::notices::{Audience, Topic};
use jiesu_domain::ports::{
    NoticePrefs, NoticeState, Notification, Notifications, OPTED_OUT, OptOut, Settle, StaffPrefs, StoreError,
    Try, Undelivered, Via,
};
use jiesu_domain::staff::UserId;
use sqlx::types::Json;
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, DbList, DbTime, Dialect, JsonValue, Stmt, all, run};
use crate::records::CorruptRow;
use crate::statements::Lease;
use crate::writes::bind_event;
use crate::{corrupt, store_error};

#[derive(Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub request_id: Uuid,
    pub audience: String,
    pub via: String,
    pub topic: JsonValue,
    pub urgent: bool,
    pub state: String,
    pub attempts: i32,
    pub next_at: DbTime,
    pub created_at: DbTime,
    pub settled_at: Option<DbTime>,
    pub gateway_id: Option<String>,
    pub last_error: Option<String>,
}

impl TryFrom<NotificationRow> for Notification {
    type Error = StoreError;
    fn try_from(r: NotificationRow) -> Result<Self, StoreError> {
        let bad = |message: String| corrupt(CorruptRow { table: "notifications", message });
        Ok(Notification {
            id: r.id,
            event_id: EventId::from_uuid(r.event_id),
            request_id: RequestId::from_uuid(r.request_id),
            audience: Audience::parse(&r.audience)
                .ok_or_else(|| bad(format!("audience `{}`", r.audience)))?,
            via: Via::parse(&r.via).ok_or_else(|| bad(format!("via `{}`", r.via)))?,
            topic: serde_json::from_value::<Topic>(r.topic.0).map_err(|e| bad(format!("topic: {e}")))?,
            urgent: r.urgent,
            state: NoticeState::parse(&r.state).ok_or_else(|| bad(format!("state `{}`", r.state)))?,
            attempts: u32::try_from(r.attempts).map_err(|e| bad(e.to_string()))?,
            next_at: r.next_at.0,
            created_at: r.created_at.0,
            settled_at: r.settled_at.map(|t| t.0),
            gateway_id: r.gateway_id,
            last_error: r.last_error,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct UndeliveredRow {
    #[sqlx(flatten)]
    pub notice: NotificationRow,
    pub tracking: String,
}

/// The update that records `t` if its row is still pending.
fn settle<DB: Dialect>(t: &Try, at: DateTime<Utc>) -> Stmt<DB> {
    let (state, next_at, gateway_id, error) = match &t.outcome {
        Settle::Sent { gateway_id } => (NoticeState::Sent, None, Some(gateway_id.clone()), None),
        Settle::Retry { next_at, error } => (NoticeState::Pending, Some(*next_at), None, Some(error.clone())),
        Settle::GiveUp { error } => (NoticeState::GivenUp, None, None, Some(error.clone())),
    };
    let settled = (state != NoticeState::Pending).then_some(DbTime(at));
    Stmt::<DB>::new(
        "UPDATE notifications SET state = $2, next_at = COALESCE($3, next_at), settled_at = $4,
             gateway_id = COALESCE($5, gateway_id), last_error = COALESCE($6, last_error)
         WHERE id = $1 AND state = 'pending'",
    )
    .bind(t.id)
    .bind(state.as_str().to_owned())
    .bind(next_at.map(DbTime))
    .bind(settled)
    .bind(gateway_id)
    .bind(error)
}

/// The insert that records `n` unless its (event, audience, via) is recorded already.
fn insert<DB: Dialect>(n: &Notification) -> Result<Stmt<DB>, StoreError> {
    let topic = serde_json::to_value(&n.topic).map_err(|e| StoreError::Unexpected(e.to_string()))?;
    Ok(Stmt::<DB>::new(
        "INSERT INTO notifications (id, event_id, request_id, audience, via, topic, urgent, state,
             attempts, next_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (event_id, audience, via) DO NOTHING",
    )
    .bind(n.id)
    .bind(n.event_id.as_uuid())
    .bind(n.request_id.as_uuid())
    .bind(n.audience.key())
    .bind(n.via.as_str().to_owned())
    .bind(Json(topic))
    .bind(n.urgent)
    .bind(n.state.as_str().to_owned())
    .bind(i32::try_from(n.attempts).unwrap_or(i32::MAX))
    .bind(DbTime(n.next_at))
    .bind(DbTime(n.created_at)))
}

fn parse(rows: Vec<NotificationRow>) -> Result<Vec<Notification>, StoreError> {
    rows.into_iter().map(Notification::try_from).collect()
}

impl<B: Backend> Notifications for SqlStore<B> {
    async fn record_notifications(&self, rows: &[Notification]) -> Result<u64, StoreError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut new = 0;
        for n in rows {
            new += run(&mut *tx, insert::<B::Db>(n)?).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(new)
    }

    async fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        const LEASE: Lease = Lease {
            table: "notifications",
            key: "id",
            due: "next_at",
            pending: "state = 'pending'",
            then_by: ", id",
            returning: "*",
        };
        let s = LEASE.stmt::<B::Db>(now, lease_until, limit);
        let mut rows = parse(all(&mut *self.write().await?, s).await.map_err(store_error)?)?;
        // Earliest first: `RETURNING` gives no order guarantee.
        rows.sort_by_key(|n| n.created_at);
        Ok(rows)
    }

    async fn settle_notifications(&self, tries: &[Try], at: DateTime<Utc>) -> Result<Vec<bool>, StoreError> {
        let mut tx = self.begin().await?;
        let mut done = Vec::with_capacity(tries.len());
        for t in tries {
            let recorded = run(&mut *tx, settle::<B::Db>(t, at)).await.map_err(store_error)? > 0;
            if let (true, Some(e)) = (recorded, &t.history) {
                // History only: no outbox row, as nothing reacts to a notice having gone.
                let s = Stmt::<B::Db>::new(
                    "INSERT INTO events (id, request_id, task_id, kind, payload, occurred_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                );
                run(&mut *tx, bind_event(s, e).map_err(store_error)?).await.map_err(store_error)?;
            }
            if let (true, Some(n)) = (recorded, &t.instead) {
                run(&mut *tx, insert::<B::Db>(n)?).await.map_err(store_error)?;
            }
            done.push(recorded);
        }
        tx.commit().await.map_err(store_error)?;
        Ok(done)
    }

    async fn opt_out(&self, who: &OptOut, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let s = Stmt::<B::Db>::new(
            "INSERT INTO notice_opt_outs (who, opted_out_at) VALUES ($1, $2) ON CONFLICT (who) DO NOTHING",
        )
        .bind(who.as_str().to_owned())
        .bind(DbTime(at));
        Ok(run(&mut *self.write().await?, s).await.map_err(store_error)? > 0)
    }

    async fn opted_out(&self, who: &[OptOut]) -> Result<Vec<OptOut>, StoreError> {
        if who.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT who FROM notice_opt_outs WHERE {}", B::Db::any("who", 1));
        let list: DbList<String> = who.iter().map(|w| w.as_str().to_owned()).collect();
        let rows: Vec<Col<String>> = all(&mut *self.read().await?, Stmt::<B::Db>::assembled(sql).bind(list))
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(|(w,)| OptOut::from_stored(w)).collect())
    }

    async fn staff_prefs(&self) -> Result<Vec<StaffPrefs>, StoreError> {
        self.all_staff_prefs().await
    }

    async fn notice_prefs(&self, user: UserId) -> Result<NoticePrefs, StoreError> {
        self.prefs_of(user).await
    }

    async fn set_notice_prefs(
        &self,
        user: UserId,
        prefs: &NoticePrefs,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.save_prefs(user, prefs, at).await
    }

    async fn given_up_notifications(&self, limit: u32) -> Result<Vec<Undelivered>, StoreError> {
        let s = Stmt::<B::Db>::new(
            "SELECT n.*, r.tracking FROM notifications n JOIN requests r ON r.id = n.request_id
             WHERE n.state = 'given_up' AND (n.last_error IS NULL OR n.last_error <> $2)
               AND NOT EXISTS (SELECT 1 FROM notifications o
                               WHERE o.event_id = n.event_id AND o.audience = n.audience AND o.via <> n.via
                                 AND o.created_at > n.created_at)
             ORDER BY n.settled_at DESC, n.id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .bind(OPTED_OUT.to_owned());
        let rows: Vec<UndeliveredRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                let tracking = TrackingNumber::parse(&r.tracking).map_err(|e| {
                    corrupt(CorruptRow { table: "requests", message: format!("tracking: {e}") })
                })?;
                Ok(Undelivered { notice: r.notice.try_into()?, tracking })
            })
            .collect()
    }
}
