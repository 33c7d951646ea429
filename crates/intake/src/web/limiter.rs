//! Slows down guessing on the tracking page: a tracking number that gets too many wrong digits is
//! locked for a while (the digits are only four). Per process, in memory: a restart forgets,
//! which costs an attacker little compared with 10,000 combinations at 5 per quarter hour.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Attempts {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Attempts {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    pub fn locked(&self, key: &str) -> bool {
        let Ok(mut map) = self.failures.lock() else { return false };
        map.retain(|_, (_, since)| since.elapsed() < self.window);
        map.get(key).is_some_and(|(n, _)| *n >= self.max_failures)
    }

    pub fn failed(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            let entry = map.entry(key.to_owned()).or_insert((0, Instant::now()));
            entry.0 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_locks_after_too_many_failures_and_unlocks_later() {
        let a = Attempts::new(3, Duration::from_millis(50));
        for _ in 0..3 {
            assert!(!a.locked("T"));
            a.failed("T");
        }
        assert!(a.locked("T"));
        assert!(!a.locked("U"), "per number");
        std::thread::sleep(Duration::from_millis(60));
        assert!(!a.locked("T"));
    }
}
