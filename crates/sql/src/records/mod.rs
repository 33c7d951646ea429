//! Flat records: how each table's row looks, read with `FromRow` and written field by field, and
//! the conversions to and from the domain's types (the domain keeps the types and the decisions;
//! the persistence layer keeps the rows). A stored value parses back through the domain's
//! constructors whatever the backend, and a corrupt row is an error, never a panic.

mod desk;
mod escalation;
mod exemption;
mod request;
mod rows;
mod workflow;

pub use desk::DeskClockRecord;
pub use escalation::{EscalationRecord, MeetingRecord, ProposalRecord};
pub use exemption::ExemptionRecord;
pub use jiesu_domain::records::CorruptRow;
pub use request::{RequestRecord, TaskRecord};
pub use rows::{
    AccountRow, ApiClientRow, ApiClientStateRow, CaseHead, DueRow, LoginRow, NeighbourRow, OutboxRow,
    SessionRow, SubjectRow, UserRow, login_state,
};
pub use workflow::{DeadlineRecord, DisclaimRecord, ExtensionRecord, VisitRecord};

use sqlx::types::Json;

use crate::dialect::JsonValue;

fn corrupt(table: &'static str) -> impl Fn(String) -> CorruptRow {
    move |message| CorruptRow { table, message }
}

/// A value for a JSON column. Our own types always serialize; `null` would be refused on reading.
fn to_json<T: serde::Serialize>(v: &T) -> JsonValue {
    Json(serde_json::to_value(v).unwrap_or_default())
}

fn from_json<T: serde::de::DeserializeOwned>(table: &'static str, v: JsonValue) -> Result<T, CorruptRow> {
    serde_json::from_value(v.0).map_err(|e| CorruptRow { table, message: e.to_string() })
}
