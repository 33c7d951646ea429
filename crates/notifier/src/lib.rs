//! The notify role's first half (issue 16): every event that tells someone something becomes
//! notification rows, written in one commit per batch and unique per (event, audience,
//! channel), so a redelivered event adds nothing. Sending them, after commit, is the second
//! half (not built yet).

mod quiet;
mod recorder;

pub use quiet::QuietHours;
pub use recorder::{NOTIFY_QUEUE, Record, TOPICS, via_for};
