//! The local queue's writer: one task owns every write and groups whatever is waiting into one
//! transaction, so one commit (one fsync) confirms many sends and acks.

use std::sync::Arc;

use jiesu_domain::ports::queue::{Message, QueueError, topic_matches};
use jiesu_sql::to_micros;
use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

use super::{Op, Settlement};

pub(super) async fn write_loop(pool: SqlitePool, mut rx: mpsc::Receiver<Op>, written: Arc<Notify>) {
    while let Some(first) = rx.recv().await {
        let mut ops = vec![first];
        while ops.len() < 512 {
            match rx.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        let results = match apply(&pool, &ops).await {
            Ok(results) => results,
            Err(e) => {
                tracing::warn!(error = %e, batch = ops.len(), "local queue write failed");
                ops.iter().map(|_| Err(QueueError::Unavailable(e.to_string()))).collect()
            }
        };
        written.notify_waiters();
        for (op, result) in ops.into_iter().zip(results) {
            let done = match op {
                Op::Send { done, .. } | Op::Publish { done, .. } | Op::AckAll { done, .. } => Some(done),
                Op::Settle { done, .. } => done,
                Op::Release { .. } => None,
            };
            if let Some(done) = done {
                let _ = done.send(result);
            }
        }
    }
}

/// Applies a group of operations in one transaction. An operation refused on its own merits (a
/// queue nobody declared) gets its own error without failing the others.
async fn apply(pool: &SqlitePool, ops: &[Op]) -> Result<Vec<Result<(), QueueError>>, sqlx::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let now = to_micros(jiesu_domain::time::now());
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        let result = match op {
            Op::Send { queue, messages, .. } => {
                if is_declared(&mut tx, queue).await? {
                    for m in messages {
                        insert(&mut tx, queue, m, now).await?;
                    }
                    Ok(())
                } else {
                    Err(QueueError::Refused(format!("no queue named `{queue}` has been declared")))
                }
            }
            Op::Publish { messages, .. } => {
                let bindings: Vec<(String, String)> =
                    sqlx::query_as("SELECT queue, pattern FROM queue_bindings ORDER BY queue")
                        .fetch_all(&mut *tx)
                        .await?;
                for (topic, m) in messages {
                    let mut targets: Vec<&str> = bindings
                        .iter()
                        .filter(|(_, p)| topic_matches(p, topic))
                        .map(|(q, _)| q.as_str())
                        .collect();
                    targets.dedup();
                    for q in targets {
                        insert(&mut tx, q, m, now).await?;
                    }
                }
                Ok(())
            }
            Op::Settle { seq, owner, how, .. } => {
                settle(&mut tx, *seq, *owner, how, now).await?;
                Ok(())
            }
            Op::AckAll { seqs, owner, .. } => {
                let seqs = serde_json::to_string(seqs).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                sqlx::query(
                    "DELETE FROM queue_messages
                     WHERE seq IN (SELECT value FROM json_each($1)) AND lease_owner = $2",
                )
                .bind(seqs)
                .bind(owner)
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
            Op::Release { owner } => {
                sqlx::query(
                    "UPDATE queue_messages SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
                )
                .bind(owner)
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
        };
        results.push(result);
    }
    tx.commit().await?;
    Ok(results)
}

async fn is_declared(tx: &mut Transaction<'static, Sqlite>, queue: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT count(*) FROM queue_declared WHERE queue = $1")
        .bind(queue)
        .fetch_one(&mut **tx)
        .await?
        > 0)
}

async fn insert(
    tx: &mut Transaction<'static, Sqlite>,
    queue: &str,
    m: &Message,
    now: i64,
) -> Result<(), sqlx::Error> {
    let headers = serde_json::to_string(&m.headers).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO queue_messages (queue, id, kind, payload, headers, enqueued_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(queue)
    .bind(m.id)
    .bind(&m.kind)
    .bind(&m.payload)
    .bind(headers)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Settles a message only if this consumer still holds it: after its lease ran out, another
/// consumer may have it, and that one decides.
async fn settle(
    tx: &mut Transaction<'static, Sqlite>,
    seq: i64,
    owner: Uuid,
    how: &Settlement,
    now: i64,
) -> Result<(), sqlx::Error> {
    let (sql, reason) = match how {
        Settlement::Ack => ("DELETE FROM queue_messages WHERE seq = $1 AND lease_owner = $2", None),
        Settlement::Requeue => (
            "UPDATE queue_messages SET lease_owner = NULL, lease_until = NULL WHERE seq = $1 AND lease_owner = $2",
            None,
        ),
        Settlement::DeadLetter(reason) => (
            "UPDATE queue_messages SET queue = queue || '.dlq', lease_owner = NULL, lease_until = NULL,
                dead_deliveries = deliveries, deliveries = 0, dead_reason = $3, dead_at = $4
             WHERE seq = $1 AND lease_owner = $2",
            Some(reason.as_str()),
        ),
    };
    let mut q = sqlx::query(sql).bind(seq).bind(owner);
    if let Some(reason) = reason {
        q = q.bind(reason).bind(now);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
