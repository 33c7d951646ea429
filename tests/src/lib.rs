//! Helpers for end-to-end tests: a backend (fresh SQLite file, or fresh PostgreSQL database and
//! RabbitMQ prefix), the application started on it in-process or as a process, and an Open311
//! client.

pub mod backend;
pub mod browser;
pub mod client;
pub mod peers;
pub mod process;
pub mod staff;
pub mod wechat;

pub use backend::Backend;
pub use client::Open311Client;

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
