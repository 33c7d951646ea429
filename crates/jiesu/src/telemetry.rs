//! Logging: a tracing subscriber writing to stdout, text for people or JSON for collectors.

use tracing_subscriber::EnvFilter;

use crate::settings::{Log, LogFormat};

/// Installs the subscriber once; `RUST_LOG` overrides the configured filter.
pub fn init(log: &Log) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&log.filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = match log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
