//! Logging: a tracing subscriber writing to stderr, text for people or JSON lines for collectors
//! (`log.format`). Standard output is kept for what a command answers (`api-key add` prints the
//! key there, to be captured by a script), so logs never mix into it.
//!
//! Text is coloured only when stderr is a terminal: `serve 2> serve.log`, a pipe into a collector
//! or journald get plain lines, without escape sequences.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::settings::{Log, LogFormat};

/// Installs the subscriber once; `RUST_LOG` overrides the configured filter.
pub fn init(log: &Log) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&log.filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(colours(log.format, std::io::stderr().is_terminal()));
    let _ = match log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Colour codes only for people at a terminal: never in JSON, never into a file or a pipe.
fn colours(format: LogFormat, terminal: bool) -> bool {
    format == LogFormat::Text && terminal
}
