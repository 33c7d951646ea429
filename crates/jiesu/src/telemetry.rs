//! Logging: a tracing subscriber writing to stderr, text for people or JSON for collectors.
//! Standard output is kept for what a command answers (`api-key add` prints the key there, to be
//! captured by a script), so logs never mix into it.

use tracing_subscriber::EnvFilter;

use crate::settings::{Log, LogFormat};

/// Installs the subscriber once; `RUST_LOG` overrides the configured filter.
pub fn init(log: &Log) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&log.filter));
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr);
    let _ = match log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
