//! Staff sign-in, one concern: passwords (argon2id, `password`), session tokens (random, stored
//! as SHA-256, `token`) and the login service with its lockout per account and client address
//! (`service`), generic over the domain's `Accounts` port so it runs on either database; the
//! throttles asked before any hash (`throttle`), and the gate that bounds the hashing
//! (`password::HashGate`).
//!
//! Neither passwords nor tokens are ever logged: their types hide them from `Debug` and have no
//! `Display`.

mod admin;
pub mod password;
mod service;
pub mod throttle;
pub mod token;

#[cfg(test)]
mod service_tests;

pub use admin::{AccountChange, By, describe};
pub use password::{HashGate, Password, WeakPassword};
pub use service::{AccountError, Auth, AuthSettings, LoginError, Session, SessionError};
pub use throttle::{LoginThrottle, ThrottleSettings, Throttled};
pub use token::SessionToken;
