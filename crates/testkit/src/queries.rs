//! Counting the SQL statements a call issues, from the `sqlx::query` events sqlx logs at debug
//! level for every statement it runs. A listing that makes a query per row shows up here long
//! before it shows up in production.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use tracing::Subscriber;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// The process-wide count of statements run. The subscriber is global because sqlx runs (and
/// logs) SQLite statements on its own worker threads; nextest runs each test in its own process,
/// so the count is this test's.
fn counter() -> &'static Arc<AtomicUsize> {
    static COUNTER: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    COUNTER.get_or_init(|| {
        let count = Arc::new(AtomicUsize::new(0));
        let layer = Statements(Arc::clone(&count))
            .with_filter(Targets::new().with_target("sqlx::query", LevelFilter::DEBUG));
        // Another subscriber already set (a test's own) leaves the count at zero, which the
        // caller's lower bound catches.
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
        count
    })
}

struct Statements(Arc<AtomicUsize>);

impl<S: Subscriber> Layer<S> for Statements {
    fn on_event(&self, _event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs `f` and answers its output with the number of statements run meanwhile.
pub async fn count<T>(f: impl Future<Output = T>) -> (T, usize) {
    let counter = counter();
    let before = counter.load(Ordering::SeqCst);
    let out = f.await;
    (out, counter.load(Ordering::SeqCst) - before)
}
