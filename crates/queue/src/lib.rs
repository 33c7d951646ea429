//! The queue port's two adapters.
//!
//! - [`AmqpQueue`]: RabbitMQ through lapin, for deployments at scale. Durable queues, persistent
//!   messages, publisher confirms, manual acks, bounded prefetch, a dead-letter exchange, and
//!   reconnection when the broker goes away.
//! - [`LocalQueue`]: a durable queue in the embedded SQLite database, so the embedded default
//!   needs no broker. Same semantics: a message is accepted once its transaction commits,
//!   delivered under a lease, redelivered if its consumer dies, dead-lettered on request.
//!
//! Both pass the same contract suite (`jiesu_testkit::queue_contract!`).

pub mod amqp;
pub mod local;

pub use amqp::{AmqpQueue, AmqpSettings};
pub use local::{LocalQueue, LocalSettings};
