//! The staff's HTTP API and the server's own routes: `/healthz`, `/readyz` and `/metrics` (`ops`),
//! the JSON error type, staff sign-in (`auth`: login, logout, me) and the staff's work (`work`).
//! Any route takes the signed-in staff member with the `staff::Staff` extractor (or `DistrictWide`
//! / `Supervising`, which also check the role) and checks other roles with `Staff::require`. The
//! staff API's OpenAPI document is generated from the handlers and their body types
//! (`work::openapi`). The staff's pages (`pages`, under `/staff`) render the same handlers' views
//! as HTML.
//!
//! This crate builds its own routers; which are mounted, beside the channels' (`jiesu_channels`)
//! and the photos (`jiesu_media`), and the middleware in front of them are the binary's
//! (`jiesu::routes`).

pub mod auth;
pub mod client;
mod error;
pub mod ops;
pub mod pages;
pub mod staff;
pub mod work;

pub use error::ApiError;
pub use staff::{Authenticator, DistrictWide, InScope, Staff, Supervising, require_role};
