//! Time at the precision every backend stores: microseconds. Reading the clock through here means
//! a value reads back from the database exactly as it was written.

use chrono::{DateTime, SubsecRound, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Truncates a time from elsewhere (a channel's own timestamp) to storage precision.
pub fn at_storage_precision(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_has_no_nanoseconds_beyond_microseconds() {
        assert_eq!(super::now().timestamp_subsec_nanos() % 1_000, 0);
    }
}
