//! The operator's endpoints.
//!
//! - `/readyz`: whether this process can do its roles' work now. Each check a role needs runs
//!   concurrently under its own timeout, so the answer comes within [`PROBE_TIMEOUT`] even when
//!   the database or the broker hangs: intake needs the queue to accept messages; the reading
//!   API, the dispatcher, the relay and the escalation service need a database that answers and
//!   takes writes. `{"ready": bool, "checks": {"database": "ok" | "timeout" | "unavailable", ...}}`,
//!   200 or 503; the cause of a failure is logged, not sent.
//! - `/metrics`: Prometheus text exposition; `jiesu_dead_letter_messages{queue}` is what an
//!   alert watches (see `deploy/alerts/`); counters the process registers (requests received
//!   per channel) are read when the page is asked for.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiesu_domain::ports::{Queue, Store};
use serde_json::{Map, Value, json};

/// How long one readiness check may take: under a second, so a probe with a one-second timeout
/// gets its answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(800);

/// What this process's roles need to be ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyChecks {
    /// The database answers and accepts writes.
    pub database: bool,
    /// The queue accepts messages.
    pub queue: bool,
}

/// Reads a counter family's current values, one per label value.
pub type CounterSource = fn() -> Vec<(String, u64)>;

/// A counter family `/metrics` shows: its name, help text, label name and where its values are.
#[derive(Debug, Clone, Copy)]
struct Counter {
    name: &'static str,
    help: &'static str,
    label: &'static str,
    read: CounterSource,
}

/// Values the process measures and `/metrics` shows.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    dead_letters: Arc<Mutex<BTreeMap<String, u64>>>,
    counters: Arc<Mutex<Vec<Counter>>>,
}

impl Metrics {
    /// Records how many messages wait in `queue`'s dead-letter queue.
    pub fn set_dead_letters(&self, queue: &str, count: u64) {
        if let Ok(mut d) = self.dead_letters.lock() {
            d.insert(queue.to_owned(), count);
        }
    }

    /// Shows a counter family, read from `read` whenever `/metrics` is asked for.
    pub fn add_counter(
        &self,
        name: &'static str,
        help: &'static str,
        label: &'static str,
        read: CounterSource,
    ) {
        if let Ok(mut c) = self.counters.lock() {
            c.push(Counter { name, help, label, read });
        }
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP jiesu_dead_letter_messages Messages waiting in a queue's dead-letter queue.\n\
             # TYPE jiesu_dead_letter_messages gauge\n",
        );
        if let Ok(d) = self.dead_letters.lock() {
            for (queue, n) in d.iter() {
                let _ = writeln!(out, "jiesu_dead_letter_messages{{queue=\"{}\"}} {n}", escape(queue));
            }
        }
        let counters = self.counters.lock().map(|c| c.clone()).unwrap_or_default();
        for c in counters {
            let _ = writeln!(out, "# HELP {} {}\n# TYPE {} counter", c.name, c.help, c.name);
            for (value, n) in (c.read)() {
                let _ = writeln!(out, "{}{{{}=\"{}\"}} {n}", c.name, c.label, escape(&value));
            }
        }
        out
    }
}

/// A label value as the exposition format writes it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Everything the endpoints need.
#[derive(Debug, Clone)]
pub struct Ops<Q> {
    pub queue: Q,
    pub checks: ReadyChecks,
    pub metrics: Metrics,
}

#[derive(Debug, Clone)]
struct ReadyState<S, Q> {
    store: S,
    ops: Ops<Q>,
}

pub fn routes<S: Store, Q: Queue>(store: S, ops: Ops<Q>) -> Router {
    let metrics = ops.metrics.clone();
    Router::new().route("/readyz", get(ready::<S, Q>).with_state(ReadyState { store, ops })).route(
        "/metrics",
        get(move || {
            let body = metrics.render();
            async move { ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body) }
        }),
    )
}

/// Runs one check under the timeout: `ok`, or what went wrong (the cause is logged).
async fn probe<E: std::fmt::Display>(name: &str, check: impl Future<Output = Result<(), E>>) -> &'static str {
    match tokio::time::timeout(PROBE_TIMEOUT, check).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(check = name, error = %e, "not ready");
            "unavailable"
        }
        Err(_) => {
            tracing::warn!(check = name, timeout = ?PROBE_TIMEOUT, "not ready: no answer in time");
            "timeout"
        }
    }
}

async fn ready<S: Store, Q: Queue>(State(state): State<ReadyState<S, Q>>) -> Response {
    let checks = state.ops.checks;
    let database =
        async { if checks.database { Some(probe("database", state.store.ping()).await) } else { None } };
    let queue =
        async { if checks.queue { Some(probe("queue", state.ops.queue.health()).await) } else { None } };
    let (database, queue) = tokio::join!(database, queue);
    let mut results = Map::new();
    for (name, result) in [("database", database), ("queue", queue)] {
        if let Some(r) = result {
            results.insert(name.to_owned(), Value::from(r));
        }
    }
    let ready = results.values().all(|v| v == "ok");
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(json!({ "ready": ready, "checks": results }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn metrics_are_written_in_the_exposition_format() {
        let m = Metrics::default();
        m.set_dead_letters("intake", 3);
        m.set_dead_letters("escalation", 0);
        let text = m.render();
        assert!(text.contains("# TYPE jiesu_dead_letter_messages gauge\n"), "{text}");
        assert!(text.contains("jiesu_dead_letter_messages{queue=\"intake\"} 3\n"), "{text}");
        assert!(text.contains("jiesu_dead_letter_messages{queue=\"escalation\"} 0\n"), "{text}");
    }
}
