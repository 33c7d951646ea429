//! Hotspots on PostgreSQL: the neighbour search (a rectangle through the partial index
//! `requests_open_category_point`, then the domain's exact distance), hotspot members written
//! with a workflow change, and linked requests read back for supervisors.

use jiesu_domain::escalation::hotspot::NeighbourRecord;
use jiesu_domain::escalation::{EscalationId, Nearby, Neighbour};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{RequestView, StoreError};
use jiesu_sql::{corrupt, statements, store_error};
use sqlx::{PgPool, Postgres, Row, Transaction};

use crate::rows::views;

pub(crate) async fn open_requests_near(pool: &PgPool, near: &Nearby) -> Result<Vec<Neighbour>, StoreError> {
    let b = near.bounds();
    let rows = sqlx::query(statements::OPEN_REQUESTS_NEAR)
        .bind(near.category.as_str())
        .bind(b.min_lat)
        .bind(b.max_lat)
        .bind(b.min_lon)
        .bind(b.max_lon)
        .bind(near.since)
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
                received_at: r.try_get("received_at")?,
                escalation_id: r.try_get("escalation_id")?,
                anchor_id: r.try_get("anchor_id")?,
                escalation_state: r.try_get("escalation_state")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(store_error)?;
    near.keep(records).map_err(corrupt)
}

/// Inserted after the change's escalations (the rows they point to), in one statement. No
/// `ON CONFLICT`: a request already in a hotspot refuses the whole change (a unique violation,
/// `StoreError::Conflict`), so no hotspot links a request another one holds.
pub(crate) async fn insert_members(
    tx: &mut Transaction<'static, Postgres>,
    members: &[(RequestId, EscalationId)],
) -> Result<(), sqlx::Error> {
    if members.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO hotspot_members (request_id, escalation_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[])",
    )
    .bind(members.iter().map(|(r, _)| r.as_uuid()).collect::<Vec<_>>())
    .bind(members.iter().map(|(_, e)| e.as_uuid()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn requests_by_id(pool: &PgPool, ids: &[RequestId]) -> Result<Vec<RequestView>, StoreError> {
    let uuids: Vec<uuid::Uuid> = ids.iter().map(RequestId::as_uuid).collect();
    let mut found = crate::cases::requests_by_id(pool, &uuids).await?;
    let requests = uuids.iter().filter_map(|id| found.remove(id)).collect();
    views(pool, requests).await
}
