//! The tracking page's limiter shared through the store, as two intake processes share it: each
//! has its own in-memory counts, and the store's counts hold across them. On both backends.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use jiesu_channels::web::{AttemptLimits, Attempts, Keys};
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::ChannelSessions;

fn limits() -> AttemptLimits {
    AttemptLimits { per_number: 5, per_address: 8, window: Duration::from_secs(600), capacity: 1_000 }
}

fn number(i: u32) -> TrackingNumber {
    TrackingNumber::for_key(&jiesu_domain::secret::test_key(), "web", "shared limiter test", &i.to_string())
}

fn client(last: u8) -> Option<IpAddr> {
    Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, last)))
}

async fn a_number_locked_on_one_process_is_locked_on_another(store: impl ChannelSessions) {
    let (first, second) = (Attempts::shared(limits()), Attempts::shared(limits()));
    // Failures spread over both processes and over addresses: the number's count is one.
    for i in 0..5u8 {
        let (here, there) = if i % 2 == 0 { (&first, &second) } else { (&second, &first) };
        let keys = Keys::new(&number(1), client(i));
        assert!(!here.locked(&store, &keys).await, "failure {i} is allowed");
        here.failed(&store, &keys).await;
        assert!(!there.locked_here(&keys), "the other process has not counted it itself");
    }
    let fresh_address = Keys::new(&number(1), client(200));
    assert!(first.locked(&store, &fresh_address).await);
    assert!(second.locked(&store, &fresh_address).await);
    let third = Attempts::shared(limits());
    assert!(third.locked(&store, &fresh_address).await, "a process started since");
    assert!(!third.locked(&store, &Keys::new(&number(2), client(200))).await, "another number is open");
}

async fn one_address_flooding_two_processes_is_refused_for_every_number(store: impl ChannelSessions) {
    let (first, second) = (Attempts::shared(limits()), Attempts::shared(limits()));
    for i in 0..8 {
        let here = if i % 2 == 0 { &first } else { &second };
        let keys = Keys::new(&number(100 + i), client(7));
        assert!(!here.locked(&store, &keys).await, "failure {i} is allowed");
        here.failed(&store, &keys).await;
    }
    for process in [&first, &second] {
        assert!(process.locked(&store, &Keys::new(&number(999), client(7))).await, "a number never tried");
        assert!(!process.locked(&store, &Keys::new(&number(999), client(8))).await, "another address");
    }
}

macro_rules! on {
    ($backend:ident, $factory:path) => {
        mod $backend {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_number_locked_on_one_process_is_locked_on_another() {
                let (store, _guard) = $factory().await;
                super::a_number_locked_on_one_process_is_locked_on_another(store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn one_address_flooding_two_processes_is_refused_for_every_number() {
                let (store, _guard) = $factory().await;
                super::one_address_flooding_two_processes_is_refused_for_every_number(store).await;
            }
        }
    };
}

on!(sqlite, jiesu_testkit::sqlite_store);
on!(postgres, jiesu_testkit::pg_store);
