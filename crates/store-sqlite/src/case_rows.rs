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
use jiesu_sql::{corrupt, from_micros, store_error};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::rows::{request_record, task_record};

pub(crate) fn opt_micros(
    row: &SqliteRow,
    col: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, sqlx::Error> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(from_micros))
}

pub(crate) fn deadline(row: &SqliteRow) -> Result<Deadline, StoreError> {
    let rec = (|| {
        Ok::<_, sqlx::Error>(DeadlineRecord {
            id: row.try_get("id")?,
            request_id: row.try_get("request_id")?,
            task_id: row.try_get("task_id")?,
            kind: row.try_get("kind")?,
            class: row.try_get("class")?,
            due_at: from_micros(row.try_get("due_at")?),
            state: row.try_get("state")?,
            settled_at: opt_micros(row, "settled_at")?,
            stage: row.try_get("stage")?,
            next_action_at: opt_micros(row, "next_action_at")?,
        })
    })()
    .map_err(store_error)?;
    Deadline::try_from(rec).map_err(corrupt)
}

pub(crate) fn extension(row: &SqliteRow) -> Result<Extension, StoreError> {
    let rec = (|| {
        Ok::<_, sqlx::Error>(ExtensionRecord {
            id: row.try_get("id")?,
            request_id: row.try_get("request_id")?,
            task_id: row.try_get("task_id")?,
            bureau: row.try_get("bureau")?,
            days: row.try_get("days")?,
            reason: row.try_get("reason")?,
            requested_by: row.try_get("requested_by")?,
            requested_at: from_micros(row.try_get("requested_at")?),
            state: row.try_get("state")?,
            decided_by: row.try_get("decided_by")?,
            decided_at: opt_micros(row, "decided_at")?,
            decision_note: row.try_get("decision_note")?,
            new_due: opt_micros(row, "new_due")?,
        })
    })()
    .map_err(store_error)?;
    Extension::try_from(rec).map_err(corrupt)
}

pub(crate) fn disclaim(row: &SqliteRow) -> Result<Disclaim, StoreError> {
    let rec = (|| {
        Ok::<_, sqlx::Error>(DisclaimRecord {
            id: row.try_get("id")?,
            request_id: row.try_get("request_id")?,
            task_id: row.try_get("task_id")?,
            bureau: row.try_get("bureau")?,
            reason: row.try_get("reason")?,
            explanation: row.try_get("explanation")?,
            by_user: row.try_get("by_user")?,
            at: from_micros(row.try_get("at")?),
            state: row.try_get("state")?,
            decided_by: row.try_get("decided_by")?,
            decided_at: opt_micros(row, "decided_at")?,
            decision_note: row.try_get("decision_note")?,
        })
    })()
    .map_err(store_error)?;
    rec.try_into().map_err(corrupt)
}

pub(crate) fn visit(row: &SqliteRow) -> Result<ReturnVisit, StoreError> {
    let rec = (|| {
        Ok::<_, sqlx::Error>(VisitRecord {
            id: row.try_get("id")?,
            request_id: row.try_get("request_id")?,
            solved: row.try_get("solved")?,
            satisfaction: row.try_get("satisfaction")?,
            comment: row.try_get("comment")?,
            operator: row.try_get("operator")?,
            at: from_micros(row.try_get("at")?),
        })
    })()
    .map_err(store_error)?;
    rec.try_into().map_err(corrupt)
}

pub(crate) fn escalation(row: &SqliteRow) -> Result<Escalation, StoreError> {
    let rec = (|| {
        Ok::<_, sqlx::Error>(EscalationRecord {
            id: row.try_get("id")?,
            request_id: row.try_get("request_id")?,
            trigger: row.try_get("trigger")?,
            state: row.try_get("state")?,
            level: row.try_get("level")?,
            owner: row.try_get("owner")?,
            deadline_id: row.try_get("deadline_id")?,
            linked: row.try_get("linked")?,
            opened_at: from_micros(row.try_get("opened_at")?),
            updated_at: from_micros(row.try_get("updated_at")?),
        })
    })()
    .map_err(store_error)?;
    Escalation::try_from(rec).map_err(corrupt)
}

pub(crate) fn meeting(row: &SqliteRow) -> Result<Meeting, StoreError> {
    let rec = (|| {
        Ok::<_, sqlx::Error>(MeetingRecord {
            id: row.try_get("id")?,
            request_id: row.try_get("request_id")?,
            escalation_id: row.try_get("escalation_id")?,
            level: row.try_get("level")?,
            convener: row.try_get("convener")?,
            scheduled_at: from_micros(row.try_get("scheduled_at")?),
            decide_by: from_micros(row.try_get("decide_by")?),
            state: row.try_get("state")?,
            place: row.try_get("place")?,
            invitees: row.try_get("invitees")?,
            agenda: row.try_get("agenda")?,
            decision: row.try_get("decision")?,
            called_at: from_micros(row.try_get("called_at")?),
            updated_at: from_micros(row.try_get("updated_at")?),
        })
    })()
    .map_err(store_error)?;
    Meeting::try_from(rec).map_err(corrupt)
}

pub(crate) fn task(row: &SqliteRow) -> Result<Task, StoreError> {
    task_record(row).map_err(store_error).and_then(|t| Task::try_from(t).map_err(corrupt))
}

pub(crate) fn request(row: &SqliteRow) -> Result<Request, StoreError> {
    request_record(row).map_err(store_error).and_then(|r| Request::try_from(r).map_err(corrupt))
}
