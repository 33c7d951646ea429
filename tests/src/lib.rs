//! Helpers for end-to-end tests: a backend (fresh SQLite file, or fresh PostgreSQL database and
//! RabbitMQ prefix), the application started on it in-process or as a process, and an Open311
//! client.

pub mod backend;
pub mod browser;
pub mod chaos;
pub mod citizen;
pub mod client;
pub mod lifecycle;
pub mod pages;
pub mod peers;
pub mod process;
pub mod proxy;
pub mod rules;
pub mod staff;
pub mod wechat;

pub use backend::Backend;
pub use client::Open311Client;

/// Copies the sample district's folder (`config/`, without the settings) to `to`, for tests that
/// edit a district's files while the application runs.
pub fn copy_sample_district(to: &std::path::Path) {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    for sub in ["", "areas", "rules", "calendar"] {
        std::fs::create_dir_all(to.join(sub)).expect("mkdir");
        for e in std::fs::read_dir(from.join(sub)).expect("read config").flatten() {
            let p = e.path();
            if p.is_file() && p.file_name().is_some_and(|n| n != "default.toml") {
                std::fs::copy(&p, to.join(sub).join(e.file_name())).expect("copy");
            }
        }
    }
}

/// Runs each named `async fn case(backend: Backend)` on both backends, as `embedded::case` and
/// `at_scale::case`.
#[macro_export]
macro_rules! e2e_on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::$case($crate::Backend::embedded().await).await;
                }
            )*
        }
        mod at_scale {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::$case($crate::Backend::at_scale().await).await;
                }
            )*
        }
    };
}

/// Waits until `seen()` holds `n` items (failing after `patience` with them shown), then two
/// seconds more, so that one too many would show; answers what it holds then. For the fake
/// gateways' counts: the SMS, cards, calls and mails a test expects.
pub async fn arrived<T: std::fmt::Debug>(
    n: usize,
    patience: std::time::Duration,
    seen: impl Fn() -> Vec<T>,
) -> Vec<T> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let now = seen();
        if now.len() >= n {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{} of {n} arrived: {now:?}", now.len());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    seen()
}
