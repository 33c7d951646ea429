//! Waiting between tries, cut short by shutdown.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A wait that doubles after each failure, up to a ceiling, and starts over after a success.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// The longest wait between two tries while the database or the broker is unwell.
    pub const MAX: Duration = Duration::from_secs(5);

    pub fn new(first: Duration, max: Duration) -> Self {
        Self { first, max, next: first }
    }

    /// The back-off of an outage: 100 ms, doubling up to 5 s.
    pub fn outage() -> Self {
        Self::new(Duration::from_millis(100), Self::MAX)
    }

    /// The wait before the next try; the one after is twice as long.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        wait
    }

    /// After a success: the next failure waits the shortest time again.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// Sleeps for `wait` unless `shutdown` comes first. Returns false if it did.
pub async fn pause(shutdown: &CancellationToken, wait: Duration) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => false,
        () = tokio::time::sleep(wait) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_its_ceiling_and_starts_over_after_a_success() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(5));
        let waits: Vec<u64> = (0..6).map(|_| b.next_wait().as_millis() as u64).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 5000, 5000]);
        b.reset();
        assert_eq!(b.next_wait(), Duration::from_millis(500));
    }
}
