//! Storing whole histories at once (the generator of realistic histories): one multi-row `INSERT`
//! per table and chunk, every table in one transaction. The rows are the ones a commit writes
//! (`records`), bound the same way; only the statement shape differs from the workflow's row by row.

use jiesu_domain::ports::{Histories, History, StoreError};

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, Conn, Stmt, one};
use crate::multirow::{REQUEST_COLUMNS, REQUEST_WIDTH, bind_request, insert_rows};
use crate::records::{
    DeadlineRecord, DeskClockRecord, DisclaimRecord, ExtensionRecord, RequestRecord, TaskRecord, VisitRecord,
};
use crate::store_error;
use crate::writes::{
    bind_deadline, bind_disclaim, bind_event, bind_extension, bind_task, bind_visit, upsert_escalations,
    upsert_meetings,
};

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
    insert_rows::<B::Db, _>(c, REQUEST_COLUMNS, REQUEST_WIDTH, requests.collect(), bind_request).await?;
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
        "INSERT INTO desk_clocks (id, request_id, kind, task_id, started_at, due_at, state, settled_at, stage,
            next_action_at)",
        10,
        cases().flat_map(|c| &c.desk_clocks).map(DeskClockRecord::from).collect(),
        |s, k| Ok(crate::writes::bind_desk_clock(s, k)),
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
        "INSERT INTO return_visits (id, request_id, solved, satisfaction, comment, operator, at, stars)",
        8,
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
        bind_event,
    )
    .await?;
    // Counted, as the stats role would have: each request's tallies, the batch's sums added.
    insert_rows::<B::Db, _>(
        c,
        "INSERT INTO stats_tallies (request_id, version, tallies)",
        3,
        histories.iter().collect(),
        |s, h| {
            Ok(s.bind(h.case.id().as_uuid())
                .bind(h.case.version)
                .bind(jiesu_domain::rates::stored::encode(&h.tallies)))
        },
    )
    .await?;
    let mut sums = std::collections::BTreeMap::new();
    for (key, counts) in histories.iter().flat_map(|h| &h.tallies) {
        *sums.entry(key.clone()).or_insert_with(jiesu_domain::rates::Counts::default) += *counts;
    }
    crate::stats::add_to_summary::<B::Db>(c, sums).await
}
