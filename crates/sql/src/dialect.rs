//! SQL written once for both backends: functions generic over `sqlx::Database`, with the
//! differences kept to a few value types and fragments.
//!
//! - `DbTime`: INTEGER microseconds since the epoch on SQLite, `timestamptz` on PostgreSQL (the
//!   schemas stay as they are).
//! - `DbList`: a list parameter; JSON text searched with `json_each` on SQLite, an array searched
//!   with `= ANY($n)` on PostgreSQL. `Dialect::any` writes the matching fragment.
//! - `Dialect::contains_text`: a case-insensitive substring, `instr` on SQLite, `strpos` on
//!   PostgreSQL (neither reads wildcards in the text, as `LIKE` would).
//! - JSON columns are `sqlx::types::Json` on both (TEXT on SQLite, jsonb on PostgreSQL).
//!
//! Generic code needs every value it binds and every row it reads to be known to the driver.
//! Rust does not carry `where` clauses on other types along with a trait, but it does carry a
//! trait's supertraits: `Bind<T>` and `Read<O>` are such supertraits of `Dialect`, one per value
//! and row type, so a generic function only says `DB: Dialect`.

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::types::Json;
use sqlx::{
    Arguments, AssertSqlSafe, Database, Decode, Encode, Executor, FromRow, IntoArguments, Postgres,
    SqlSafeStr, SqlStr, Sqlite, Type,
};
use uuid::Uuid;

/// A point in time as a column holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DbTime(pub DateTime<Utc>);

impl From<DateTime<Utc>> for DbTime {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t)
    }
}

impl Type<Sqlite> for DbTime {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for DbTime {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.0.timestamp_micros(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for DbTime {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let us = <i64 as Decode<Sqlite>>::decode(value)?;
        DateTime::from_timestamp_micros(us).map(Self).ok_or_else(|| format!("time out of range: {us}").into())
    }
}

impl Type<Postgres> for DbTime {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for DbTime {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for DbTime {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <DateTime<Utc> as Decode<Postgres>>::decode(value).map(Self)
    }
}

/// A list bound as one parameter (see `Dialect::any`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbList<T>(pub Vec<T>);

impl<T> FromIterator<T> for DbList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<T> Type<Sqlite> for DbList<T> {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl<T: serde::Serialize> Encode<'_, Sqlite> for DbList<T> {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(serde_json::to_string(&self.0)?, buf)
    }
}

impl<T> Type<Postgres> for DbList<T>
where
    Vec<T>: Type<Postgres>,
{
    fn type_info() -> PgTypeInfo {
        <Vec<T> as Type<Postgres>>::type_info()
    }
}

impl<'q, T> Encode<'q, Postgres> for DbList<T>
where
    Vec<T>: Encode<'q, Postgres>,
{
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        self.0.encode_by_ref(buf)
    }
}

/// A JSON column's value, read and written whole.
pub type JsonValue = Json<serde_json::Value>;

/// JSON kept as text: written and read without building a `serde_json::Value` tree in between
/// (events, the hottest JSON: every request writes several, and the relay reads each back).
pub type RawJson = Json<Box<serde_json::value::RawValue>>;

/// A statement and its arguments, built with `bind` like sqlx's own queries.
pub struct Stmt<DB: Database> {
    sql: SqlStr,
    args: DB::Arguments,
    error: Option<BoxDynError>,
}

impl<DB: Database> Stmt<DB> {
    pub fn new(sql: &'static str) -> Self {
        Self { sql: sql.into_sql_str(), args: Default::default(), error: None }
    }

    /// A statement assembled from this crate's constants and `Dialect` fragments, never from input.
    pub fn assembled(sql: String) -> Self {
        Self { sql: AssertSqlSafe(sql).into_sql_str(), args: Default::default(), error: None }
    }

    pub fn bind<T>(mut self, value: T) -> Self
    where
        DB: Bind<T>,
    {
        if let Err(e) = DB::push(&mut self.args, value)
            && self.error.is_none()
        {
            self.error = Some(e);
        }
        self
    }

    /// The statement's text (for tests of how statements are assembled).
    pub fn sql(&self) -> &str {
        self.sql.as_str()
    }

    /// The statement and its arguments, or the first value that would not encode.
    fn parts(self) -> Result<(SqlStr, DB::Arguments), sqlx::Error> {
        match self.error {
            Some(e) => Err(sqlx::Error::Encode(e)),
            None => Ok((self.sql, self.args)),
        }
    }
}

impl<DB: Database> std::fmt::Debug for Stmt<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stmt").field("sql", &self.sql.as_str()).finish_non_exhaustive()
    }
}

/// The driver can bind a `T`.
pub trait Bind<T>: Database {
    fn push(args: &mut Self::Arguments, value: T) -> Result<(), BoxDynError>;
}

impl<DB: Database, T> Bind<T> for DB
where
    T: for<'q> Encode<'q, DB> + Type<DB>,
{
    fn push(args: &mut Self::Arguments, value: T) -> Result<(), BoxDynError> {
        args.add(value)
    }
}

/// The driver can run statements on one of its connections.
pub trait Exec: Database {
    /// Runs a statement and answers how many rows it changed.
    fn run(c: &mut Self::Connection, s: Stmt<Self>) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
}

/// The driver can read an `O` from a row.
pub trait Read<O>: Database {
    fn all(
        c: &mut Self::Connection,
        s: Stmt<Self>,
    ) -> impl Future<Output = Result<Vec<O>, sqlx::Error>> + Send;
    fn optional(
        c: &mut Self::Connection,
        s: Stmt<Self>,
    ) -> impl Future<Output = Result<Option<O>, sqlx::Error>> + Send;
}

impl<DB, O> Read<O> for DB
where
    DB: Database<Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    O: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    fn all(
        c: &mut Self::Connection,
        s: Stmt<Self>,
    ) -> impl Future<Output = Result<Vec<O>, sqlx::Error>> + Send {
        let q = s.parts().map(|(sql, args)| sqlx::query_as_with::<DB, O, _>(sql, args));
        async move { q?.fetch_all(c).await }
    }

    fn optional(
        c: &mut Self::Connection,
        s: Stmt<Self>,
    ) -> impl Future<Output = Result<Option<O>, sqlx::Error>> + Send {
        let q = s.parts().map(|(sql, args)| sqlx::query_as_with::<DB, O, _>(sql, args));
        async move { q?.fetch_optional(c).await }
    }
}

/// Every row of a statement.
pub async fn all<DB: Read<O>, O>(c: &mut DB::Connection, s: Stmt<DB>) -> Result<Vec<O>, sqlx::Error> {
    DB::all(c, s).await
}

/// The first row of a statement, if any.
pub async fn optional<DB: Read<O>, O>(c: &mut DB::Connection, s: Stmt<DB>) -> Result<Option<O>, sqlx::Error> {
    DB::optional(c, s).await
}

/// The one row a statement always answers (an aggregate, a `RETURNING` of an upsert).
pub async fn one<DB: Read<O>, O>(c: &mut DB::Connection, s: Stmt<DB>) -> Result<O, sqlx::Error> {
    DB::optional(c, s).await?.ok_or(sqlx::Error::RowNotFound)
}

/// Runs a statement; answers how many rows it changed.
pub async fn run<DB: Exec>(c: &mut DB::Connection, s: Stmt<DB>) -> Result<u64, sqlx::Error> {
    DB::run(c, s).await
}

/// A single-column row.
pub type Col<T> = (T,);

/// What differs between the backends in statements written once, and every value and row type
/// the shared statements bind and read (see the module's note).
pub trait Dialect:
    Database<Arguments: IntoArguments<Self>>
    + Exec
    + Bind<Uuid>
    + Bind<Option<Uuid>>
    + Bind<String>
    + Bind<Option<String>>
    + Bind<i64>
    + Bind<i32>
    + Bind<Option<i16>>
    + Bind<bool>
    + Bind<Option<bool>>
    + Bind<f64>
    + Bind<Option<f64>>
    + Bind<DbTime>
    + Bind<Option<DbTime>>
    + Bind<Vec<u8>>
    + Bind<JsonValue>
    + Bind<RawJson>
    + Bind<Option<JsonValue>>
    + Bind<DbList<String>>
    + Bind<DbList<Uuid>>
    + Bind<DbList<i64>>
    + Read<crate::records::RequestRecord>
    + Read<crate::records::TaskRecord>
    + Read<crate::records::CaseHead>
    + Read<crate::records::DeadlineRecord>
    + Read<crate::records::DeskClockRecord>
    + Read<crate::records::DisclaimRecord>
    + Read<crate::records::ExtensionRecord>
    + Read<crate::records::ExemptionRecord>
    + Read<crate::notifications::NotificationRow>
    + Read<crate::notifications::UndeliveredRow>
    + Read<crate::tokens::TokenRow>
    + Read<crate::photos::PhotoRow>
    + Read<crate::webhooks::WebhookRow>
    + Read<crate::answers::QuestionRow>
    + Read<crate::answers::AnswerRow>
    + Read<crate::staff_prefs::PrefsRow>
    + Read<crate::staff_prefs::StaffPrefsRow>
    + Read<crate::records::VisitRecord>
    + Read<crate::records::EscalationRecord>
    + Read<crate::records::MeetingRecord>
    + Read<crate::records::ProposalRecord>
    + Read<crate::records::UserRow>
    + Read<crate::records::LoginRow>
    + Read<crate::records::NeighbourRow>
    + Read<crate::records::SubjectRow>
    + Read<crate::records::SessionRow>
    + Read<crate::records::ApiClientRow>
    + Read<crate::records::ApiClientStateRow>
    + Read<crate::records::AccountRow>
    + Read<crate::audit::AuditRow>
    + Read<crate::calendar_days::CalendarDayRow>
    + Read<crate::records::OutboxRow>
    + Read<crate::records::DueRow>
    + Read<crate::stats::TallyRow>
    + Read<crate::escalations::EscalationCount>
    + Read<crate::stats::TotalsRow>
    + Read<(i64, Option<DbTime>)>
    + Read<(Uuid, Uuid)>
    + Read<(i32, Option<DbTime>)>
    + Read<Col<Uuid>>
    + Read<Col<String>>
    + Read<Col<Option<String>>>
    + Read<Col<i32>>
    + Read<Col<i64>>
    + Read<Col<JsonValue>>
    + Read<Col<RawJson>>
{
    /// Appended to a `SELECT` that picks rows to lease or decide on: PostgreSQL locks them (and
    /// skips rows another worker holds); SQLite's single writer already holds the database.
    const SKIP_LOCKED: &'static str;
    const FOR_UPDATE: &'static str;
    /// Bound values one multi-row statement should carry at most.
    const BIND_LIMIT: usize;

    /// `column` is one of the values of list parameter `$n`.
    fn any(column: &str, n: u8) -> String;
    /// `column` (a UUID) is one of the ids of list parameter `$n`.
    fn any_id(column: &str, n: u8) -> String;
    /// List parameter `$n` is empty.
    fn none(n: u8) -> String;
    /// Text parameter `$n` is in `haystack`, ignoring case, every character taken as itself
    /// (no `LIKE` wildcards).
    fn contains_text(haystack: &str, n: u8) -> String;
}

impl<DB> Exec for DB
where
    DB: Database<Arguments: IntoArguments<DB>> + RowsAffected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    fn run(c: &mut Self::Connection, s: Stmt<Self>) -> impl Future<Output = Result<u64, sqlx::Error>> + Send {
        let q = s.parts().map(|(sql, args)| sqlx::query_with::<DB, _>(sql, args));
        async move { q?.execute(c).await.map(|r| DB::rows_affected(&r)) }
    }
}

/// `QueryResult` has no common trait for its row count.
pub trait RowsAffected: Database {
    fn rows_affected(r: &Self::QueryResult) -> u64;
}

impl RowsAffected for Sqlite {
    fn rows_affected(r: &Self::QueryResult) -> u64 {
        r.rows_affected()
    }
}

impl RowsAffected for Postgres {
    fn rows_affected(r: &Self::QueryResult) -> u64 {
        r.rows_affected()
    }
}

impl Dialect for Sqlite {
    const SKIP_LOCKED: &'static str = "";
    const FOR_UPDATE: &'static str = "";
    // sqlx finds each `$n` by asking SQLite the name of every parameter in turn, so binding costs
    // the square of the statement's width: 30,000 values took 1.6 s, 88% of it in that lookup.
    const BIND_LIMIT: usize = 500;

    fn any(column: &str, n: u8) -> String {
        format!("{column} IN (SELECT value FROM json_each(${n}))")
    }
    fn any_id(column: &str, n: u8) -> String {
        // Ids are 16-byte BLOBs; the list holds them as hyphenated hex.
        format!("{column} IN (SELECT unhex(value, '-') FROM json_each(${n}))")
    }
    fn none(n: u8) -> String {
        format!("json_array_length(${n}) = 0")
    }
    fn contains_text(haystack: &str, n: u8) -> String {
        format!("instr(lower({haystack}), lower(${n})) > 0")
    }
}

impl Dialect for Postgres {
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    // Under the protocol's 65,535: few round trips per batch.
    const BIND_LIMIT: usize = 30_000;

    fn any(column: &str, n: u8) -> String {
        format!("{column} = ANY(${n})")
    }
    fn any_id(column: &str, n: u8) -> String {
        Self::any(column, n)
    }
    fn none(n: u8) -> String {
        format!("cardinality(${n}) = 0")
    }
    fn contains_text(haystack: &str, n: u8) -> String {
        format!("strpos(lower({haystack}), lower(${n})) > 0")
    }
}

/// A backend's connection, as generic code takes it (from a pool or inside a transaction).
pub type Conn<DB> = <DB as Database>::Connection;
