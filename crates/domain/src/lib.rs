//! The Jiesu domain: what a citizen's request is, who may handle it, how it moves through its
//! lifecycle, and the ports (traits) that storage and queue adapters implement.
//!
//! Nothing here performs IO: no database, broker, network or file access. Adapters live in their
//! own crates and convert their wire formats into these types at the edge ("parse, don't validate").

pub mod admission;
pub mod api_client;
pub mod area;
mod area_index;
pub mod bureau;
pub mod calendar;
pub mod category;
pub mod codes;
pub mod contact;
pub mod deadline;
pub mod district;
pub mod escalation;
pub mod event;
pub mod geo;
pub mod ids;
pub mod live_district;
pub mod messages;
pub mod note;
pub mod ports;
pub mod records;
pub mod request;
pub mod request_status;
pub mod routing;
pub mod secret;
pub mod sla;
pub mod staff;
pub mod task;
pub mod text;
pub mod time;
pub mod trigger;
pub mod workflow;

pub use text::ValidationError;
