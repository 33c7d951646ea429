//! Intake adapters. Each channel speaks its own protocol exactly and ends in the same place: a
//! validated `NewRequest` on the intake queue, confirmed by the queue before the citizen is told
//! it was received.
//!
//! - `open311`: GeoReport v2 (`/open311/v2/...`), for client applications with an API key.
//! - `web`: the citizens' form (`/`) and tracking page (`/track`), with photo uploads.
//! - `wechat`: the WeChat official account (`/wechat`).
//! - `hotline`: the 12345 call centre's work orders (`/hotline/v1/work-orders`, CSV exports).

pub mod api_keys;
pub mod hotline;
pub mod open311;
pub mod publish;
pub mod web;
pub mod wechat;

pub use api_keys::ApiKeys;
// The channels give out addresses made the way photos' are.
pub use jiesu_media::base_url;
