//! Multi-row statements: one `INSERT` for many rows, in chunks that keep within the dialect's
//! `BIND_LIMIT`. The history generator writes whole histories this way, and the SQLite dispatcher
//! a batch of new requests: a statement per table and chunk instead of one per row (on SQLite
//! each statement is a hop to the connection's thread, which bounded the dispatcher).

use jiesu_domain::routing::Routing;
use uuid::Uuid;

use crate::dialect::{Col, Conn, DbTime, Dialect, Read, Stmt, all, run};
use crate::records::RequestRecord;
use crate::writes::json;

/// A request's columns, as both the generator and the dispatcher insert them.
pub(crate) const REQUEST_COLUMNS: &str = "INSERT INTO requests (id, tracking, channel, channel_ref, kind, category, description, lat, lon, address,
            contact_name, contact_phone, contact_email, contact_openid, attributes, media, area, status,
            received_at, created_at, updated_at, contact_confidential, title, urgency, category_text, area_hint,
            answer, operator, routing, version)";
pub(crate) const REQUEST_WIDTH: usize = 30;

/// A request's row: the record, when it was stored, its routing (none if never routed) and its
/// version, in `REQUEST_COLUMNS`' order.
pub(crate) type RequestRow<'a> = (RequestRecord, chrono::DateTime<chrono::Utc>, Option<&'a Routing>, i64);

pub(crate) fn bind_request<DB: Dialect>(
    s: Stmt<DB>,
    (r, created, routing, version): RequestRow<'_>,
) -> Result<Stmt<DB>, sqlx::Error> {
    Ok(s.bind(r.id)
        .bind(r.tracking)
        .bind(r.channel)
        .bind(r.channel_ref)
        .bind(r.kind)
        .bind(r.category)
        .bind(r.description)
        .bind(r.lat)
        .bind(r.lon)
        .bind(r.address)
        .bind(r.contact_name)
        .bind(r.contact_phone)
        .bind(r.contact_email)
        .bind(r.contact_openid)
        .bind(r.attributes)
        .bind(r.media)
        .bind(r.area)
        .bind(r.status)
        .bind(r.received_at)
        .bind(DbTime(created))
        .bind(r.updated_at)
        .bind(r.contact_confidential)
        .bind(r.title)
        .bind(r.urgency)
        .bind(r.category_text)
        .bind(r.area_hint)
        .bind(r.answer)
        .bind(r.operator)
        .bind(routing.map(json).transpose()?)
        .bind(version))
}

/// `head` followed by `rows` tuples of `width` numbered placeholders.
pub(crate) fn values_sql(head: &str, width: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * width * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..width {
            n += 1;
            if c > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&n.to_string());
        }
        sql.push(')');
    }
    sql
}

/// Inserts `rows` in statements of at most the dialect's `BIND_LIMIT` values.
pub(crate) async fn insert_rows<DB: Dialect, R>(
    c: &mut Conn<DB>,
    head: &str,
    width: usize,
    rows: Vec<R>,
    bind: impl Fn(Stmt<DB>, R) -> Result<Stmt<DB>, sqlx::Error>,
) -> Result<(), sqlx::Error> {
    upsert_rows(c, head, "", width, rows, bind).await
}

/// Like `insert_rows`, with `tail` after each statement's values (an `ON CONFLICT ... DO UPDATE`).
pub(crate) async fn upsert_rows<DB: Dialect, R>(
    c: &mut Conn<DB>,
    head: &str,
    tail: &str,
    width: usize,
    rows: Vec<R>,
    bind: impl Fn(Stmt<DB>, R) -> Result<Stmt<DB>, sqlx::Error>,
) -> Result<(), sqlx::Error> {
    let per = (DB::BIND_LIMIT / width).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<R> = rows.by_ref().take(per).collect();
        let mut sql = values_sql(head, width, chunk.len());
        if !tail.is_empty() {
            sql.push(' ');
            sql.push_str(tail);
        }
        let mut s = Stmt::<DB>::assembled(sql);
        for r in chunk {
            s = bind(s, r)?;
        }
        run(c, s).await?;
    }
    Ok(())
}

/// Like `insert_rows`, with `tail` after each statement's values (an `ON CONFLICT` and a
/// `RETURNING id`): the ids of the rows each statement inserted.
pub(crate) async fn insert_rows_returning<DB: Dialect + Read<Col<Uuid>>, R>(
    c: &mut Conn<DB>,
    head: &str,
    tail: &str,
    width: usize,
    rows: Vec<R>,
    bind: impl Fn(Stmt<DB>, R) -> Result<Stmt<DB>, sqlx::Error>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let per = (DB::BIND_LIMIT / width).max(1);
    let mut rows = rows.into_iter().peekable();
    let mut ids = Vec::new();
    while rows.peek().is_some() {
        let chunk: Vec<R> = rows.by_ref().take(per).collect();
        let mut sql = values_sql(head, width, chunk.len());
        if !tail.is_empty() {
            sql.push(' ');
            sql.push_str(tail);
        }
        let mut s = Stmt::<DB>::assembled(sql);
        for r in chunk {
            s = bind(s, r)?;
        }
        let found: Vec<Col<Uuid>> = all(c, s).await?;
        ids.extend(found.into_iter().map(|(id,)| id));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(
            super::values_sql("INSERT INTO t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
    }
}
