//! Slows down guessing on the tracking page, where a tracking number and the last four digits of
//! a phone number show a request: a key that collects too many failures in a window is refused
//! until the window ends. Two keys per attempt: the tracking number (many addresses guessing one
//! number) and the client's address (one address guessing over many numbers); an IPv6 address
//! counts by its /64, which one subscriber usually holds whole.
//!
//! The counts live in a bounded, expiring, concurrent cache (`moka`), not a map scanned under one
//! lock: the old limiter fell from 7,413 to 354 checks per second at 100,000 entries and grew
//! without bound under guessing (issue 11, item 6). `moka` admits by frequency (TinyLFU), so a
//! flood of one-off keys does not push out the counts of a number being guessed at.
//!
//! Where several intake processes serve (PostgreSQL), the counts are also kept in the store
//! (`ChannelSessions::count_attempt`, one atomic statement per failure, keys hashed, fixed
//! windows) and read before each check; the cache stays in front, so a key already refused here
//! costs the database nothing.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{AttemptKey, ChannelSessions};
use moka::sync::Cache;
use sha2::{Digest, Sha256};

/// How many failures a key may collect in a window, and how many keys are remembered.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    pub per_number: u32,
    pub per_address: u32,
    pub window: Duration,
    /// Keys kept in memory at most: beyond it the least used are forgotten.
    pub capacity: u64,
}

impl Default for AttemptLimits {
    fn default() -> Self {
        Self { per_number: 5, per_address: 20, window: Duration::from_secs(15 * 60), capacity: 100_000 }
    }
}

/// The keys one attempt is counted against.
#[derive(Debug, Clone, Copy)]
pub struct Keys {
    number: AttemptKey,
    address: Option<AttemptKey>,
}

impl Keys {
    /// `client` is `None` when the address is not known (then only the number counts).
    pub fn new(number: &TrackingNumber, client: Option<IpAddr>) -> Self {
        Self { number: hashed(b"number", number.as_str().as_bytes()), address: client.map(address_key) }
    }
}

/// Who is asking, for counting their failures: the peer's address, or, when the peer is a reverse
/// proxy on this host (loopback), the address it appended to `X-Forwarded-For`. A proxy elsewhere
/// is not trusted: a client could name any address there.
pub fn client_address(peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    let peer = peer?.ip();
    if !peer.is_loopback() {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .next_back();
    Some(forwarded.unwrap_or(peer))
}

fn address_key(ip: IpAddr) -> AttemptKey {
    match ip {
        IpAddr::V4(v4) => hashed(b"ipv4", &v4.octets()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => hashed(b"ipv4", &v4.octets()),
            None => hashed(b"ipv6/64", &v6.octets()[..8]),
        },
    }
}

fn hashed(kind: &[u8], value: &[u8]) -> AttemptKey {
    let mut h = Sha256::new();
    h.update(b"jiesu tracking attempts\0");
    h.update(kind);
    h.update([0]);
    h.update(value);
    AttemptKey::from_bytes(h.finalize().into())
}

#[derive(Debug)]
pub struct Attempts {
    limits: AttemptLimits,
    counts: Cache<AttemptKey, Arc<AtomicU32>>,
    shared: bool,
}

impl Attempts {
    /// Counts in this process only.
    pub fn new(limits: AttemptLimits) -> Self {
        let counts = Cache::builder().max_capacity(limits.capacity).time_to_live(limits.window).build();
        Self { limits, counts, shared: false }
    }

    /// Counts in the store too, for several intake processes to share.
    pub fn shared(limits: AttemptLimits) -> Self {
        Self { shared: true, ..Self::new(limits) }
    }

    pub fn limits(&self) -> AttemptLimits {
        self.limits
    }

    /// Whether either key has used up its failures, as this process knows.
    pub fn locked_here(&self, keys: &Keys) -> bool {
        self.over(&keys.number, self.limits.per_number)
            || keys.address.is_some_and(|a| self.over(&a, self.limits.per_address))
    }

    /// Counts a failure against both keys in this process.
    pub fn failed_here(&self, keys: &Keys) {
        for key in self.keys(keys) {
            self.count(&key).fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether this attempt must be refused: as this process knows, else (shared) as the store
    /// knows. A store that does not answer refuses nothing: the lookup that follows will fail too.
    pub async fn locked<S: ChannelSessions>(&self, store: &S, keys: &Keys) -> bool {
        if self.locked_here(keys) {
            return true;
        }
        if !self.shared {
            return false;
        }
        let window = self.window_start(jiesu_domain::time::now());
        for (key, limit) in self.keys_with_limits(keys) {
            match store.attempts(&key, window).await {
                Ok(n) if n >= limit => {
                    // Remembered here, so the next attempts do not ask the store again.
                    self.count(&key).fetch_max(n, Ordering::Relaxed);
                    return true;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read tracking attempts"),
            }
        }
        false
    }

    /// Counts a failure against both keys (in the store too, when shared).
    pub async fn failed<S: ChannelSessions>(&self, store: &S, keys: &Keys) {
        if !self.shared {
            self.failed_here(keys);
            return;
        }
        let window = self.window_start(jiesu_domain::time::now());
        for key in self.keys(keys) {
            let here = self.count(&key);
            match store.count_attempt(&key, window).await {
                Ok(n) => here.fetch_max(n, Ordering::Relaxed),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot count a tracking attempt in the store");
                    here.fetch_add(1, Ordering::Relaxed)
                }
            };
        }
    }

    /// How many keys are held in memory now (after the cache's pending evictions).
    pub fn remembered(&self) -> u64 {
        self.counts.run_pending_tasks();
        self.counts.entry_count()
    }

    fn over(&self, key: &AttemptKey, limit: u32) -> bool {
        self.counts.get(key).is_some_and(|n| n.load(Ordering::Relaxed) >= limit)
    }

    fn count(&self, key: &AttemptKey) -> Arc<AtomicU32> {
        self.counts.get_with(*key, || Arc::new(AtomicU32::new(0)))
    }

    fn keys(&self, keys: &Keys) -> impl Iterator<Item = AttemptKey> {
        std::iter::once(keys.number).chain(keys.address)
    }

    fn keys_with_limits(&self, keys: &Keys) -> impl Iterator<Item = (AttemptKey, u32)> {
        std::iter::once((keys.number, self.limits.per_number))
            .chain(keys.address.map(|a| (a, self.limits.per_address)))
    }

    /// The start of the fixed window `now` falls in, the same on every process.
    fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let secs = i64::try_from(self.limits.window.as_secs().max(1)).unwrap_or(i64::MAX);
        DateTime::from_timestamp(now.timestamp().div_euclid(secs) * secs, 0).unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn number(i: u64) -> TrackingNumber {
        TrackingNumber::for_key(&jiesu_domain::secret::test_key(), "web", "limiter test", &i.to_string())
    }

    fn limits(window: Duration) -> AttemptLimits {
        AttemptLimits { per_number: 3, per_address: 5, window, capacity: 1_000 }
    }

    #[test]
    fn a_number_locks_after_too_many_failures_and_unlocks_later() {
        let a = Attempts::new(limits(Duration::from_millis(200)));
        let keys = Keys::new(&number(1), None);
        for _ in 0..3 {
            assert!(!a.locked_here(&keys));
            a.failed_here(&keys);
        }
        assert!(a.locked_here(&keys));
        assert!(!a.locked_here(&Keys::new(&number(2), None)), "per number");
        std::thread::sleep(Duration::from_millis(300));
        assert!(!a.locked_here(&keys));
    }

    #[test]
    fn one_address_guessing_over_many_numbers_is_refused_for_every_number() {
        let a = Attempts::new(limits(Duration::from_secs(60)));
        let guesser = Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)));
        for i in 0..5 {
            let keys = Keys::new(&number(i), guesser);
            assert!(!a.locked_here(&keys), "attempt {i}");
            a.failed_here(&keys);
        }
        assert!(a.locked_here(&Keys::new(&number(99), guesser)), "a number never tried");
        let neighbour = Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10)));
        assert!(!a.locked_here(&Keys::new(&number(99), neighbour)), "another address");
    }

    #[test]
    fn only_a_proxy_on_this_host_may_name_the_client() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.1, 203.0.113.7".parse().expect("header"));
        let proxy: SocketAddr = "127.0.0.1:40000".parse().expect("address");
        let remote: SocketAddr = "192.0.2.5:40000".parse().expect("address");
        assert_eq!(
            client_address(Some(proxy), &headers),
            "203.0.113.7".parse().ok(),
            "the proxy's own entry"
        );
        assert_eq!(client_address(Some(remote), &headers), Some(remote.ip()), "not a proxy of ours");
        assert_eq!(client_address(Some(proxy), &HeaderMap::new()), Some(proxy.ip()));
        assert_eq!(client_address(None, &headers), None);
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("address");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("address");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
    }

    #[test]
    fn the_table_stays_bounded_after_100000_distinct_guesses() {
        let a = Attempts::new(AttemptLimits { capacity: 10_000, ..limits(Duration::from_secs(600)) });
        for i in 0..100_000u32 {
            let ip = IpAddr::V4(Ipv4Addr::from(i.wrapping_mul(2_654_435_761)));
            a.failed_here(&Keys::new(&number(u64::from(i)), Some(ip)));
        }
        let kept = a.remembered();
        assert!(kept <= 10_000, "{kept} keys kept");
    }

    #[test]
    fn windows_are_aligned_the_same_on_every_process() {
        let a = Attempts::new(limits(Duration::from_secs(900)));
        let t = DateTime::from_timestamp(1_764_990_123, 456).expect("time");
        let w = a.window_start(t);
        assert_eq!(w.timestamp() % 900, 0);
        assert!(w <= t && t - w < chrono::Duration::seconds(900));
    }
}
