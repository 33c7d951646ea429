//! Storing a batch of admissions with a handful of statements, whatever the batch size: one
//! multi-row insert per table (`INSERT ... SELECT FROM UNNEST($1, $2, ...)`). Per-row statements
//! cost a network round trip each, which capped a dispatcher near 600 requests a second. A
//! workflow change's clocks, events and hotspot members go the same way.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::deadline::Deadline;
use jiesu_domain::escalation::EscalationId;
use jiesu_domain::event::Event;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::IngestOutcome;
use jiesu_sql::records::{DeadlineRecord, RequestRecord, TaskRecord};
use sqlx::PgConnection;
use uuid::Uuid;

/// Column arrays for the requests of a batch.
#[derive(Default)]
struct RequestColumns {
    id: Vec<Uuid>,
    tracking: Vec<String>,
    channel: Vec<String>,
    channel_ref: Vec<String>,
    kind: Vec<String>,
    category: Vec<Option<String>>,
    description: Vec<String>,
    lat: Vec<Option<f64>>,
    lon: Vec<Option<f64>>,
    address: Vec<Option<String>>,
    contact_name: Vec<Option<String>>,
    contact_phone: Vec<Option<String>>,
    contact_email: Vec<Option<String>>,
    contact_openid: Vec<Option<String>>,
    contact_confidential: Vec<bool>,
    title: Vec<Option<String>>,
    urgency: Vec<String>,
    category_text: Vec<Option<String>>,
    area_hint: Vec<Option<String>>,
    answer: Vec<Option<String>>,
    operator: Vec<Option<String>>,
    attributes: Vec<String>,
    media: Vec<String>,
    area: Vec<Option<String>>,
    status: Vec<String>,
    received_at: Vec<DateTime<Utc>>,
    updated_at: Vec<DateTime<Utc>>,
    routing: Vec<Option<String>>,
}

impl RequestColumns {
    fn push(&mut self, r: RequestRecord) {
        self.id.push(r.id);
        self.tracking.push(r.tracking);
        self.channel.push(r.channel);
        self.channel_ref.push(r.channel_ref);
        self.kind.push(r.kind);
        self.category.push(r.category);
        self.description.push(r.description);
        self.lat.push(r.lat);
        self.lon.push(r.lon);
        self.address.push(r.address);
        self.contact_name.push(r.contact_name);
        self.contact_phone.push(r.contact_phone);
        self.contact_email.push(r.contact_email);
        self.contact_openid.push(r.contact_openid);
        self.contact_confidential.push(r.contact_confidential);
        self.title.push(r.title);
        self.urgency.push(r.urgency);
        self.category_text.push(r.category_text);
        self.area_hint.push(r.area_hint);
        self.answer.push(r.answer);
        self.operator.push(r.operator);
        self.attributes.push(r.attributes.0.to_string());
        self.media.push(r.media.0.to_string());
        self.area.push(r.area);
        self.status.push(r.status);
        self.received_at.push(r.received_at.0);
        self.updated_at.push(r.updated_at.0);
    }
}

pub(crate) async fn ingest(
    tx: &mut PgConnection,
    batch: &[Admission],
) -> Result<Vec<IngestOutcome>, sqlx::Error> {
    let mut outcomes: Vec<Option<IngestOutcome>> = vec![None; batch.len()];

    // A repeat inside the batch (a message delivered twice) is settled here, against its first
    // occurrence, so the database sees each channel reference once.
    let mut first: HashMap<(&str, &str), usize> = HashMap::new();
    let mut candidates = Vec::new();
    for (i, a) in batch.iter().enumerate() {
        let s = &a.request.submitted;
        match first.get(&(s.channel.as_str(), s.channel_ref.as_str())) {
            Some(&j) => {
                outcomes[i] =
                    Some(IngestOutcome::Duplicate { tracking: batch[j].request.submitted.tracking.clone() })
            }
            None => {
                first.insert((s.channel.as_str(), s.channel_ref.as_str()), i);
                candidates.push(i);
            }
        }
    }

    let mut cols = RequestColumns::default();
    for &i in &candidates {
        cols.push(RequestRecord::from(&batch[i].request));
        let routing =
            serde_json::to_string(&batch[i].routing).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        cols.routing.push(Some(routing));
    }
    // DO NOTHING on any uniqueness conflict: a known (channel, channel_ref) is a duplicate; a known
    // tracking number under another reference is a collision the dispatcher resolves.
    let inserted: HashSet<Uuid> = sqlx::query_scalar(
        "INSERT INTO requests (id, tracking, channel, channel_ref, kind, category, description, lat, lon, address,
            contact_name, contact_phone, contact_email, contact_openid, attributes, media, area, status,
            received_at, created_at, updated_at, contact_confidential, title, urgency, category_text, area_hint,
            answer, operator, routing)
         SELECT id, tracking, channel, channel_ref, kind, category, description, lat, lon, address,
            contact_name, contact_phone, contact_email, contact_openid, attributes::jsonb, media::jsonb, area, status,
            received_at, updated_at, updated_at, contact_confidential, title, urgency, category_text, area_hint,
            answer, operator, routing::jsonb
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::float8[], $9::float8[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
            $15::text[], $16::text[], $17::text[], $18::text[], $19::timestamptz[], $20::timestamptz[],
            $21::bool[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[],
            $28::text[])
            AS r(id, tracking, channel, channel_ref, kind, category, description, lat, lon, address,
            contact_name, contact_phone, contact_email, contact_openid, attributes, media, area, status,
            received_at, updated_at, contact_confidential, title, urgency, category_text, area_hint, answer,
            operator, routing)
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(&cols.id)
    .bind(&cols.tracking)
    .bind(&cols.channel)
    .bind(&cols.channel_ref)
    .bind(&cols.kind)
    .bind(&cols.category)
    .bind(&cols.description)
    .bind(&cols.lat)
    .bind(&cols.lon)
    .bind(&cols.address)
    .bind(&cols.contact_name)
    .bind(&cols.contact_phone)
    .bind(&cols.contact_email)
    .bind(&cols.contact_openid)
    .bind(&cols.attributes)
    .bind(&cols.media)
    .bind(&cols.area)
    .bind(&cols.status)
    .bind(&cols.received_at)
    .bind(&cols.updated_at)
    .bind(&cols.contact_confidential)
    .bind(&cols.title)
    .bind(&cols.urgency)
    .bind(&cols.category_text)
    .bind(&cols.area_hint)
    .bind(&cols.answer)
    .bind(&cols.operator)
    .bind(&cols.routing)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();

    let (stored, refused): (Vec<usize>, Vec<usize>) =
        candidates.into_iter().partition(|&i| inserted.contains(&batch[i].request.submitted.id.as_uuid()));
    settle_refused(tx, batch, &refused, &mut outcomes).await?;
    insert_tasks(tx, stored.iter().flat_map(|&i| &batch[i].tasks).map(TaskRecord::from).collect()).await?;
    let deadlines: Vec<_> = stored.iter().flat_map(|&i| &batch[i].deadlines).cloned().collect();
    upsert_deadlines(tx, &deadlines).await?;
    let desk: Vec<_> = stored.iter().flat_map(|&i| &batch[i].desk_clocks).cloned().collect();
    jiesu_sql::writes::upsert_desk_clocks::<sqlx::Postgres>(tx, &desk).await?;
    let events: Vec<_> = stored.iter().flat_map(|&i| &batch[i].events).cloned().collect();
    insert_events(tx, &events).await?;
    for i in stored {
        outcomes[i] = Some(IngestOutcome::Stored);
    }
    Ok(outcomes.into_iter().map(|o| o.unwrap_or(IngestOutcome::TrackingTaken)).collect())
}

/// A request not inserted is a duplicate if its reference is stored; otherwise its tracking number
/// was taken.
async fn settle_refused(
    tx: &mut PgConnection,
    batch: &[Admission],
    refused: &[usize],
    outcomes: &mut [Option<IngestOutcome>],
) -> Result<(), sqlx::Error> {
    if refused.is_empty() {
        return Ok(());
    }
    let (channels, refs): (Vec<&str>, Vec<&str>) = refused
        .iter()
        .map(|&i| {
            (batch[i].request.submitted.channel.as_str(), batch[i].request.submitted.channel_ref.as_str())
        })
        .unzip();
    let known: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT channel, channel_ref, tracking FROM requests
         WHERE (channel, channel_ref) IN (SELECT * FROM UNNEST($1::text[], $2::text[]))",
    )
    .bind(&channels)
    .bind(&refs)
    .fetch_all(&mut *tx)
    .await?;
    let known: HashMap<(&str, &str), &str> =
        known.iter().map(|(c, r, t)| ((c.as_str(), r.as_str()), t.as_str())).collect();
    for &i in refused {
        let s = &batch[i].request.submitted;
        outcomes[i] = Some(
            match known.get(&(s.channel.as_str(), s.channel_ref.as_str())).map(|t| TrackingNumber::parse(t)) {
                Some(Ok(tracking)) => IngestOutcome::Duplicate { tracking },
                _ => IngestOutcome::TrackingTaken,
            },
        );
    }
    Ok(())
}

async fn insert_tasks(tx: &mut PgConnection, tasks: Vec<TaskRecord>) -> Result<(), sqlx::Error> {
    if tasks.is_empty() {
        return Ok(());
    }
    let mut id = Vec::new();
    let mut request_id = Vec::new();
    let mut bureau = Vec::new();
    let mut role = Vec::new();
    let mut state = Vec::new();
    let mut binding = Vec::new();
    let mut dispatched_at = Vec::new();
    let mut updated_at = Vec::new();
    for t in tasks {
        id.push(t.id);
        request_id.push(t.request_id);
        bureau.push(t.bureau);
        role.push(t.role);
        state.push(t.state);
        binding.push(t.binding);
        dispatched_at.push(t.dispatched_at.0);
        updated_at.push(t.updated_at.0);
    }
    sqlx::query(
        "INSERT INTO tasks (id, request_id, bureau, role, state, binding, dispatched_at, updated_at)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bool[],
            $7::timestamptz[], $8::timestamptz[])",
    )
    .bind(&id)
    .bind(&request_id)
    .bind(&bureau)
    .bind(&role)
    .bind(&state)
    .bind(&binding)
    .bind(&dispatched_at)
    .bind(&updated_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub(crate) async fn insert_events(tx: &mut PgConnection, events: &[Event]) -> Result<(), sqlx::Error> {
    let mut id = Vec::new();
    let mut request_id = Vec::new();
    let mut task_id = Vec::new();
    let mut kind = Vec::new();
    let mut payload = Vec::new();
    let mut occurred_at = Vec::new();
    for e in events {
        id.push(e.id.as_uuid());
        request_id.push(e.request_id.as_uuid());
        task_id.push(e.task_id.map(|t| t.as_uuid()));
        kind.push(e.kind.name());
        payload.push(serde_json::to_string(e).map_err(|err| sqlx::Error::Encode(Box::new(err)))?);
        occurred_at.push(e.occurred_at);
    }
    if id.is_empty() {
        return Ok(());
    }
    // WITH ORDINALITY and ORDER BY: sequence numbers follow the order the events happened in.
    // Each event is queued in the outbox by the same statement.
    sqlx::query(
        "WITH appended AS (
            INSERT INTO events (id, request_id, task_id, kind, payload, occurred_at)
            SELECT id, request_id, task_id, kind, payload::jsonb, occurred_at
            FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[])
               WITH ORDINALITY AS e(id, request_id, task_id, kind, payload, occurred_at, n)
            ORDER BY n
            RETURNING seq)
         INSERT INTO outbox (seq) SELECT seq FROM appended",
    )
    .bind(&id)
    .bind(&request_id)
    .bind(&task_id)
    .bind(&kind)
    .bind(&payload)
    .bind(&occurred_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Inserts new clocks, or updates known ones (moved, settled, re-armed), in one statement.
pub(crate) async fn upsert_deadlines(
    tx: &mut PgConnection,
    deadlines: &[Deadline],
) -> Result<(), sqlx::Error> {
    if deadlines.is_empty() {
        return Ok(());
    }
    let recs: Vec<DeadlineRecord> = deadlines.iter().map(DeadlineRecord::from).collect();
    let col = |f: fn(&DeadlineRecord) -> Uuid| recs.iter().map(f).collect::<Vec<_>>();
    let text = |f: fn(&DeadlineRecord) -> String| recs.iter().map(f).collect::<Vec<_>>();
    let time = |f: fn(&DeadlineRecord) -> Option<DateTime<Utc>>| recs.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO deadlines (id, request_id, task_id, kind, class, due_at, state, settled_at, stage, next_action_at)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[],
            $7::text[], $8::timestamptz[], $9::int[], $10::timestamptz[])
         ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, state = excluded.state,
             settled_at = excluded.settled_at, stage = excluded.stage, next_action_at = excluded.next_action_at",
    )
    .bind(col(|d| d.id))
    .bind(col(|d| d.request_id))
    .bind(col(|d| d.task_id))
    .bind(text(|d| d.kind.clone()))
    .bind(text(|d| d.class.clone()))
    .bind(recs.iter().map(|d| d.due_at.0).collect::<Vec<_>>())
    .bind(text(|d| d.state.clone()))
    .bind(time(|d| d.settled_at.map(|t| t.0)))
    .bind(recs.iter().map(|d| d.stage).collect::<Vec<_>>())
    .bind(time(|d| d.next_action_at.map(|t| t.0)))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A hotspot's members, in one statement. No `ON CONFLICT`: a request already in a hotspot
/// refuses the whole change (a unique violation, `StoreError::Conflict`).
pub(crate) async fn insert_members(
    tx: &mut PgConnection,
    members: &[(RequestId, EscalationId)],
) -> Result<(), sqlx::Error> {
    if members.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO hotspot_members (request_id, escalation_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[])",
    )
    .bind(members.iter().map(|(r, _)| r.as_uuid()).collect::<Vec<_>>())
    .bind(members.iter().map(|(_, e)| e.as_uuid()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    Ok(())
}
