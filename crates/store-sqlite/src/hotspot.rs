//! Hotspots on SQLite: the neighbour search (a rectangle through the partial index
//! `requests_open_category_point`, then the domain's exact distance), hotspot members written
//! with a workflow change, and linked requests read back for supervisors.

use jiesu_domain::escalation::hotspot::NeighbourRecord;
use jiesu_domain::escalation::{EscalationId, Nearby, Neighbour};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{RequestView, StoreError};
use jiesu_domain::request::Request;
use jiesu_sql::{corrupt, from_micros, statements, store_error, to_micros};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

use crate::rows::{json_list, request_record, uuid_hex, views};

pub(crate) async fn open_requests_near(
    pool: &SqlitePool,
    near: &Nearby,
) -> Result<Vec<Neighbour>, StoreError> {
    let b = near.bounds();
    let rows = sqlx::query(statements::OPEN_REQUESTS_NEAR)
        .bind(near.category.as_str())
        .bind(b.min_lat)
        .bind(b.max_lat)
        .bind(b.min_lon)
        .bind(b.max_lon)
        .bind(to_micros(near.since))
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    let records = rows
        .iter()
        .map(|r| {
            Ok(NeighbourRecord {
                id: r.try_get("id")?,
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
                received_at: from_micros(r.try_get("received_at")?),
                escalation_id: r.try_get("escalation_id")?,
                anchor_id: r.try_get("anchor_id")?,
                escalation_state: r.try_get("escalation_state")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(store_error)?;
    near.keep(records).map_err(corrupt)
}

/// Inserted after the change's escalations (the rows they point to). No `ON CONFLICT`: a request
/// already in a hotspot refuses the whole change (a unique violation, `StoreError::Conflict`), so
/// no hotspot links a request another one holds.
pub(crate) async fn insert_members(
    tx: &mut Transaction<'static, Sqlite>,
    members: &[(RequestId, EscalationId)],
) -> Result<(), sqlx::Error> {
    for (request, escalation) in members {
        sqlx::query("INSERT INTO hotspot_members (request_id, escalation_id) VALUES ($1, $2)")
            .bind(request.as_uuid())
            .bind(escalation.as_uuid())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub(crate) async fn requests_by_id(
    pool: &SqlitePool,
    ids: &[RequestId],
) -> Result<Vec<RequestView>, StoreError> {
    let rows = sqlx::query("SELECT * FROM requests WHERE id IN (SELECT unhex(value) FROM json_each($1))")
        .bind(json_list(ids.iter().map(|id| uuid_hex(*id))))
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    let mut requests: Vec<Request> = rows
        .iter()
        .map(|r| request_record(r).map_err(store_error).and_then(|x| Request::try_from(x).map_err(corrupt)))
        .collect::<Result<_, _>>()?;
    requests.sort_by_key(|r| ids.iter().position(|id| *id == r.submitted.id));
    views(pool, requests).await
}
