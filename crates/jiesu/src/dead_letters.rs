//! Watching the dead-letter queues: every `queue.dead_letter_check_secs` the serving process
//! counts each dead-letter queue, publishes the counts as `jiesu_dead_letter_messages` on
//! `/metrics`, and logs one WARN line per non-empty queue (once per period, not per message), for
//! an operator's log alert. `jiesu dlq` is how they are then looked after.

use std::time::Duration;

use jiesu_api::ops::Metrics;
use jiesu_domain::ports::Queue;
use tokio_util::sync::CancellationToken;

use crate::dlq::QUEUES;

pub async fn watch<Q: Queue>(queue: Q, metrics: Metrics, every: Duration, shutdown: CancellationToken) {
    let mut declared = false;
    loop {
        declared = declared || declare(&queue).await;
        if declared {
            check(&queue, &metrics).await;
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// Every process declares what it counts (idempotent), so counting never meets a missing queue.
async fn declare<Q: Queue>(queue: &Q) -> bool {
    for q in QUEUES {
        if let Err(e) = queue.declare(q, &[]).await {
            tracing::warn!(queue = q, error = %e, "cannot declare a queue to watch its dead letters");
            return false;
        }
    }
    true
}

async fn check<Q: Queue>(queue: &Q, metrics: &Metrics) {
    for q in QUEUES {
        match queue.dead_letter_count(q).await {
            Ok(count) => {
                metrics.set_dead_letters(q, count);
                if count > 0 {
                    tracing::warn!(queue = q, count, "dead letters are waiting: see `jiesu dlq list`");
                }
            }
            Err(e) => tracing::warn!(queue = q, error = %e, "cannot count the dead letters"),
        }
    }
}
