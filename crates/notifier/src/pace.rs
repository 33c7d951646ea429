//! A gateway's rate limit, kept by spacing the calls evenly: each caller is given the next free
//! slot and waits for it, so bursts are smoothed rather than refused.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct Pace {
    every: Duration,
    next: Mutex<Instant>,
}

impl Pace {
    /// At most `per_second` calls a second.
    pub fn new(per_second: u32) -> Self {
        let every = Duration::from_secs(1) / per_second.max(1);
        Self { every, next: Mutex::new(Instant::now()) }
    }

    /// Waits for this caller's slot.
    pub async fn wait(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let at = (*next).max(Instant::now());
            *next = at + self.every;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn calls_are_spaced_to_the_rate() {
        let pace = Pace::new(10);
        let start = Instant::now();
        for _ in 0..21 {
            pace.wait().await;
        }
        // The first goes at once; twenty more at 100 ms apart.
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
}
