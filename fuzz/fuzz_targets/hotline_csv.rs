//! Any bytes as a hotline export: decoding, CSV reading and each row's conversion must never panic.
#![no_main]

use std::sync::OnceLock;

use jiesu_domain::district::District;
use jiesu_channels::hotline::csv::read;
use libfuzzer_sys::fuzz_target;

fn district() -> &'static District {
    static D: OnceLock<District> = OnceLock::new();
    D.get_or_init(|| jiesu_district::load(&jiesu_district::sample_sources()).expect("the sample district"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = read(data) {
        for row in rows {
            if let Ok(order) = row.order {
                let _ = order.into_request(&jiesu_domain::secret::test_key(), district(), chrono::Utc::now());
            }
        }
    }
});
