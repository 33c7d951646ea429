//! Jiesu's vocabulary as types, the bottom layer of the domain: validated newtypes (phone numbers,
//! tracking numbers, codes), ids, areas and their R-tree, bureaus, the taxonomy, requests and tasks
//! with their lifecycles as transition tables, staff identity, and what people say about a request
//! (notes, disclaim reasons, satisfaction). Every other domain crate builds on it; it depends on
//! none of them.
//!
//! Nothing here performs IO: no database, broker, network or file access. Adapters live in their
//! own crates and convert their wire formats into these types at the edge ("parse, don't validate").

pub mod api_client;
pub mod area;
mod area_index;
pub mod audit;
pub mod bureau;
pub mod category;
pub mod codes;
pub mod contact;
pub mod exemption;
pub mod geo;
pub mod ids;
pub mod note;
pub mod notice;
pub mod records;
pub mod request;
pub mod request_status;
pub mod secret;
pub mod staff;
pub mod task;
pub mod text;
pub mod time;
pub mod webhook;

pub use text::ValidationError;
