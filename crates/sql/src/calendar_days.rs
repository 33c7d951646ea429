//! The working-day calendar days administrators set, once for both backends. A date is stored as
//! its `YYYY-MM-DD` text on both (it sorts as a date and binds as text everywhere).

use chrono::NaiveDate;
use jiesu_domain::audit::AuditEntry;
use jiesu_domain::overlay::{DayKind, DayOverride};
use jiesu_domain::ports::{StoreError, StoredDay};

use crate::backend::{Backend, SqlStore};
use crate::dialect::{DbTime, Stmt, all, run};
use crate::records::CorruptRow;
use crate::{corrupt, store_error};

#[derive(Debug, sqlx::FromRow)]
pub struct CalendarDayRow {
    pub day: String,
    pub kind: String,
    pub name: String,
    pub set_by: Option<String>,
    pub set_at: DbTime,
}

impl TryFrom<CalendarDayRow> for StoredDay {
    type Error = StoreError;
    fn try_from(r: CalendarDayRow) -> Result<Self, StoreError> {
        let bad = |message: String| corrupt(CorruptRow { table: "calendar_days", message });
        let date = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d")
            .map_err(|e| bad(format!("day `{}`: {e}", r.day)))?;
        let kind = DayKind::parse(&r.kind).ok_or_else(|| bad(format!("kind `{}`", r.kind)))?;
        Ok(StoredDay { day: DayOverride { date, kind, name: r.name }, set_by: r.set_by, set_at: r.set_at.0 })
    }
}

pub(crate) async fn all_days<B: Backend>(store: &SqlStore<B>) -> Result<Vec<StoredDay>, StoreError> {
    let s = Stmt::<B::Db>::new("SELECT day, kind, name, set_by, set_at FROM calendar_days ORDER BY day");
    let rows: Vec<CalendarDayRow> = all(&mut *store.read().await?, s).await.map_err(store_error)?;
    rows.into_iter().map(StoredDay::try_from).collect()
}

pub(crate) async fn set_day<B: Backend>(
    store: &SqlStore<B>,
    day: &StoredDay,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let s = Stmt::<B::Db>::new(
        "INSERT INTO calendar_days (day, kind, name, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name,
             set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(day.day.date.format("%Y-%m-%d").to_string())
    .bind(day.day.kind.as_str().to_owned())
    .bind(day.day.name.clone())
    .bind(day.set_by.clone())
    .bind(DbTime(day.set_at));
    let mut tx = store.begin().await?;
    run(&mut *tx, s).await.map_err(store_error)?;
    crate::audit::append::<B::Db>(&mut *tx, audit).await?;
    tx.commit().await.map_err(store_error)
}
