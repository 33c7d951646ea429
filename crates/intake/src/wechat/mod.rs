//! The WeChat official account channel.
pub mod crypto;
