//! A dispatcher batch in multi-row statements (the SQLite dispatcher; PostgreSQL has its own
//! `UNNEST` statements): the requests in one `INSERT ... ON CONFLICT DO NOTHING RETURNING id` per
//! chunk, then the tasks, clocks and events of those that went in, then their outbox rows. About
//! twenty statements for a hundred requests, where row by row took nine hundred.

use std::collections::HashSet;

use jiesu_domain::admission::Admission;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::IngestOutcome;
use uuid::Uuid;

use crate::dialect::{Col, Conn, DbList, Dialect, Read, Stmt, optional, run};
use crate::multirow::{REQUEST_COLUMNS, REQUEST_WIDTH, bind_request, insert_rows, insert_rows_returning};
use crate::records::{DeadlineRecord, RequestRecord, TaskRecord};
use crate::writes::{bind_deadline, bind_event, bind_task};

/// Stores a batch of admissions in the caller's transaction; an outcome per admission, in order.
/// A request whose (channel, reference) or tracking number is taken is not inserted (`DO
/// NOTHING` on any uniqueness conflict): a duplicate if its reference is known, else a tracking
/// collision the dispatcher resolves. Two copies of one message in a batch: the first is stored,
/// the second is a duplicate.
pub async fn ingest_batch<DB>(
    c: &mut Conn<DB>,
    batch: &[Admission],
) -> Result<Vec<IngestOutcome>, sqlx::Error>
where
    DB: Dialect + Read<Col<Uuid>> + Read<Col<String>>,
{
    let rows = batch.iter().map(|a| {
        let r = RequestRecord::from(&a.request);
        let created = r.updated_at.0;
        // A request answered on receipt was never routed: no routing stored.
        let routing = (!a.routing.candidates.is_empty()).then_some(&a.routing);
        (r, created, routing, 0)
    });
    let inserted: HashSet<Uuid> = insert_rows_returning::<DB, _>(
        c,
        REQUEST_COLUMNS,
        "ON CONFLICT DO NOTHING RETURNING id",
        REQUEST_WIDTH,
        rows.collect(),
        bind_request,
    )
    .await?
    .into_iter()
    .collect();

    let mut claimed = HashSet::new();
    let mut stored = Vec::new();
    let mut outcomes = Vec::with_capacity(batch.len());
    for a in batch {
        let id = a.request.submitted.id.as_uuid();
        // The first admission with an id that went in is that row; a second copy is not.
        if inserted.contains(&id) && claimed.insert(id) {
            stored.push(a);
            outcomes.push(IngestOutcome::Stored);
        } else {
            outcomes.push(not_inserted::<DB>(c, a).await?);
        }
    }

    insert_rows::<DB, _>(
        c,
        "INSERT INTO tasks (id, request_id, bureau, role, state, binding, dispatched_at, updated_at, scope)",
        9,
        stored.iter().flat_map(|a| &a.tasks).map(TaskRecord::from).collect(),
        |s, t| Ok(bind_task(s, t)),
    )
    .await?;
    insert_rows::<DB, _>(
        c,
        "INSERT INTO deadlines (id, request_id, task_id, kind, class, due_at, state, settled_at, stage, next_action_at)",
        10,
        stored.iter().flat_map(|a| &a.deadlines).map(DeadlineRecord::from).collect(),
        |s, d| Ok(bind_deadline(s, d)),
    )
    .await?;
    let desk: Vec<_> = stored.iter().flat_map(|a| a.desk_clocks.iter().cloned()).collect();
    crate::writes::upsert_desk_clocks::<DB>(c, &desk).await?;
    let events: Vec<_> = stored.iter().flat_map(|a| &a.events).collect();
    insert_rows::<DB, _>(
        c,
        "INSERT INTO events (id, request_id, task_id, kind, payload, occurred_at)",
        6,
        events.clone(),
        bind_event,
    )
    .await?;
    if !events.is_empty() {
        // The relay publishes them in the order they were inserted (their `seq`).
        let ids: DbList<Uuid> = events.iter().map(|e| e.id.as_uuid()).collect();
        let sql = format!("INSERT INTO outbox (seq) SELECT seq FROM events WHERE {}", DB::any_id("id", 1));
        run(c, Stmt::<DB>::assembled(sql).bind(ids)).await?;
    }
    Ok(outcomes)
}

/// Why a request did not go in: its reference is known (a duplicate, with the tracking number it
/// was stored under), or only its tracking number is taken.
async fn not_inserted<DB>(c: &mut Conn<DB>, a: &Admission) -> Result<IngestOutcome, sqlx::Error>
where
    DB: Dialect + Read<Col<String>>,
{
    let s = &a.request.submitted;
    let stmt = Stmt::<DB>::new("SELECT tracking FROM requests WHERE channel = $1 AND channel_ref = $2")
        .bind(s.channel.as_str().to_owned())
        .bind(s.channel_ref.as_str().to_owned());
    let existing: Option<Col<String>> = optional(c, stmt).await?;
    Ok(match existing.map(|(t,)| TrackingNumber::parse(&t)) {
        Some(Ok(tracking)) => IngestOutcome::Duplicate { tracking },
        // The same id under another reference cannot happen: ids come with the message.
        _ => IngestOutcome::TrackingTaken,
    })
}
