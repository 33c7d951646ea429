//! Writing a workflow change and the rows it carries, row by row, the same on both backends
//! (PostgreSQL batches the clocks, events and hotspot members: see `Backend`).

use jiesu_domain::deadline::Deadline;
use jiesu_domain::desk::DeskClock;
use jiesu_domain::escalation::{Escalation, EscalationId, Meeting, ProposedRule};
use jiesu_domain::event::Event;
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::Committed;
use jiesu_domain::task::Task;
use jiesu_domain::workflow::Change;
use sqlx::types::Json;

use crate::backend::Backend;
use crate::dialect::{Col, Conn, DbList, DbTime, Dialect, JsonValue, RawJson, Stmt, one, run};
use crate::records::{
    DeadlineRecord, DeskClockRecord, DisclaimRecord, EscalationRecord, ExemptionRecord, ExtensionRecord,
    MeetingRecord, ProposalRecord, TaskRecord, VisitRecord,
};
use crate::statements;

/// A value serialized once, straight to the JSON text the column keeps.
pub(crate) fn raw_json<T: serde::Serialize>(v: &T) -> Result<RawJson, sqlx::Error> {
    serde_json::value::to_raw_value(v).map(Json).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> Result<JsonValue, sqlx::Error> {
    serde_json::to_value(v).map(Json).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Writes a change if its request is still at the version the change was decided on.
pub(crate) async fn write_change<B: Backend>(
    c: &mut Conn<B::Db>,
    ch: &Change,
) -> Result<Committed, sqlx::Error> {
    let updated = run(
        c,
        Stmt::<B::Db>::new(statements::UPDATE_REQUEST)
            .bind(ch.status.as_str().to_owned())
            .bind(ch.area.as_ref().map(|a| a.as_str().to_owned()))
            .bind(json(&ch.routing)?)
            .bind(DbTime(ch.updated_at))
            .bind(ch.request_id.as_uuid())
            .bind(ch.expected_version)
            .bind(ch.category.as_ref().map(|c| c.as_str().to_owned())),
    )
    .await?;
    if updated == 0 {
        return Ok(Committed::Stale);
    }
    upsert_tasks::<B::Db>(c, &ch.tasks).await?;
    B::upsert_deadlines(c, &ch.deadlines).await?;
    upsert_desk_clocks::<B::Db>(c, &ch.desk_clocks).await?;
    for d in ch.disclaims.iter().map(DisclaimRecord::from) {
        run(c, bind_disclaim(Stmt::<B::Db>::new(statements::UPSERT_DISCLAIM), d)).await?;
    }
    for e in ch.extensions.iter().map(ExtensionRecord::from) {
        run(c, bind_extension(Stmt::<B::Db>::new(statements::UPSERT_EXTENSION), e)).await?;
    }
    for v in ch.visits.iter().map(VisitRecord::from) {
        run(c, bind_visit(Stmt::<B::Db>::new(statements::INSERT_VISIT), v)).await?;
    }
    // After the visits: an appeal names a visit, possibly one of this change.
    for e in ch.exemptions.iter().map(ExemptionRecord::from) {
        run(c, bind_exemption(Stmt::<B::Db>::new(statements::UPSERT_EXEMPTION), e)).await?;
    }
    upsert_escalations::<B::Db>(c, &ch.escalations).await?;
    upsert_meetings::<B::Db>(c, &ch.meetings).await?;
    // A meeting's proposed rule, written with its decision.
    for p in &ch.proposals {
        insert_proposal::<B::Db>(c, p).await?;
    }
    B::insert_members(c, &ch.hotspot_members).await?;
    B::insert_events(c, &ch.events).await?;
    Ok(Committed::Yes)
}

/// A task's columns, in the order `UPSERT_TASK` and the history's insert name them.
pub(crate) fn bind_task<DB: Dialect>(s: Stmt<DB>, t: TaskRecord) -> Stmt<DB> {
    s.bind(t.id)
        .bind(t.request_id)
        .bind(t.bureau)
        .bind(t.role)
        .bind(t.state)
        .bind(t.binding)
        .bind(t.dispatched_at)
        .bind(t.updated_at)
        .bind(t.scope)
}

/// A clock's columns, in the order `UPSERT_DEADLINE` and the history's insert name them.
pub(crate) fn bind_deadline<DB: Dialect>(s: Stmt<DB>, d: DeadlineRecord) -> Stmt<DB> {
    s.bind(d.id)
        .bind(d.request_id)
        .bind(d.task_id)
        .bind(d.kind)
        .bind(d.class)
        .bind(d.due_at)
        .bind(d.state)
        .bind(d.settled_at)
        .bind(d.stage)
        .bind(d.next_action_at)
}

/// An event's columns, in the order the multi-row inserts name them (id, request_id, task_id,
/// kind, payload, occurred_at).
pub(crate) fn bind_event<DB: Dialect>(s: Stmt<DB>, e: &Event) -> Result<Stmt<DB>, sqlx::Error> {
    Ok(s.bind(e.id.as_uuid())
        .bind(e.request_id.as_uuid())
        .bind(e.task_id.map(|t| t.as_uuid()))
        .bind(e.kind.name().to_owned())
        .bind(raw_json(e)?)
        .bind(DbTime(e.occurred_at)))
}

/// A disclaim's columns, in the order `UPSERT_DISCLAIM` and the history's insert name them.
pub(crate) fn bind_disclaim<DB: Dialect>(s: Stmt<DB>, d: DisclaimRecord) -> Stmt<DB> {
    s.bind(d.id)
        .bind(d.request_id)
        .bind(d.task_id)
        .bind(d.bureau)
        .bind(d.reason)
        .bind(d.explanation)
        .bind(d.by_user)
        .bind(d.at)
        .bind(d.state)
        .bind(d.decided_by)
        .bind(d.decided_at)
        .bind(d.decision_note)
}

/// An extension's columns, in the order `UPSERT_EXTENSION` and the history's insert name them.
pub(crate) fn bind_extension<DB: Dialect>(s: Stmt<DB>, e: ExtensionRecord) -> Stmt<DB> {
    s.bind(e.id)
        .bind(e.request_id)
        .bind(e.task_id)
        .bind(e.bureau)
        .bind(e.days)
        .bind(e.reason)
        .bind(e.requested_by)
        .bind(e.requested_at)
        .bind(e.state)
        .bind(e.decided_by)
        .bind(e.decided_at)
        .bind(e.decision_note)
        .bind(e.new_due)
}

/// An exemption's columns, in the order `UPSERT_EXEMPTION` names them.
pub(crate) fn bind_exemption<DB: Dialect>(s: Stmt<DB>, e: ExemptionRecord) -> Stmt<DB> {
    s.bind(e.id)
        .bind(e.request_id)
        .bind(e.task_id)
        .bind(e.bureau)
        .bind(e.kind)
        .bind(e.visit_id)
        .bind(e.reason)
        .bind(e.photos)
        .bind(e.requested_by)
        .bind(e.requested_at)
        .bind(e.state)
        .bind(e.decided_by)
        .bind(e.decided_at)
        .bind(e.decision_note)
}

/// A return visit's columns, in the order `INSERT_VISIT` and the history's insert name them.
pub(crate) fn bind_visit<DB: Dialect>(s: Stmt<DB>, v: VisitRecord) -> Stmt<DB> {
    s.bind(v.id)
        .bind(v.request_id)
        .bind(v.solved)
        .bind(v.satisfaction)
        .bind(v.comment)
        .bind(v.operator)
        .bind(v.at)
        .bind(v.stars)
}

/// New escalations, or known ones moved.
pub async fn upsert_escalations<DB: Dialect>(
    c: &mut Conn<DB>,
    escalations: &[Escalation],
) -> Result<(), sqlx::Error> {
    for e in escalations.iter().map(EscalationRecord::from) {
        let s = Stmt::<DB>::new(statements::UPSERT_ESCALATION)
            .bind(e.id)
            .bind(e.request_id)
            .bind(e.trigger)
            .bind(e.state)
            .bind(e.level)
            .bind(e.owner)
            .bind(e.deadline_id)
            .bind(e.opened_at)
            .bind(e.updated_at);
        run(c, s).await?;
    }
    Ok(())
}

/// New meetings, or known ones moved or decided.
pub async fn upsert_meetings<DB: Dialect>(c: &mut Conn<DB>, meetings: &[Meeting]) -> Result<(), sqlx::Error> {
    for m in meetings.iter().map(MeetingRecord::from) {
        let s = Stmt::<DB>::new(statements::UPSERT_MEETING)
            .bind(m.id)
            .bind(m.request_id)
            .bind(m.escalation_id)
            .bind(m.level)
            .bind(m.convener)
            .bind(m.scheduled_at)
            .bind(m.decide_by)
            .bind(m.state)
            .bind(m.place)
            .bind(m.invitees)
            .bind(m.agenda)
            .bind(m.decision)
            .bind(m.called_at)
            .bind(m.updated_at);
        run(c, s).await?;
    }
    Ok(())
}

/// New tasks, or a known one's state.
pub async fn upsert_tasks<DB: Dialect>(c: &mut Conn<DB>, tasks: &[Task]) -> Result<(), sqlx::Error> {
    for t in tasks.iter().map(TaskRecord::from) {
        run(c, bind_task(Stmt::<DB>::new(statements::UPSERT_TASK), t)).await?;
    }
    Ok(())
}

pub async fn upsert_deadlines<DB: Dialect>(
    c: &mut Conn<DB>,
    deadlines: &[Deadline],
) -> Result<(), sqlx::Error> {
    for d in deadlines.iter().map(DeadlineRecord::from) {
        run(c, bind_deadline(Stmt::<DB>::new(statements::UPSERT_DEADLINE), d)).await?;
    }
    Ok(())
}

/// New desk clocks, or known ones settled or moved. Few per change and rare at intake (a request
/// no rule could place), so row by row on both backends.
pub async fn upsert_desk_clocks<DB: Dialect>(
    c: &mut Conn<DB>,
    clocks: &[DeskClock],
) -> Result<(), sqlx::Error> {
    for k in clocks.iter().map(DeskClockRecord::from) {
        run(c, bind_desk_clock(Stmt::<DB>::new(statements::UPSERT_DESK_CLOCK), k)).await?;
    }
    Ok(())
}

/// A desk clock's columns, in the order `UPSERT_DESK_CLOCK` and the history's insert name them.
pub(crate) fn bind_desk_clock<DB: Dialect>(s: Stmt<DB>, k: DeskClockRecord) -> Stmt<DB> {
    s.bind(k.id)
        .bind(k.request_id)
        .bind(k.kind)
        .bind(k.task_id)
        .bind(k.started_at)
        .bind(k.due_at)
        .bind(k.state)
        .bind(k.settled_at)
        .bind(k.stage)
        .bind(k.next_action_at)
}

/// Events are stored whole, as JSON, with the columns the reads select on; each is queued in the
/// outbox in the same transaction (one more statement for them all).
pub async fn insert_events<DB: Dialect>(c: &mut Conn<DB>, events: &[Event]) -> Result<(), sqlx::Error> {
    let mut seqs = Vec::with_capacity(events.len());
    for e in events {
        let s = Stmt::<DB>::new(
            "INSERT INTO events (id, request_id, task_id, kind, payload, occurred_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
        )
        .bind(e.id.as_uuid())
        .bind(e.request_id.as_uuid())
        .bind(e.task_id.map(|t| t.as_uuid()))
        .bind(e.kind.name().to_owned())
        .bind(raw_json(e)?)
        .bind(DbTime(e.occurred_at));
        let (seq,): Col<i64> = one(c, s).await?;
        seqs.push(seq);
    }
    if seqs.is_empty() {
        return Ok(());
    }
    let sql = format!("INSERT INTO outbox (seq) SELECT seq FROM events WHERE {}", DB::any("seq", 1));
    run(c, Stmt::<DB>::assembled(sql).bind(DbList(seqs))).await?;
    Ok(())
}

/// Inserted after the change's escalations (the rows they point to). No `ON CONFLICT`: a request
/// already in a hotspot refuses the whole change (a unique violation, `StoreError::Conflict`), so
/// no hotspot links a request another one holds.
pub async fn insert_members<DB: Dialect>(
    c: &mut Conn<DB>,
    members: &[(RequestId, EscalationId)],
) -> Result<(), sqlx::Error> {
    for (request, escalation) in members {
        let s = Stmt::<DB>::new("INSERT INTO hotspot_members (request_id, escalation_id) VALUES ($1, $2)")
            .bind(request.as_uuid())
            .bind(escalation.as_uuid());
        run(c, s).await?;
    }
    Ok(())
}

/// Stores a meeting's proposal inside the caller's transaction (the meeting's decision commits
/// it with the request's workflow change). Answers whether it was stored: `false` when the
/// meeting's proposal already was.
pub async fn insert_proposal<DB: Dialect>(c: &mut Conn<DB>, p: &ProposedRule) -> Result<bool, sqlx::Error> {
    let r = ProposalRecord::from(p);
    let s = Stmt::<DB>::new(statements::INSERT_PROPOSAL)
        .bind(r.id)
        .bind(r.request_id)
        .bind(r.meeting_id)
        .bind(r.categories)
        .bind(r.areas)
        .bind(r.lead)
        .bind(r.assists)
        .bind(r.note)
        .bind(r.state)
        .bind(r.proposed_at)
        .bind(r.decided_by)
        .bind(r.decided_at)
        .bind(r.decision_note);
    Ok(run(c, s).await? == 1)
}
