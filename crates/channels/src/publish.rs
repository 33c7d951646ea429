//! The one way a channel hands new requests over: as `new_request` messages on the intake queue,
//! confirmed before the citizen is told "received". The id of the HTTP request that brought them
//! in (`x-request-id`, set by the HTTP layer) rides along in the `request_id` header, so the
//! dispatcher's logs and the events it writes can be tied to it.
//!
//! What each channel accepted is counted here ([`received`], shown on `/metrics`) rather than
//! logged: a line per request at `info` cost about a tenth of intake's CPU under load, so the
//! per-request lines are at `debug`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::HeaderMap;
use jiesu_domain::messages::{INTAKE_QUEUE, NEW_REQUEST, encode_new_request};
use jiesu_domain::ports::queue::REQUEST_ID_HEADER;
use jiesu_domain::ports::{Message, Queue, QueueError};
use jiesu_domain::request::{Channel, NewRequest};

use crate::open311::REQUEST_ID;

/// Requests accepted per channel since the process started, in `Channel::ALL`'s order.
static RECEIVED: [AtomicU64; Channel::ALL.len()] = [const { AtomicU64::new(0) }; Channel::ALL.len()];

/// Requests each channel handed over (confirmed by the queue) since the process started.
pub fn received() -> Vec<(Channel, u64)> {
    Channel::ALL.iter().zip(&RECEIVED).map(|(c, n)| (*c, n.load(Ordering::Relaxed))).collect()
}

fn count(channel: Channel) {
    if let Some(i) = Channel::ALL.iter().position(|c| *c == channel) {
        RECEIVED[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// A publisher to the intake queue, for one HTTP request or for none (an import).
#[derive(Debug)]
pub struct Intake<'q, Q> {
    queue: &'q Q,
    request_id: Option<String>,
}

impl<'q, Q: Queue> Intake<'q, Q> {
    /// For requests no HTTP request brought in (the command-line import).
    pub fn new(queue: &'q Q) -> Self {
        Self { queue, request_id: None }
    }

    /// For requests the HTTP request with these headers brought in.
    pub fn for_http(queue: &'q Q, headers: &HeaderMap) -> Self {
        let request_id = headers
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        Self { queue, request_id }
    }

    /// The message that carries `request` to the dispatcher.
    pub fn message(&self, request: &NewRequest) -> Message {
        let message = Message::new(request.id.as_uuid(), NEW_REQUEST, encode_new_request(request));
        match &self.request_id {
            Some(id) => message.with_header(REQUEST_ID_HEADER, id.as_str()),
            None => message,
        }
    }

    /// Sends the requests; returns once the queue confirmed every one of them.
    #[tracing::instrument(name = "intake.send", level = "debug", skip_all, fields(
        queue.name = INTAKE_QUEUE,
        batch.size = tracing::field::Empty,
        http.request_id = self.request_id.as_deref().unwrap_or_default(),
    ))]
    pub async fn send<'r>(
        &self,
        requests: impl IntoIterator<Item = &'r NewRequest>,
    ) -> Result<(), QueueError> {
        let (channels, messages): (Vec<Channel>, Vec<Message>) =
            requests.into_iter().map(|r| (r.channel, self.message(r))).unzip();
        tracing::Span::current().record("batch.size", messages.len());
        self.queue.send(INTAKE_QUEUE, &messages).await?;
        channels.into_iter().for_each(count);
        Ok(())
    }
}
