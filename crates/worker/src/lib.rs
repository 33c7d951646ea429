//! The consumer runtime: one loop for every role fed by a queue (the dispatcher, the escalation
//! consumer). A role is a [`Handler`]: it decodes messages and does their work in one commit; the
//! runtime takes batches, dead-letters what does not decode, acknowledges after the commit, waits
//! out outages of the database or the broker, and counts real attempts on the message itself.
//!
//! - **An outage is not an attempt.** While the handler says the store is unavailable, or its work
//!   failed and the store does not answer a ping, the messages are held in hand and retried with
//!   back-off; nothing is acknowledged, so nothing is lost if the process dies meanwhile.
//! - **A batch that fails for another reason** is retried message by message, so one bad message
//!   cannot hold back the others.
//! - **Attempts live on the message** ([`ATTEMPTS_HEADER`]): a message that failed against a healthy
//!   store is put back on its queue with the count incremented (a confirmed copy, then the
//!   original acknowledged), after a wait that doubles with each attempt. The count survives a
//!   restart and is the same whichever worker takes the message next. At `max_attempts` the message
//!   is dead-lettered with its cause. A dead letter is a message, never a casualty of an outage.
//! - **Poison** (undecodable, or the handler says it can never succeed) is dead-lettered at once.
//!
//! The outbox relay is a loop over a table, not a consumer: it shares only [`Backoff`] and
//! [`pause`].

mod backoff;
mod runtime;

pub use backoff::{Backoff, pause};
pub use jiesu_domain::ports::queue::ATTEMPTS_HEADER;
pub use runtime::{Failure, Handler, Worker, WorkerSettings, attempts};
