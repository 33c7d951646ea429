//! The local queue's dead letters, for operators: rows whose queue is `<queue>.dlq`, listed,
//! moved back to `<queue>` (replay) or deleted (discard), each in one transaction.

use std::collections::BTreeMap;

use jiesu_domain::ports::queue::{
    ATTEMPTS_HEADER, DeadLetter, Message, QueueError, Selection, dead_letter_queue,
};
use jiesu_sql::from_micros;
use sqlx::SqlitePool;
use uuid::Uuid;

use super::unavailable;

type DeadRow = (Uuid, String, Vec<u8>, String, Option<String>, Option<i64>, Option<i64>);

pub(super) async fn list(
    pool: &SqlitePool,
    queue: &str,
    limit: usize,
) -> Result<Vec<DeadLetter>, QueueError> {
    let rows: Vec<DeadRow> = sqlx::query_as(
        "SELECT id, kind, payload, headers, dead_reason, dead_at, dead_deliveries
         FROM queue_messages WHERE queue = $1 ORDER BY seq LIMIT $2",
    )
    .bind(dead_letter_queue(queue))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(unavailable)?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, payload, headers, reason, dead_at, deliveries)| {
            let mut headers: BTreeMap<String, String> = serde_json::from_str(&headers).unwrap_or_default();
            // As on RabbitMQ: listed as a replay would send it, its attempts started over.
            headers.remove(ATTEMPTS_HEADER);
            DeadLetter {
                message: Message { id, kind, payload, headers },
                queue: queue.to_owned(),
                reason: reason.unwrap_or_default(),
                dead_at: dead_at.map(from_micros),
                deliveries: deliveries.and_then(|d| u32::try_from(d).ok()).unwrap_or(0),
            }
        })
        .collect())
}

/// What to do with the chosen rows.
pub(super) enum Action {
    /// Back to the source queue, as a fresh message that was never delivered.
    Replay,
    Discard,
}

pub(super) async fn apply(
    pool: &SqlitePool,
    queue: &str,
    which: &Selection,
    action: Action,
) -> Result<usize, QueueError> {
    let ids: Vec<Option<Uuid>> = match which {
        Selection::All => vec![None],
        Selection::Ids(ids) => ids.iter().copied().map(Some).collect(),
    };
    let dlq = dead_letter_queue(queue);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(unavailable)?;
    let mut moved = 0;
    for id in ids {
        // `$2 IS NULL` chooses every row (`--all`).
        let statement = match action {
            Action::Replay => sqlx::query(
                // A replayed dead letter starts its attempts over.
                "UPDATE queue_messages SET queue = $3, deliveries = 0, lease_owner = NULL, lease_until = NULL,
                    dead_reason = NULL, dead_at = NULL, dead_deliveries = NULL, headers = json_remove(headers, $4)
                 WHERE queue = $1 AND ($2 IS NULL OR id = $2)",
            )
            .bind(&dlq)
            .bind(id)
            .bind(queue)
            .bind(format!("$.\"{ATTEMPTS_HEADER}\"")),
            Action::Discard => {
                sqlx::query("DELETE FROM queue_messages WHERE queue = $1 AND ($2 IS NULL OR id = $2)")
                    .bind(&dlq)
                    .bind(id)
            }
        };
        let done = statement.execute(&mut *tx).await.map_err(unavailable)?;
        moved += usize::try_from(done.rows_affected()).unwrap_or(usize::MAX);
    }
    tx.commit().await.map_err(unavailable)?;
    Ok(moved)
}
