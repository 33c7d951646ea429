//! Rows of the workflow tables mapped back into domain values (through the domain's records, so
//! a corrupt row is an error, never a panic).

use jiesu_domain::deadline::Deadline;
use jiesu_domain::escalation::records::{EscalationRecord, MeetingRecord};
use jiesu_domain::escalation::{Escalation, Meeting};
use jiesu_domain::ports::StoreError;
use jiesu_domain::request::Request;
use jiesu_domain::task::Task;
use jiesu_domain::workflow::records::{DeadlineRecord, DisclaimRecord, ExtensionRecord, VisitRecord};
use jiesu_domain::workflow::{Disclaim, Extension, ReturnVisit};
use jiesu_sql::{corrupt, store_error};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::rows::{request_record, task_record};

pub(crate) fn get<T>(row: &PgRow, f: impl FnOnce(&PgRow) -> Result<T, sqlx::Error>) -> Result<T, StoreError> {
    f(row).map_err(store_error)
}

pub(crate) fn deadline(row: &PgRow) -> Result<Deadline, StoreError> {
    let rec = get(row, |r| {
        Ok(DeadlineRecord {
            id: r.try_get("id")?,
            request_id: r.try_get("request_id")?,
            task_id: r.try_get("task_id")?,
            kind: r.try_get("kind")?,
            class: r.try_get("class")?,
            due_at: r.try_get("due_at")?,
            state: r.try_get("state")?,
            settled_at: r.try_get("settled_at")?,
            stage: i64::from(r.try_get::<i32, _>("stage")?),
            next_action_at: r.try_get("next_action_at")?,
        })
    })?;
    Deadline::try_from(rec).map_err(corrupt)
}

pub(crate) fn extension(row: &PgRow) -> Result<Extension, StoreError> {
    let rec = get(row, |r| {
        Ok(ExtensionRecord {
            id: r.try_get("id")?,
            request_id: r.try_get("request_id")?,
            task_id: r.try_get("task_id")?,
            bureau: r.try_get("bureau")?,
            days: r.try_get("days")?,
            reason: r.try_get("reason")?,
            requested_by: r.try_get("requested_by")?,
            requested_at: r.try_get("requested_at")?,
            state: r.try_get("state")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: r.try_get("decided_at")?,
            decision_note: r.try_get("decision_note")?,
            new_due: r.try_get("new_due")?,
        })
    })?;
    Extension::try_from(rec).map_err(corrupt)
}

pub(crate) fn disclaim(row: &PgRow) -> Result<Disclaim, StoreError> {
    let rec = get(row, |r| {
        Ok(DisclaimRecord {
            id: r.try_get("id")?,
            request_id: r.try_get("request_id")?,
            task_id: r.try_get("task_id")?,
            bureau: r.try_get("bureau")?,
            reason: r.try_get("reason")?,
            explanation: r.try_get("explanation")?,
            by_user: r.try_get("by_user")?,
            at: r.try_get("at")?,
            state: r.try_get("state")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: r.try_get("decided_at")?,
            decision_note: r.try_get("decision_note")?,
        })
    })?;
    rec.try_into().map_err(corrupt)
}

pub(crate) fn visit(row: &PgRow) -> Result<ReturnVisit, StoreError> {
    let rec = get(row, |r| {
        Ok(VisitRecord {
            id: r.try_get("id")?,
            request_id: r.try_get("request_id")?,
            solved: r.try_get("solved")?,
            satisfaction: r.try_get("satisfaction")?,
            comment: r.try_get("comment")?,
            operator: r.try_get("operator")?,
            at: r.try_get("at")?,
        })
    })?;
    rec.try_into().map_err(corrupt)
}

pub(crate) fn escalation(row: &PgRow) -> Result<Escalation, StoreError> {
    let rec = get(row, |r| {
        Ok(EscalationRecord {
            id: r.try_get("id")?,
            request_id: r.try_get("request_id")?,
            trigger: r.try_get("trigger")?,
            state: r.try_get("state")?,
            level: r.try_get("level")?,
            owner: r.try_get("owner")?,
            deadline_id: r.try_get("deadline_id")?,
            linked: r.try_get("linked")?,
            opened_at: r.try_get("opened_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    })?;
    Escalation::try_from(rec).map_err(corrupt)
}

pub(crate) fn meeting(row: &PgRow) -> Result<Meeting, StoreError> {
    let rec = get(row, |r| {
        Ok(MeetingRecord {
            id: r.try_get("id")?,
            request_id: r.try_get("request_id")?,
            escalation_id: r.try_get("escalation_id")?,
            level: r.try_get("level")?,
            convener: r.try_get("convener")?,
            scheduled_at: r.try_get("scheduled_at")?,
            decide_by: r.try_get("decide_by")?,
            state: r.try_get("state")?,
            place: r.try_get("place")?,
            invitees: r.try_get("invitees")?,
            agenda: r.try_get("agenda")?,
            decision: r.try_get("decision")?,
            called_at: r.try_get("called_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    })?;
    Meeting::try_from(rec).map_err(corrupt)
}

/// Meetings with their JSON columns as text.
pub(crate) const MEETING_COLUMNS: &str =
    "id, request_id, escalation_id, level, convener, scheduled_at, decide_by,
    state, place::text AS place, invitees::text AS invitees, agenda::text AS agenda,
    decision::text AS decision, called_at, updated_at";

pub(crate) fn task(row: &PgRow) -> Result<Task, StoreError> {
    Task::try_from(get(row, task_record)?).map_err(corrupt)
}

pub(crate) fn request(row: &PgRow) -> Result<Request, StoreError> {
    Request::try_from(get(row, request_record)?).map_err(corrupt)
}
