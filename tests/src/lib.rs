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
