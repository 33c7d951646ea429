//! The stats port on SQL: each request's tallies beside the summary, and the summary moved by the
//! difference in the same transaction (`jiesu_rates::delta`).

use std::collections::BTreeMap;

use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{CaseTallies, Stats, StatsBy, StatsQuery, StatsRow, StoreError};
use jiesu_domain::rates::{Counts, Dim, Key, Tallies, delta, stored};
use uuid::Uuid;

use crate::backend::{Backend, SqlStore};
use crate::dialect::{Col, Conn, Dialect, Stmt, all, optional, run};
use crate::multirow::upsert_rows;
use crate::records::CorruptRow;
use crate::{corrupt, store_error};

/// A request's recorded tallies.
#[derive(Debug, sqlx::FromRow)]
pub struct TallyRow {
    pub version: i64,
    pub tallies: String,
}

/// A group's sums, in `Counts::NAMES` order.
#[derive(Debug, sqlx::FromRow)]
pub struct TotalsRow {
    pub grp: String,
    pub received: i64,
    pub closed: i64,
    pub dispatched: i64,
    pub responded: i64,
    pub disclaimed: i64,
    pub resolved: i64,
    pub resolved_on_time: i64,
    pub handling_minutes: i64,
    pub visits: i64,
    pub solved: i64,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    pub reopened: i64,
    pub exempted: i64,
    pub rated: i64,
    pub stars: i64,
    pub direct: i64,
}

impl TotalsRow {
    fn into_row(self) -> StatsRow {
        let counts = Counts::from_values(&[
            self.received,
            self.closed,
            self.dispatched,
            self.responded,
            self.disclaimed,
            self.resolved,
            self.resolved_on_time,
            self.handling_minutes,
            self.visits,
            self.solved,
            self.satisfied,
            self.basically_satisfied,
            self.dissatisfied,
            self.reopened,
            self.exempted,
            self.rated,
            self.stars,
            self.direct,
        ]);
        StatsRow { group: self.grp, counts }
    }
}

/// Adds each of `moves` to the summary: every key's counts to its row of each dimension (made if
/// missing), summed first, in one statement per chunk, the rows in order (two writers lock the rows
/// they share in the same order).
pub(crate) async fn add_to_summary<DB: Dialect>(
    c: &mut Conn<DB>,
    moves: BTreeMap<Key, Counts>,
) -> Result<(), sqlx::Error> {
    let mut rows: BTreeMap<(&'static str, String, String), Counts> = BTreeMap::new();
    for (key, by) in &moves {
        let day = key.day.format("%Y-%m-%d").to_string();
        for dim in Dim::ALL {
            *rows.entry((dim.as_str(), key.along(dim), day.clone())).or_default() += *by;
        }
    }
    let names = Counts::NAMES;
    let head = format!("INSERT INTO stats_daily (dim, value, day, {})", names.join(", "));
    let sets: Vec<String> = names.iter().map(|c| format!("{c} = stats_daily.{c} + excluded.{c}")).collect();
    let tail = format!("ON CONFLICT (dim, value, day) DO UPDATE SET {}", sets.join(", "));
    let rows: Vec<_> = rows.into_iter().filter(|(_, by)| !by.is_zero()).collect();
    upsert_rows::<DB, _>(c, &head, &tail, 3 + names.len(), rows, |s, ((dim, value, day), by)| {
        let mut s = s.bind(dim.to_owned()).bind(value).bind(day);
        for v in by.values() {
            s = s.bind(v);
        }
        Ok(s)
    })
    .await
}

/// Records one request's tallies inside the caller's transaction; adds what the summary must move
/// by to `moves`.
async fn record_one<DB: Dialect>(
    c: &mut Conn<DB>,
    case: &CaseTallies,
    moves: &mut BTreeMap<Key, Counts>,
) -> Result<(), StoreError> {
    let id = case.request_id.as_uuid();
    // A row to lock, so two consumers of one request take turns.
    let claim = Stmt::<DB>::new(
        "INSERT INTO stats_tallies (request_id, version, tallies) VALUES ($1, -1, '[]') ON CONFLICT DO NOTHING",
    )
    .bind(id);
    run(c, claim).await.map_err(store_error)?;
    let sql = format!("SELECT version, tallies FROM stats_tallies WHERE request_id = $1{}", DB::FOR_UPDATE);
    let held: Option<TallyRow> =
        optional(c, Stmt::<DB>::assembled(sql).bind(id)).await.map_err(store_error)?;
    let held = held.ok_or_else(|| StoreError::Unavailable("a claimed tallies row is gone".into()))?;
    if held.version >= case.version {
        return Ok(());
    }
    let old: Tallies = stored::decode(&held.tallies)
        .map_err(|e| corrupt(CorruptRow { table: "stats_tallies", message: e.to_string() }))?;
    for (key, by) in delta(&old, &case.tallies) {
        *moves.entry(key).or_default() += by;
    }
    let save = Stmt::<DB>::new("UPDATE stats_tallies SET version = $2, tallies = $3 WHERE request_id = $1")
        .bind(id)
        .bind(case.version)
        .bind(stored::encode(&case.tallies));
    run(c, save).await.map_err(store_error)?;
    Ok(())
}

/// How a query reads the summary: which dimension's rows, which of its values, grouped how.
struct Plan {
    dim: Dim,
    /// The filter on that dimension's value: an operator and its operand.
    value: Option<(&'static str, String)>,
    group: String,
}

/// One dimension at a time: group by it (filtered to some of its values or not), or filter to one
/// of its values and group by time; anything else is refused (the summary keeps no crossings).
fn plan(q: &StatsQuery) -> Result<Plan, StoreError> {
    let f = &q.filter;
    let given: Vec<(Dim, &'static str, String)> = [
        f.bureau.as_ref().map(|b| (Dim::Bureau, "=", b.as_str().to_owned())),
        f.street.as_ref().map(|a| (Dim::Street, "=", a.as_str().to_owned())),
        f.community.as_ref().map(|a| (Dim::Community, "=", a.as_str().to_owned())),
        // Category codes are digits: no character of a prefix is a wildcard.
        f.category.as_ref().map(|c| (Dim::Category, "LIKE", format!("{}%", c.as_str()))),
        f.channel.map(|c| (Dim::Channel, "=", c.as_str().to_owned())),
        f.kind.map(|k| (Dim::Kind, "=", k.as_str().to_owned())),
    ]
    .into_iter()
    .flatten()
    .collect();
    let by_dim = match q.by {
        StatsBy::Nothing | StatsBy::Day => None,
        StatsBy::Bureau => Some(Dim::Bureau),
        StatsBy::Street => Some(Dim::Street),
        StatsBy::Community => Some(Dim::Community),
        StatsBy::Category(_) => Some(Dim::Category),
        StatsBy::Channel => Some(Dim::Channel),
        StatsBy::Kind => Some(Dim::Kind),
    };
    let refused =
        || StoreError::Unexpected("the summary is grouped and filtered along one dimension at a time".into());
    let (dim, value) = match (given.as_slice(), by_dim) {
        ([], by) => (by.unwrap_or(Dim::Total), None),
        ([(d, op, v)], by) if by.is_none_or(|b| b == *d) => (*d, Some((*op, v.clone()))),
        _ => return Err(refused()),
    };
    Ok(Plan { dim, value, group: group_expr(q.by) })
}

/// The grouping column of a query (a category level is a prefix of the code: two digits a level).
fn group_expr(by: StatsBy) -> String {
    match by {
        StatsBy::Nothing => "''".to_owned(),
        StatsBy::Bureau | StatsBy::Street | StatsBy::Community | StatsBy::Channel | StatsBy::Kind => {
            "value".to_owned()
        }
        StatsBy::Category(level) => format!("substr(value, 1, {})", 2 * u32::from(level.clamp(1, 8))),
        StatsBy::Day => "day".to_owned(),
    }
}

impl<B: Backend> Stats for SqlStore<B> {
    #[tracing::instrument(name = "store.record_tallies", level = "debug", skip_all, fields(cases = cases.len()))]
    async fn record_tallies(&self, cases: &[CaseTallies]) -> Result<(), StoreError> {
        if cases.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        // In id order: two batches that share requests lock them in the same order.
        let mut sorted: Vec<&CaseTallies> = cases.iter().collect();
        sorted.sort_by_key(|c| c.request_id);
        let mut moves = BTreeMap::new();
        for case in sorted {
            record_one::<B::Db>(&mut tx, case, &mut moves).await?;
        }
        add_to_summary::<B::Db>(&mut tx, moves).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    #[tracing::instrument(name = "store.stats_totals", level = "debug", skip_all)]
    async fn stats_totals(&self, q: &StatsQuery) -> Result<Vec<StatsRow>, StoreError> {
        let plan = plan(q)?;
        let sums: Vec<String> =
            Counts::NAMES.iter().map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}")).collect();
        let mut binds: Vec<String> = vec![
            plan.dim.as_str().to_owned(),
            q.from.format("%Y-%m-%d").to_string(),
            q.until.format("%Y-%m-%d").to_string(),
        ];
        let mut wheres = vec!["dim = $1".to_owned(), "day >= $2".to_owned(), "day < $3".to_owned()];
        if let Some((op, value)) = plan.value {
            binds.push(value);
            wheres.push(format!("value {op} $4"));
        }
        // One total is an aggregate without groups (PostgreSQL refuses `GROUP BY ''`).
        let group = plan.group;
        let grouped =
            if group == "''" { String::new() } else { format!(" GROUP BY {group} ORDER BY {group}") };
        let sql = format!(
            "SELECT {group} AS grp, {} FROM stats_daily WHERE {}{grouped}",
            sums.join(", "),
            wheres.join(" AND ")
        );
        let mut s = Stmt::<B::Db>::assembled(sql);
        for b in binds {
            s = s.bind(b);
        }
        let rows: Vec<TotalsRow> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        // A group whose counts moved away entirely (a request placed since, a category corrected)
        // is all zeros: nothing to show.
        Ok(rows.into_iter().map(TotalsRow::into_row).filter(|r| !r.counts.is_zero()).collect())
    }

    async fn clear_stats(&self) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for sql in ["DELETE FROM stats_daily", "DELETE FROM stats_tallies"] {
            run(&mut *tx, Stmt::<B::Db>::new(sql)).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn request_ids_after(
        &self,
        after: Option<RequestId>,
        limit: u32,
    ) -> Result<Vec<RequestId>, StoreError> {
        let s = Stmt::<B::Db>::new("SELECT id FROM requests WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after.map_or(Uuid::nil(), |r| r.as_uuid()))
            .bind(i64::from(limit));
        let ids: Vec<Col<Uuid>> = all(&mut *self.read().await?, s).await.map_err(store_error)?;
        Ok(ids.into_iter().map(|(id,)| RequestId::from_uuid(id)).collect())
    }
}
