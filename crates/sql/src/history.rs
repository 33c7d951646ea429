//! Storing whole histories at once (the generator of realistic histories): one multi-row `INSERT`
//! per table and chunk, every table in one transaction. The rows are the ones a commit writes
//! (`records`), bound the same way; only the statement shape differs from the workflow's row by row.

use jiesu_domain::ports::{Histories, History, StoreError};

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, Conn, DbTime, Dialect, Stmt, one, run};
use crate::records::{
    DeadlineRecord, DisclaimRecord, ExtensionRecord, RequestRecord, TaskRecord, VisitRecord,
};
use crate::store_error;
use crate::writes::{
    bind_deadline, bind_disclaim, bind_extension, bind_task, bind_visit, json, raw_json, upsert_escalations,
    upsert_meetings,
};

/// `head` followed by `rows` tuples of `width` numbered placeholders.
fn values_sql(head: &str, width: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * width * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..width {
            n += 1;
            if c > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&n.to_string());
        }
        sql.push(')');
    }
    sql
}

/// Inserts `rows` in statements of at most the dialect's `BIND_LIMIT` values.
async fn insert_rows<DB: Dialect, R>(
    c: &mut Conn<DB>,
    head: &str,
    width: usize,
    rows: Vec<R>,
    bind: impl Fn(Stmt<DB>, R) -> Result<Stmt<DB>, sqlx::Error>,
) -> Result<(), sqlx::Error> {
    let per = (DB::BIND_LIMIT / width).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<R> = rows.by_ref().take(per).collect();
        let mut s = Stmt::<DB>::assembled(values_sql(head, width, chunk.len()));
        for r in chunk {
            s = bind(s, r)?;
        }
        run(c, s).await?;
    }
    Ok(())
}

impl<B: Backend> Histories for SqlStore<B> {
    async fn count_requests(&self) -> Result<u64, StoreError> {
        let mut conn = self.read().await?;
        // INTEGER is 32 bits on PostgreSQL: enough for the two billion requests a store may hold.
        let s = Stmt::<B::Db>::new("SELECT CAST(count(*) AS INTEGER) FROM requests");
        let (n,): Col<i32> = one(&mut *conn, s).await.map_err(store_error)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    #[tracing::instrument(name = "store.store_histories", level = "debug", skip_all, fields(n = histories.len()))]
    async fn store_histories(&self, histories: &[History]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        write::<B>(&mut tx, histories).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }
}

async fn write<B: Backend>(c: &mut Conn<B::Db>, histories: &[History]) -> Result<(), sqlx::Error> {
    let requests = histories.iter().map(|h| {
        // A request answered on receipt was never routed: no routing stored (as the dispatcher).
        let routing = (!h.case.routing.candidates.is_empty()).then_some(&h.case.routing);
        (RequestRecord::from(&h.case.request), h.admitted_at, routing, h.case.version)
    });
    insert_rows::<B::Db, _>(
        c,
        "INSERT INTO requests (id, tracking, channel, channel_ref, kind, category, description, lat, lon, address,
            contact_name, contact_phone, contact_email, contact_openid, attributes, media, area, status,
            received_at, created_at, updated_at, contact_confidential, title, urgency, category_text, area_hint,
            answer, operator, routing, version)",
        30,
        requests.collect(),
        |s, (r, created, routing, version)| {
            Ok(s.bind(r.id)
                .bind(r.tracking)
                .bind(r.channel)
                .bind(r.channel_ref)
                .bind(r.kind)
                .bind(r.category)
                .bind(r.description)
                .bind(r.lat)
                .bind(r.lon)
                .bind(r.address)
                .bind(r.contact_name)
                .bind(r.contact_phone)
                .bind(r.contact_email)
                .bind(r.contact_openid)
                .bind(r.attributes)
                .bind(r.media)
                .bind(r.area)
                .bind(r.status)
                .bind(r.received_at)
                .bind(DbTime(created))
                .bind(r.updated_at)
                .bind(r.contact_confidential)
                .bind(r.title)
                .bind(r.urgency)
                .bind(r.category_text)
                .bind(r.area_hint)
                .bind(r.answer)
                .bind(r.operator)
                .bind(routing.map(json).transpose()?)
                .bind(version))
        },
    )
    .await?;
    let cases = || histories.iter().map(|h| &h.case);
    insert_rows::<B::Db, _>(
        c,
        "INSERT INTO tasks (id, request_id, bureau, role, state, binding, dispatched_at, updated_at, scope)",
        9,
        cases().flat_map(|c| &c.tasks).map(TaskRecord::from).collect(),
        |s, t| Ok(bind_task(s, t)),
    )
    .await?;
    insert_rows::<B::Db, _>(
        c,
        "INSERT INTO deadlines (id, request_id, task_id, kind, class, due_at, state, settled_at, stage, next_action_at)",
        10,
        cases().flat_map(|c| &c.deadlines).map(DeadlineRecord::from).collect(),
        |s, d| Ok(bind_deadline(s, d)),
    )
    .await?;
    insert_rows::<B::Db, _>(
        c,
        "INSERT INTO disclaims (id, request_id, task_id, bureau, reason, explanation, by_user, at, state,
            decided_by, decided_at, decision_note)",
        12,
        cases().flat_map(|c| &c.disclaims).map(DisclaimRecord::from).collect(),
        |s, d| Ok(bind_disclaim(s, d)),
    )
    .await?;
    insert_rows::<B::Db, _>(
        c,
        "INSERT INTO extensions (id, request_id, task_id, bureau, days, reason, requested_by, requested_at,
            state, decided_by, decided_at, decision_note, new_due)",
        13,
        cases().flat_map(|c| &c.extensions).map(ExtensionRecord::from).collect(),
        |s, e| Ok(bind_extension(s, e)),
    )
    .await?;
    insert_rows::<B::Db, _>(
        c,
        "INSERT INTO return_visits (id, request_id, solved, satisfaction, comment, operator, at)",
        7,
        cases().flat_map(|c| &c.visits).map(VisitRecord::from).collect(),
        |s, v| Ok(bind_visit(s, v)),
    )
    .await?;
    // Rare in a history (every candidate disclaimed): row by row, as a commit writes them.
    for case in cases() {
        upsert_escalations::<B::Db>(c, &case.escalations).await?;
        upsert_meetings::<B::Db>(c, &case.meetings).await?;
    }
    // Published long ago: no outbox rows.
    insert_rows::<B::Db, _>(
        c,
        "INSERT INTO events (id, request_id, task_id, kind, payload, occurred_at)",
        6,
        histories.iter().flat_map(|h| &h.events).collect(),
        |s, e| {
            Ok(s.bind(e.id.as_uuid())
                .bind(e.request_id.as_uuid())
                .bind(e.task_id.map(|t| t.as_uuid()))
                .bind(e.kind.name().to_owned())
                .bind(raw_json(e)?)
                .bind(DbTime(e.occurred_at)))
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(
            super::values_sql("INSERT INTO t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
    }
}
