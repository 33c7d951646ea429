//! Staff sign-in, one concern: passwords (argon2id, `password`), session tokens (random, stored
//! as SHA-256, `token`) and the login service with its lockout (`service`), generic over the
//! domain's `Accounts` port so it runs on either database.
//!
//! Neither passwords nor tokens are ever logged: their types hide them from `Debug` and have no
//! `Display`.

pub mod password;
mod service;
pub mod token;

#[cfg(test)]
mod service_tests;

pub use password::{Password, WeakPassword};
pub use service::{AccountError, Auth, AuthSettings, LoginError, Session, SessionError};
pub use token::SessionToken;
