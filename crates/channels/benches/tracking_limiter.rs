//! The tracking page's limiter under guessing: checks per second (a lock check, then a failure
//! counted, as for a wrong guess) when it holds 100 keys and when it holds 100,000, and the
//! ratio of the two. The limiter it replaced (a map scanned whole under one lock at every check)
//! is timed the same way, in the same run, for comparison: issue 11 measured it falling from
//! 7,413 to 354 requests per second over HTTP.
//!
//! `cargo bench -p jiesu-channels --bench tracking_limiter`

// A benchmark reports on stdout.
#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiesu_channels::web::{AttemptLimits, Attempts, Keys};
use jiesu_domain::ids::TrackingNumber;

const CHECKS: usize = 200_000;

fn numbers(n: usize) -> Vec<TrackingNumber> {
    (0..n)
        .map(|i| TrackingNumber::for_key(&jiesu_domain::secret::test_key(), "web", "bench", &i.to_string()))
        .collect()
}

fn address(i: usize) -> Option<IpAddr> {
    let i = u32::try_from(i % 100).unwrap_or(0);
    Some(IpAddr::V4(Ipv4Addr::from(i.wrapping_mul(2_654_435_761))))
}

/// Checks per second with `keys` distinct numbers already counted, guessed from 100 addresses.
fn new_limiter(keys: &[TrackingNumber]) -> f64 {
    let limits = AttemptLimits { per_number: u32::MAX, per_address: u32::MAX, ..AttemptLimits::default() };
    let a = Attempts::new(limits);
    for (i, n) in keys.iter().enumerate() {
        a.failed_here(&Keys::new(n, address(i)));
    }
    let started = Instant::now();
    for i in 0..CHECKS {
        let k = i % keys.len();
        let keys = Keys::new(&keys[k], address(k));
        black_box(a.locked_here(&keys));
        a.failed_here(&keys);
    }
    CHECKS as f64 / started.elapsed().as_secs_f64()
}

/// The limiter this one replaced, as it was.
struct Old {
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Old {
    fn locked(&self, key: &str) -> bool {
        let Ok(mut map) = self.failures.lock() else { return false };
        map.retain(|_, (_, since)| since.elapsed() < self.window);
        map.get(key).is_some_and(|(n, _)| *n >= 5)
    }

    fn failed(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.entry(key.to_owned()).or_insert((0, Instant::now())).0 += 1;
        }
    }
}

fn old_limiter(keys: &[TrackingNumber], checks: usize) -> f64 {
    let old = Old { window: Duration::from_secs(900), failures: Mutex::new(HashMap::new()) };
    for n in keys {
        old.failed(n.as_str());
    }
    let started = Instant::now();
    for i in 0..checks {
        let n = &keys[i % keys.len()];
        black_box(old.locked(n.as_str()));
        old.failed(n.as_str());
    }
    checks as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let (few, many) = (numbers(100), numbers(100_000));
    let (small, large) = (new_limiter(&few), new_limiter(&many));
    println!("limiter (moka, number + address keys), {CHECKS} checks each:");
    println!("  100 keys:     {small:>12.0} checks/s");
    println!("  100,000 keys: {large:>12.0} checks/s");
    println!("  ratio 100,000 / 100: {:.2}", large / small);
    // The old one scans every key at every check: fewer checks, or it would take minutes.
    let (old_small, old_large) = (old_limiter(&few, CHECKS), old_limiter(&many, 2_000));
    println!("the old limiter (HashMap scanned under a Mutex):");
    println!("  100 keys:     {old_small:>12.0} checks/s");
    println!("  100,000 keys: {old_large:>12.0} checks/s");
    println!("  ratio 100,000 / 100: {:.4}", old_large / old_small);
}
