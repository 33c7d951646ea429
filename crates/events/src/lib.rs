//! What happened to a request: the events every state change appends (the history citizens and
//! staff read, and the outbox the relay publishes), and the formats of the queue messages. Built on
//! the model, the calendar and the routing (an event records a routing and its reasons); the
//! decisions build on it. No IO.

pub mod event;
pub mod messages;
pub mod trigger;
