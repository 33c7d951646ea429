//! Jiesu's binary as a library: settings, the wiring of adapters and roles, and the CLI.
//!
//! `App::build` opens the backends and binds the listener (port 0 in tests); `App::run_until`
//! runs until the given future completes, then shuts down gracefully. Tests start the real
//! application in-process this way.

mod answers;
pub mod app;
pub mod backends;
pub mod cli;
mod dead_letters;
pub mod dlq;
mod generate;
pub mod http;
mod import;
pub mod notify;
pub mod reload;
pub mod routes;
mod secret;
pub mod settings;
pub mod stats;
mod telemetry;
mod users;
mod webhooks;
mod wechat_photos;

pub use app::{App, Role, Roles, StartError};
pub use settings::Settings;
