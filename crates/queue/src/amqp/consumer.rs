//! Consuming from RabbitMQ: a channel per consumer with its prefetch, resubscribing with
//! backoff when the connection is lost, and deliveries acked, requeued or dead-lettered.

use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use jiesu_domain::ports::queue::{Consumer, Delivery, Message, QueueError, dead_letter_queue};
use lapin::Channel;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use uuid::Uuid;

use super::{AmqpQueue, unavailable};

pub(super) fn message(d: &lapin::message::Delivery) -> Message {
    let p = &d.properties;
    let text = |s: &Option<ShortString>| s.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_default();
    let headers = p
        .headers()
        .as_ref()
        .map(|h| {
            h.inner()
                .iter()
                .filter_map(|(k, v)| match v {
                    AMQPValue::LongString(s) => {
                        Some((k.to_string(), String::from_utf8_lossy(s.as_bytes()).into_owned()))
                    }
                    AMQPValue::ShortString(s) => Some((k.to_string(), s.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Message {
        // A message published by something else may carry no id; the consumer decides what to do.
        id: Uuid::parse_str(&text(p.message_id())).unwrap_or(Uuid::nil()),
        kind: text(p.kind()),
        payload: d.data.clone(),
        headers,
    }
}

#[derive(Debug)]
pub struct AmqpConsumer {
    pub(super) owner: AmqpQueue,
    /// The queue's name on the broker (with the prefix).
    pub(super) queue: String,
    /// The name the application knows it by.
    pub(super) logical: String,
    pub(super) prefetch: u16,
    pub(super) live: Option<(Channel, lapin::Consumer)>,
}

impl AmqpConsumer {
    pub(super) async fn subscribe(&self) -> Result<(Channel, lapin::Consumer), QueueError> {
        let live = self.owner.live().await?;
        let channel = live.connection.create_channel().await.map_err(unavailable)?;
        channel.basic_qos(self.prefetch.max(1), BasicQosOptions::default()).await.map_err(unavailable)?;
        let tag = format!("{}-{}", self.owner.inner.settings.connection_name, Uuid::now_v7().simple());
        let consumer = channel
            .basic_consume(
                self.queue.as_str().into(),
                tag.into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(unavailable)?;
        Ok((channel, consumer))
    }
}

fn delivery(owner: &AmqpQueue, queue: &str, d: lapin::message::Delivery) -> AmqpDelivery {
    AmqpDelivery {
        message: message(&d),
        redelivered: d.redelivered,
        tag: d.delivery_tag,
        acker: d.acker,
        owner: owner.clone(),
        queue: queue.to_owned(),
    }
}

impl Consumer for AmqpConsumer {
    type Delivery = AmqpDelivery;

    async fn next_batch(&mut self, max: usize) -> Result<Vec<AmqpDelivery>, QueueError> {
        let mut backoff = Duration::from_millis(100);
        loop {
            let Some((_, consumer)) = self.live.as_mut() else {
                match self.subscribe().await {
                    Ok(l) => {
                        tracing::info!(queue = %self.queue, "consumer resubscribed");
                        self.live = Some(l);
                    }
                    Err(e) => {
                        tracing::warn!(queue = %self.queue, error = %e, retry_in = ?backoff, "cannot subscribe");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                }
                continue;
            };
            match consumer.next().await {
                Some(Ok(first)) => {
                    let mut batch = vec![delivery(&self.owner, &self.logical, first)];
                    // Take what has already arrived, without waiting for more.
                    while batch.len() < max {
                        match consumer.next().now_or_never() {
                            Some(Some(Ok(d))) => batch.push(delivery(&self.owner, &self.logical, d)),
                            _ => break,
                        }
                    }
                    return Ok(batch);
                }
                Some(Err(e)) => tracing::warn!(queue = %self.queue, error = %e, "consumer lost its channel"),
                None => tracing::warn!(queue = %self.queue, "consumer was cancelled by the broker"),
            }
            // Unacked deliveries of the dead channel go back to the queue; subscribe again.
            self.live = None;
        }
    }

    /// One `basic.ack` with `multiple` set, on the highest delivery: one frame for a take instead
    /// of one per message. The others' ackers are dropped unused (lapin sends nothing for them).
    #[tracing::instrument(level = "debug", name = "queue.ack_all", skip_all, fields(batch.size = deliveries.len()))]
    async fn ack_all(deliveries: Vec<AmqpDelivery>) -> Result<(), QueueError> {
        let Some(last) = deliveries.into_iter().max_by_key(|d| d.tag) else {
            return Ok(());
        };
        AmqpDelivery::settled(last.acker.ack(BasicAckOptions { multiple: true }).await)
    }
}

#[derive(Debug)]
pub struct AmqpDelivery {
    message: Message,
    redelivered: bool,
    /// Its place on its channel: a multiple-ack of the highest settles a take.
    tag: u64,
    acker: lapin::Acker,
    /// Where a dead letter is published.
    owner: AmqpQueue,
    queue: String,
}

impl AmqpDelivery {
    fn settled(done: Result<bool, lapin::Error>) -> Result<(), QueueError> {
        match done {
            Ok(true) => Ok(()),
            // The channel died: the broker has already put the message back.
            Ok(false) => {
                Err(QueueError::Unavailable("channel closed; the message will be redelivered".into()))
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

impl Delivery for AmqpDelivery {
    fn message(&self) -> &Message {
        &self.message
    }

    fn redelivered(&self) -> bool {
        self.redelivered
    }

    #[tracing::instrument(level = "debug", name = "queue.ack", skip_all, fields(message.id = %self.message.id))]
    async fn ack(self) -> Result<(), QueueError> {
        Self::settled(self.acker.ack(BasicAckOptions::default()).await)
    }

    #[tracing::instrument(level = "debug", name = "queue.requeue", skip_all, fields(message.id = %self.message.id))]
    async fn requeue(self) -> Result<(), QueueError> {
        Self::settled(
            self.acker.nack(BasicNackOptions { requeue: true, ..BasicNackOptions::default() }).await,
        )
    }

    #[tracing::instrument(level = "debug", name = "queue.dead_letter", skip_all, fields(message.id = %self.message.id, queue.name = %self.queue))]
    async fn dead_letter(self, reason: &str) -> Result<(), QueueError> {
        tracing::warn!(message.id = %self.message.id, reason, "dead-lettering message");
        // Classic queues only say whether a message was delivered before: a lower bound.
        let deliveries = if self.redelivered { 2 } else { 1 };
        let kept = super::dead::stamped(&self.message, &self.queue, reason, deliveries);
        let dlq = self.owner.name(&dead_letter_queue(&self.queue));
        match self.owner.publish_confirmed("", &[(dlq, &kept)], true).await {
            // Kept with its reason: now the original may go. Should this ack be lost (the channel
            // died), the message comes back and dies again: two copies, which replay tolerates.
            Ok(()) => Self::settled(self.acker.ack(BasicAckOptions::default()).await),
            Err(e) => {
                tracing::warn!(message.id = %self.message.id, error = %e,
                    "cannot keep the dead letter with its reason; the broker moves it (x-death)");
                Self::settled(
                    self.acker.nack(BasicNackOptions { requeue: false, ..BasicNackOptions::default() }).await,
                )
            }
        }
    }
}
