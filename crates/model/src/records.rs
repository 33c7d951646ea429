//! What a stored row that no longer parses is. The rows themselves and their conversions live in
//! the persistence layer (`jiesu_sql::records`); ports that hand rows to the domain report this.

/// A stored value that no longer parses: someone edited the database by hand, or a migration
/// went wrong. Reported as an unexpected store error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt {table} row: {message}")]
pub struct CorruptRow {
    pub table: &'static str,
    pub message: String,
}
