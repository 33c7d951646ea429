//! Time at the precision every backend stores: microseconds. Reading the clock through here means
//! a value reads back from the database exactly as it was written.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, SubsecRound, TimeZone, Utc};

/// The district's civil time: China Standard Time, UTC+8. China has one time zone and no daylight
/// saving, so a fixed offset is exact; working days, office hours and rule hours are counted in it.
pub const LOCAL: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The instant a district-local date begins. The offset is fixed, so every local time is one
/// instant.
pub fn local_midnight(date: NaiveDate) -> DateTime<Utc> {
    LOCAL
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .expect("a fixed offset maps every local time to one instant")
        .with_timezone(&Utc)
}

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
