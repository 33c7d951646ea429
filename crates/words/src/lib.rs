//! What people read, in Chinese (the default) and English: the display names of bureaus, areas,
//! channels and the like, and a request's history in words. The channels' pages and replies and
//! the staff API both speak through this crate, so a name is written once.

pub mod history;

pub use history::{Lang, bureau_name, describe, describe_in_full};
