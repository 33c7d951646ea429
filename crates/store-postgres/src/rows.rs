//! Reading rows back into domain types through the shared records.

use jiesu_domain::api_client::{ApiClient, ApiKeyHash, ClientChannel};
use jiesu_domain::event::Event;
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{RequestQuery, RequestView, StoreError};
use jiesu_domain::records::{RequestRecord, TaskRecord};
use jiesu_domain::request::Request;
use jiesu_domain::task::Task;
use jiesu_sql::{corrupt, decode_event, statements, store_error};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

pub(crate) const REQUEST_COLUMNS: &str =
    "id, tracking, channel, channel_ref, kind, category, description, lat, lon, address,
    contact_name, contact_phone, contact_email, contact_openid, contact_confidential, title, urgency,
    category_text, area_hint, answer, operator, attributes::text AS attributes,
    media::text AS media, area, status, received_at, updated_at";

pub(crate) fn request_record(row: &PgRow) -> Result<RequestRecord, sqlx::Error> {
    Ok(RequestRecord {
        id: row.try_get("id")?,
        tracking: row.try_get("tracking")?,
        channel: row.try_get("channel")?,
        channel_ref: row.try_get("channel_ref")?,
        kind: row.try_get("kind")?,
        category: row.try_get("category")?,
        description: row.try_get("description")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        address: row.try_get("address")?,
        contact_name: row.try_get("contact_name")?,
        contact_phone: row.try_get("contact_phone")?,
        contact_email: row.try_get("contact_email")?,
        contact_openid: row.try_get("contact_openid")?,
        contact_confidential: row.try_get("contact_confidential")?,
        title: row.try_get("title")?,
        urgency: row.try_get("urgency")?,
        category_text: row.try_get("category_text")?,
        area_hint: row.try_get("area_hint")?,
        answer: row.try_get("answer")?,
        operator: row.try_get("operator")?,
        attributes: row.try_get("attributes")?,
        media: row.try_get("media")?,
        area: row.try_get("area")?,
        status: row.try_get("status")?,
        received_at: row.try_get("received_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) fn task_record(row: &PgRow) -> Result<TaskRecord, sqlx::Error> {
    Ok(TaskRecord {
        id: row.try_get("id")?,
        request_id: row.try_get("request_id")?,
        bureau: row.try_get("bureau")?,
        role: row.try_get("role")?,
        state: row.try_get("state")?,
        binding: row.try_get("binding")?,
        scope: row.try_get("scope")?,
        dispatched_at: row.try_get("dispatched_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) async fn request_view(pool: &PgPool, tracking: &str) -> Result<Option<RequestView>, StoreError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE tracking = $1");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tracking)
        .fetch_optional(pool)
        .await
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    let request = Request::try_from(request_record(&row).map_err(store_error)?).map_err(corrupt)?;
    Ok(views(pool, vec![request]).await?.pop())
}

/// Requests by the query's filters, newest first, each with its tasks (two queries in all).
pub(crate) async fn list(pool: &PgPool, q: &RequestQuery) -> Result<Vec<RequestView>, StoreError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM requests
         WHERE NOT contact_confidential
           AND (cardinality($1::text[]) = 0 OR tracking = ANY($1))
           AND (cardinality($1::text[]) > 0 OR (
                 (cardinality($2::text[]) = 0 OR category = ANY($2))
             AND ($3::bool IS NULL OR ($3 AND status <> 'closed') OR (NOT $3 AND status = 'closed'))
             AND ($4::timestamptz IS NULL OR received_at >= $4)
             AND ($5::timestamptz IS NULL OR received_at <= $5)))
         ORDER BY received_at DESC, id DESC
         LIMIT $6 OFFSET $7"
    );
    let tracking: Vec<String> = q.tracking.iter().map(ToString::to_string).collect();
    let categories: Vec<String> = q.categories.iter().map(ToString::to_string).collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&tracking)
        .bind(&categories)
        .bind(q.open)
        .bind(q.received_from)
        .bind(q.received_to)
        .bind(i64::from(q.limit))
        .bind(i64::from(q.offset))
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    let requests: Vec<Request> = rows
        .iter()
        .map(|r| {
            request_record(r).map_err(store_error).and_then(|rec| Request::try_from(rec).map_err(corrupt))
        })
        .collect::<Result<_, _>>()?;
    views(pool, requests).await
}

/// The requests with their tasks (fetched in one query), in the requests' order.
pub(crate) async fn views(pool: &PgPool, requests: Vec<Request>) -> Result<Vec<RequestView>, StoreError> {
    let ids: Vec<uuid::Uuid> = requests.iter().map(|r| r.submitted.id.as_uuid()).collect();
    let task_rows = sqlx::query("SELECT * FROM tasks WHERE request_id = ANY($1) ORDER BY dispatched_at, id")
        .bind(&ids)
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    let tasks: Vec<Task> = task_rows
        .iter()
        .map(|r| task_record(r).map_err(store_error).and_then(|t| Task::try_from(t).map_err(corrupt)))
        .collect::<Result<_, _>>()?;
    let due: Vec<(uuid::Uuid, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(statements::EXPECTED_POSTGRES)
        .bind(&ids)
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    let expected = due.into_iter().map(|(id, at)| (RequestId::from_uuid(id), at)).collect();
    Ok(jiesu_sql::with_tasks(requests, tasks, &expected))
}

pub(crate) async fn events_of_many(pool: &PgPool, ids: &[RequestId]) -> Result<Vec<Event>, StoreError> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.as_uuid()).collect();
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload::text FROM events WHERE request_id = ANY($1) ORDER BY seq")
            .bind(&ids)
            .fetch_all(pool)
            .await
            .map_err(store_error)?;
    payloads.iter().map(|p| decode_event(p)).collect()
}

pub(crate) async fn events_of(pool: &PgPool, id: RequestId) -> Result<Vec<Event>, StoreError> {
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload::text FROM events WHERE request_id = $1 ORDER BY seq")
            .bind(id.as_uuid())
            .fetch_all(pool)
            .await
            .map_err(store_error)?;
    payloads.iter().map(|p| decode_event(p)).collect()
}

pub(crate) async fn api_client(pool: &PgPool, key: &ApiKeyHash) -> Result<Option<ApiClient>, StoreError> {
    let row: Option<(uuid::Uuid, String, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT id, name, channel, created_at FROM api_clients WHERE key_hash = $1 AND revoked_at IS NULL",
    )
    .bind(key.as_bytes().as_slice())
    .fetch_optional(pool)
    .await
    .map_err(store_error)?;
    row.map(|(id, name, channel, created_at)| {
        let channel = ClientChannel::parse(&channel)
            .map_err(|e| StoreError::Unexpected(format!("corrupt api client: {e}")))?;
        Ok(ApiClient { id, name, channel, created_at })
    })
    .transpose()
}
