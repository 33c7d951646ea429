//! The store port, once for both backends; a dispatcher batch, queued references and the
//! readiness ping are the backend's (see `Backend`).

use chrono::{DateTime, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::api_client::{ApiClient, ApiKeyHash};
use jiesu_domain::audit::AuditEntry;
use jiesu_domain::contact::OpenId;
use jiesu_domain::event::Event;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{
    ApiClientState, IngestOutcome, OutboxEvent, RequestQuery, RequestView, Store, StoreError,
};
use jiesu_domain::request::{Channel, ChannelRef, Request};
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, Conn, DbList, DbTime, Dialect, RawJson, Stmt, all, one, optional, run};
use crate::paging::Keyset;
use crate::records::{DueRow, OutboxRow, RequestRecord, TaskRecord};
use crate::{corrupt, decode_event, statements, store_error, tracking_number, with_tasks};

/// Open311's list: newest received first (`Listing::Requests`), through `requests_received_id`.
const REQUESTS: Keyset = Keyset { key: "received_at", id: "id", newest_first: true };

/// Rows of one kind, each parsed back into its domain value.
pub(crate) fn parse<R, T: TryFrom<R, Error = crate::records::CorruptRow>>(
    rows: Vec<R>,
) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(|r| T::try_from(r).map_err(corrupt)).collect()
}

/// The requests with their tasks and expected resolution (two queries in all), in the requests'
/// order.
pub(crate) async fn views<DB: Dialect>(
    c: &mut Conn<DB>,
    requests: Vec<Request>,
) -> Result<Vec<RequestView>, StoreError> {
    let ids: DbList<Uuid> = requests.iter().map(|r| r.submitted.id.as_uuid()).collect();
    let sql = format!("SELECT * FROM tasks WHERE {} ORDER BY dispatched_at, id", DB::any_id("request_id", 1));
    let tasks: Vec<TaskRecord> =
        all(c, Stmt::<DB>::assembled(sql).bind(ids.clone())).await.map_err(store_error)?;
    // Each request's expected resolution: the latest resolution deadline still running among its
    // tasks (a lead's and its assists' clocks; the request is resolved when all are done).
    let sql = format!(
        "SELECT request_id, max(due_at) AS due_at FROM deadlines
         WHERE {} AND kind = 'resolution' AND state = 'pending' GROUP BY request_id",
        DB::any_id("request_id", 1)
    );
    let due: Vec<DueRow> = all(c, Stmt::<DB>::assembled(sql).bind(ids)).await.map_err(store_error)?;
    let expected = due.into_iter().map(|d| (RequestId::from_uuid(d.request_id), d.due_at.0)).collect();
    Ok(with_tasks(requests, parse(tasks)?, &expected))
}

/// The requests of these ids, in no particular order, in one query.
pub(crate) async fn requests_of<DB: Dialect>(
    c: &mut Conn<DB>,
    ids: &[RequestId],
) -> Result<Vec<Request>, StoreError> {
    let sql = format!("SELECT * FROM requests WHERE {}", DB::any_id("id", 1));
    let ids: DbList<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
    let rows: Vec<RequestRecord> = all(c, Stmt::<DB>::assembled(sql).bind(ids)).await.map_err(store_error)?;
    parse(rows)
}

fn events(payloads: Vec<Col<RawJson>>) -> Result<Vec<Event>, StoreError> {
    payloads.into_iter().map(|(p,)| decode_event(p)).collect()
}

impl<B: Backend> Store for SqlStore<B> {
    async fn ingest(&self, batch: &[Admission]) -> Result<Vec<IngestOutcome>, StoreError> {
        self.backend().ingest(batch).await
    }

    async fn request_by_tracking(
        &self,
        tracking: &TrackingNumber,
    ) -> Result<Option<RequestView>, StoreError> {
        let mut conn = self.read().await?;
        let c = &mut *conn;
        let s = Stmt::<B::Db>::new("SELECT * FROM requests WHERE tracking = $1").bind(tracking.to_string());
        let Some(row) = optional::<_, RequestRecord>(c, s).await.map_err(store_error)? else {
            return Ok(None);
        };
        let request = Request::try_from(row).map_err(corrupt)?;
        Ok(views::<B::Db>(c, vec![request]).await?.pop())
    }

    async fn requests_of_openid(&self, openid: &OpenId, limit: u32) -> Result<Vec<RequestView>, StoreError> {
        // `requests_openid` (contact_openid, received_at, id) gives them in order.
        let s = Stmt::<B::Db>::new(
            "SELECT * FROM requests WHERE contact_openid = $1 ORDER BY received_at DESC, id DESC LIMIT $2",
        )
        .bind(openid.expose().to_owned())
        .bind(i64::from(limit));
        let mut conn = self.read().await?;
        let c = &mut *conn;
        let rows: Vec<RequestRecord> = all(c, s).await.map_err(store_error)?;
        views::<B::Db>(c, parse(rows)?).await
    }

    async fn request_events(&self, id: RequestId) -> Result<Vec<Event>, StoreError> {
        let mut conn = self.read().await?;
        let c = &mut *conn;
        let s = Stmt::<B::Db>::new("SELECT payload FROM events WHERE request_id = $1 ORDER BY seq")
            .bind(id.as_uuid());
        events(all(c, s).await.map_err(store_error)?)
    }

    /// Requests by the query's filters, newest first, each with its tasks (three queries in all).
    async fn list_requests(&self, q: &RequestQuery) -> Result<Vec<RequestView>, StoreError> {
        // The public's list never holds a confidential request; an export for staff does.
        let audience = if q.staff { "TRUE" } else { "NOT contact_confidential" };
        let sql = format!(
            "SELECT * FROM requests
             WHERE {audience}
               AND ({none1} OR {tracking})
               AND (NOT {none1} OR (
                     ({none2} OR {category})
                 AND ($3 IS NULL OR ($3 AND status <> 'closed') OR (NOT $3 AND status = 'closed'))
                 AND ($4 IS NULL OR received_at >= $4)
                 AND ($5 IS NULL OR received_at <= $5))){page}",
            page = REQUESTS.tail(&q.page, 6),
            none1 = B::Db::none(1),
            tracking = B::Db::any("tracking", 1),
            none2 = B::Db::none(2),
            category = B::Db::any("category", 2),
        );
        let s = Stmt::<B::Db>::assembled(sql)
            .bind(q.tracking.iter().map(ToString::to_string).collect::<DbList<String>>())
            .bind(q.categories.iter().map(ToString::to_string).collect::<DbList<String>>())
            .bind(q.open)
            .bind(q.received_from.map(DbTime))
            .bind(q.received_to.map(DbTime));
        let s = Keyset::bind(&q.page, s);
        let mut conn = self.read().await?;
        let c = &mut *conn;
        let rows: Vec<RequestRecord> = all(c, s).await.map_err(store_error)?;
        views::<B::Db>(c, parse(rows)?).await
    }

    async fn events_of_requests(&self, ids: &[RequestId]) -> Result<Vec<Event>, StoreError> {
        let sql = format!("SELECT payload FROM events WHERE {} ORDER BY seq", B::Db::any_id("request_id", 1));
        let ids: DbList<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        let mut conn = self.read().await?;
        let c = &mut *conn;
        events(all(c, Stmt::<B::Db>::assembled(sql).bind(ids)).await.map_err(store_error)?)
    }

    async fn tracking_for(
        &self,
        channel: Channel,
        channel_ref: &ChannelRef,
    ) -> Result<Option<TrackingNumber>, StoreError> {
        let s = Stmt::<B::Db>::new(statements::TRACKING_FOR)
            .bind(channel.as_str().to_owned())
            .bind(channel_ref.as_str().to_owned());
        let (found,): Col<Option<String>> = one(&mut *self.read().await?, s).await.map_err(store_error)?;
        tracking_number(found)
    }

    async fn record_queued(
        &self,
        channel: Channel,
        refs: &[(ChannelRef, TrackingNumber)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.backend().record_queued(channel, refs, at).await
    }

    async fn insert_api_client(
        &self,
        client: &ApiClient,
        key: &ApiKeyHash,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.add_api_client(client, key, audit).await
    }

    async fn api_client_by_key(&self, key: &ApiKeyHash) -> Result<Option<ApiClient>, StoreError> {
        self.client_by_key(key).await
    }

    async fn api_clients(&self) -> Result<Vec<ApiClientState>, StoreError> {
        self.all_api_clients().await
    }

    async fn revoke_api_client(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        self.revoke_client(id, now, audit).await
    }

    async fn touch_api_client(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.touch_client(id, now).await
    }

    async fn lease_outbox(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        // The lease is written on the outbox's own small row; the event is only read. On
        // PostgreSQL, SKIP LOCKED: two relays leasing at once take disjoint sets.
        let sql = format!(
            "UPDATE outbox SET lease_until = $1
             WHERE seq IN (SELECT seq FROM outbox WHERE lease_until IS NULL OR lease_until < $2
                           ORDER BY seq LIMIT $3{})
             RETURNING seq, (SELECT payload FROM events WHERE events.seq = outbox.seq) AS payload",
            B::Db::SKIP_LOCKED
        );
        let s =
            Stmt::<B::Db>::assembled(sql).bind(DbTime(lease_until)).bind(DbTime(now)).bind(i64::from(limit));
        let mut rows: Vec<OutboxRow> = all(&mut *self.write().await?, s).await.map_err(store_error)?;
        // Oldest first: `RETURNING` gives no order guarantee.
        rows.sort_by_key(|r| r.seq);
        rows.into_iter().map(OutboxEvent::try_from).collect()
    }

    async fn mark_published(&self, seqs: &[i64]) -> Result<(), StoreError> {
        let sql = format!("DELETE FROM outbox WHERE {}", B::Db::any("seq", 1));
        let s = Stmt::<B::Db>::assembled(sql).bind(DbList(seqs.to_vec()));
        run(&mut *self.write().await?, s).await.map_err(store_error)?;
        Ok(())
    }

    async fn server_secret(&self, name: &str, candidate: &str) -> Result<String, StoreError> {
        let mut conn = self.write().await?;
        let c = &mut *conn;
        let s = Stmt::<B::Db>::new(
            "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.to_owned())
        .bind(candidate.to_owned());
        run(c, s).await.map_err(store_error)?;
        let s = Stmt::<B::Db>::new("SELECT value FROM server_secrets WHERE name = $1").bind(name.to_owned());
        let (value,): Col<String> = one(c, s).await.map_err(store_error)?;
        Ok(value)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.backend().ping().await
    }
}
