//! Counting the SQL statements a call issues, from the `sqlx::query` events sqlx logs at debug
//! level for every statement it runs. A listing that makes a query per row shows up here long
//! before it shows up in production.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tracing::Subscriber;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// The process-wide count of statements run. The subscriber is global because sqlx runs (and
/// logs) SQLite statements on its own worker threads; nextest runs each test in its own process,
/// so the count is this test's.
fn statements() -> &'static Statements {
    static STATEMENTS: OnceLock<Statements> = OnceLock::new();
    STATEMENTS.get_or_init(|| {
        let statements = Statements::default();
        let layer = statements.clone().with_filter(
            Targets::new()
                .with_target("sqlx::query", LevelFilter::DEBUG)
                .with_target("sqlx::postgres::notice", LevelFilter::INFO),
        );
        // Another subscriber already set (a test's own) leaves the count at zero, which the
        // caller's lower bound catches.
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
        statements
    })
}

#[derive(Clone, Default)]
struct Statements {
    count: Arc<AtomicUsize>,
    /// While set, the text of every statement and of every PostgreSQL notice is kept.
    recording: Arc<AtomicBool>,
    texts: Arc<Mutex<Recorded>>,
}

/// What ran while recording.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// Each statement's text, once, in the order first seen.
    pub statements: Vec<String>,
    /// The messages of PostgreSQL's notices (`auto_explain` at `log_level = notice` sends every
    /// plan to the client this way).
    pub notices: Vec<String>,
}

impl<S: Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let notice = event.metadata().target() == "sqlx::postgres::notice";
        if !notice {
            self.count.fetch_add(1, Ordering::Relaxed);
        }
        if self.recording.load(Ordering::Relaxed) {
            let mut text = Field(if notice { "message" } else { "db.statement" }, None);
            event.record(&mut text);
            if let Some(text) = text.1 {
                let mut recorded = self.texts.lock().expect("statements lock");
                if notice {
                    recorded.notices.push(text);
                } else if !recorded.statements.contains(&text) {
                    recorded.statements.push(text);
                }
            }
        }
    }
}

/// One named field of an event, as text.
struct Field(&'static str, Option<String>);

impl tracing::field::Visit for Field {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == self.0 {
            self.1 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == self.0 && self.1.is_none() {
            self.1 = Some(format!("{value:?}"));
        }
    }
}

/// Runs `f` and answers its output with the number of statements run meanwhile.
pub async fn count<T>(f: impl Future<Output = T>) -> (T, usize) {
    let counter = &statements().count;
    let before = counter.load(Ordering::SeqCst);
    let out = f.await;
    (out, counter.load(Ordering::SeqCst) - before)
}

/// Runs `f` and answers its output with what every connection in this process (the
/// application's workers too) ran and was told meanwhile.
pub async fn record<T>(f: impl Future<Output = T>) -> (T, Recorded) {
    let s = statements();
    *s.texts.lock().expect("statements lock") = Recorded::default();
    s.recording.store(true, Ordering::SeqCst);
    let out = f.await;
    s.recording.store(false, Ordering::SeqCst);
    (out, std::mem::take(&mut *s.texts.lock().expect("statements lock")))
}
