//! Login throttles, checked before any password is hashed: one per client address (an IPv4
//! address or an IPv6 /64) and one per username typed. The address throttle stops one client
//! guessing, or flooding the server with logins for made-up names; the username throttle stops
//! many addresses guessing one account together.
//!
//! Each is a keyed GCRA limiter from `governor` (burst = the per-minute quota, refilled evenly over
//! the minute). Its state is one small entry per key; entries that have refilled completely carry
//! no information and are dropped by a sweep at most every `SWEEP_EVERY`, so the tables stay
//! bounded by the keys seen in about the last minute. Usernames are keyed by a 64-bit keyed hash,
//! so a long made-up name costs no more memory than a short one.
//!
//! The username quota should stay above the address quota: then one address alone can never
//! exhaust it and throttle the account's owner; only a crowd of addresses can, and only while it
//! keeps going (a minute after it stops the owner is through again).

use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use jiesu_domain::ports::LoginClient;

/// How often the tables are swept of refilled entries.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// The two quotas, in login attempts per minute (0: that throttle is off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSettings {
    pub per_address_per_minute: u32,
    pub per_username_per_minute: u32,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self { per_address_per_minute: 10, per_username_per_minute: 30 }
    }
}

/// Which throttle refused an attempt, and when the next one would be let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    Address { retry_after: Duration },
    Username { retry_after: Duration },
}

impl Throttled {
    pub fn retry_after(self) -> Duration {
        match self {
            Self::Address { retry_after } | Self::Username { retry_after } => retry_after,
        }
    }
}

type Keyed<K, C> = RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Both throttles. Shared by every login of the process.
pub struct LoginThrottle<C: Clock + Clone = DefaultClock> {
    by_address: Option<Keyed<LoginClient, C>>,
    by_username: Option<Keyed<u64, C>>,
    names: RandomState,
    clock: C,
    last_sweep: Mutex<Instant>,
}

impl LoginThrottle {
    pub fn new(settings: ThrottleSettings) -> Self {
        Self::with_clock(settings, DefaultClock::default())
    }
}

impl<C: Clock + Clone> LoginThrottle<C> {
    /// As `new`, on another clock (tests move a fake one).
    pub fn with_clock(settings: ThrottleSettings, clock: C) -> Self {
        let quota = |per_minute: u32| NonZeroU32::new(per_minute).map(Quota::per_minute);
        Self {
            by_address: quota(settings.per_address_per_minute)
                .map(|q| RateLimiter::new(q, DefaultKeyedStateStore::default(), clock.clone())),
            by_username: quota(settings.per_username_per_minute)
                .map(|q| RateLimiter::new(q, DefaultKeyedStateStore::default(), clock.clone())),
            names: RandomState::new(),
            clock,
            last_sweep: Mutex::new(Instant::now()),
        }
    }

    /// Counts one login attempt from `client` for `username`, or says which throttle refuses it.
    /// The address is asked first: an address already refused does not use up the username's
    /// quota (so a single stranger cannot spend the owner's).
    pub fn check(&self, client: LoginClient, username: &str) -> Result<(), Throttled> {
        self.sweep_now_and_then();
        if let Some(limiter) = &self.by_address {
            limiter.check_key(&client).map_err(|not_until| Throttled::Address {
                retry_after: not_until.wait_time_from(self.clock.now()),
            })?;
        }
        if let Some(limiter) = &self.by_username {
            let key = self.names.hash_one(username.to_lowercase());
            limiter.check_key(&key).map_err(|not_until| Throttled::Username {
                retry_after: not_until.wait_time_from(self.clock.now()),
            })?;
        }
        Ok(())
    }

    /// Entries held (addresses, usernames).
    pub fn len(&self) -> (usize, usize) {
        (
            self.by_address.as_ref().map_or(0, RateLimiter::len),
            self.by_username.as_ref().map_or(0, RateLimiter::len),
        )
    }

    /// Drops refilled entries now.
    pub fn sweep(&self) {
        if let Some(l) = &self.by_address {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.by_username {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// Sweeps when the last sweep is `SWEEP_EVERY` old; one caller does it, the others go on.
    fn sweep_now_and_then(&self) {
        let Ok(mut last) = self.last_sweep.try_lock() else { return };
        if last.elapsed() >= SWEEP_EVERY {
            *last = Instant::now();
            drop(last);
            self.sweep();
        }
    }
}

impl<C: Clock + Clone> std::fmt::Debug for LoginThrottle<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (addresses, usernames) = self.len();
        f.debug_struct("LoginThrottle").field("addresses", &addresses).field("usernames", &usernames).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use governor::clock::FakeRelativeClock;

    use super::*;

    fn client(last: u8) -> LoginClient {
        LoginClient::from_ip(IpAddr::from([198, 51, 100, last]))
    }

    fn throttle(
        per_address: u32,
        per_username: u32,
    ) -> (LoginThrottle<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let settings =
            ThrottleSettings { per_address_per_minute: per_address, per_username_per_minute: per_username };
        (LoginThrottle::with_clock(settings, clock.clone()), clock)
    }

    #[test]
    fn an_address_that_floods_is_refused_and_let_through_again_as_its_quota_refills() {
        let (t, clock) = throttle(10, 1000);
        for n in 0..10 {
            assert_eq!(t.check(client(1), &format!("made.up.{n}")), Ok(()), "the burst: {n}");
        }
        let refused = t.check(client(1), "made.up.10").expect_err("the 11th in a minute");
        assert!(matches!(refused, Throttled::Address { .. }), "{refused:?}");
        assert_eq!(refused.retry_after(), Duration::from_secs(6), "one attempt per 6 s refills");
        assert_eq!(t.check(client(2), "made.up.10"), Ok(()), "another address is not affected");
        clock.advance(Duration::from_secs(6));
        assert_eq!(t.check(client(1), "made.up.11"), Ok(()));
    }

    #[test]
    fn many_addresses_on_one_username_are_refused_by_the_username_quota_with_any_capitals() {
        let (t, _clock) = throttle(10, 30);
        for n in 0..30 {
            assert_eq!(t.check(client(n), "li.lei"), Ok(()), "{n}");
        }
        let refused = t.check(client(99), "Li.Lei").expect_err("the 31st on that name");
        assert!(matches!(refused, Throttled::Username { .. }), "{refused:?}");
        assert_eq!(t.check(client(99), "han.meimei"), Ok(()), "other names are not affected");
    }

    #[test]
    fn one_address_alone_cannot_use_up_a_username_s_quota() {
        let (t, _clock) = throttle(10, 30);
        for _ in 0..100 {
            let _ = t.check(client(66), "li.lei");
        }
        assert_eq!(t.check(client(7), "li.lei"), Ok(()), "the owner, from elsewhere, is let through");
    }

    #[test]
    fn the_tables_forget_keys_once_their_quota_has_refilled() {
        let (t, clock) = throttle(10, 30);
        for n in 0..=255u8 {
            let _ = t.check(client(n), &format!("guess.{n}"));
        }
        assert_eq!(t.len(), (256, 256));
        // One attempt each: refilled after 6 s (10 a minute) and 2 s (30 a minute); governor
        // drops an entry one refill interval after that.
        clock.advance(Duration::from_secs(1));
        t.sweep();
        assert_eq!(t.len(), (256, 256), "a second on, they still count");
        clock.advance(Duration::from_secs(12));
        t.sweep();
        assert_eq!(t.len(), (0, 0), "refilled: nothing is left to remember");
    }

    #[test]
    fn a_quota_of_zero_turns_that_throttle_off() {
        let (t, _clock) = throttle(0, 0);
        for n in 0..1000 {
            assert_eq!(t.check(client(1), "li.lei"), Ok(()), "{n}");
        }
        assert_eq!(t.len(), (0, 0));
    }
}
