//! The queue port on RabbitMQ.
//!
//! Every logical queue `q` becomes the durable queue `<prefix>.q` whose dead letters go through
//! the direct exchange `<prefix>.dlx` to `<prefix>.q.dlq`. Events go to the topic exchange
//! `<prefix>.events`. Messages are persistent; `send` is mandatory (an unroutable message is an
//! error, never silently dropped) and waits for the broker's confirm.
//!
//! One connection per process with one confirm-mode channel for publishing and one channel per
//! consumer. When the connection drops (broker restart, network), the next operation reconnects;
//! consumers resubscribe with backoff, and what they had not acked is redelivered by the broker.

mod consumer;
mod dead;

use std::collections::BTreeSet;
use std::sync::Arc;

use jiesu_domain::ports::queue::{DeadLetter, Message, Queue, QueueError, Selection, dead_letter_queue};

pub use consumer::{AmqpConsumer, AmqpDelivery};
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, ExchangeDeleteOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::Mutex;

#[derive(Debug, Clone)]
pub struct AmqpSettings {
    /// Prefixes every queue and exchange name, so several deployments (or tests) share a broker.
    pub prefix: String,
    /// Shown by `rabbitmqctl list_connections name`: which process holds which connection.
    pub connection_name: String,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        Self { prefix: "jiesu".into(), connection_name: format!("jiesu-{}", std::process::id()) }
    }
}

#[derive(Debug, Clone)]
pub struct AmqpQueue {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    url: String,
    settings: AmqpSettings,
    live: Mutex<Option<Live>>,
    /// Full names of what this process declared, for `teardown` in tests.
    declared: std::sync::Mutex<BTreeSet<String>>,
}

#[derive(Debug, Clone)]
struct Live {
    connection: Arc<Connection>,
    publisher: Channel,
}

impl Live {
    fn usable(&self) -> bool {
        self.connection.status().connected() && self.publisher.status().connected()
    }
}

fn unavailable(e: lapin::Error) -> QueueError {
    QueueError::Unavailable(e.to_string())
}

impl AmqpQueue {
    /// Connects now, so a wrong URL or a broker that is down fails at start-up, loudly.
    pub async fn connect(url: &str, settings: AmqpSettings) -> Result<Self, QueueError> {
        let queue = Self {
            inner: Arc::new(Inner {
                url: url.to_owned(),
                settings,
                live: Mutex::new(None),
                declared: std::sync::Mutex::new(BTreeSet::new()),
            }),
        };
        queue.live().await?;
        Ok(queue)
    }

    fn name(&self, queue: &str) -> String {
        format!("{}.{queue}", self.inner.settings.prefix)
    }

    fn events_exchange(&self) -> String {
        format!("{}.events", self.inner.settings.prefix)
    }

    fn dlx(&self) -> String {
        format!("{}.dlx", self.inner.settings.prefix)
    }

    /// The current connection, or a new one if it broke.
    async fn live(&self) -> Result<Live, QueueError> {
        let mut guard = self.inner.live.lock().await;
        if let Some(live) = guard.as_ref().filter(|l| l.usable()) {
            return Ok(live.clone());
        }
        let props = ConnectionProperties::default()
            .with_connection_name(LongString::from(self.inner.settings.connection_name.as_str()));
        let connection = Connection::connect(&self.inner.url, props).await.map_err(unavailable)?;
        let publisher = connection.create_channel().await.map_err(unavailable)?;
        publisher.confirm_select(ConfirmSelectOptions::default()).await.map_err(unavailable)?;
        let durable = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
        publisher
            .exchange_declare(
                self.events_exchange().into(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await
            .map_err(unavailable)?;
        publisher
            .exchange_declare(self.dlx().into(), ExchangeKind::Direct, durable, FieldTable::default())
            .await
            .map_err(unavailable)?;
        if guard.is_some() {
            tracing::info!("reconnected to the message broker");
        }
        let live = Live { connection: Arc::new(connection), publisher };
        *guard = Some(live.clone());
        Ok(live)
    }

    /// Publishes and waits for every confirm. A failed attempt is retried once on a fresh
    /// connection; the broker may then hold a message twice, which consumers tolerate.
    async fn publish_confirmed(
        &self,
        exchange: &str,
        items: &[(String, &Message)],
        mandatory: bool,
    ) -> Result<(), QueueError> {
        let mut last = QueueError::Unavailable("not attempted".into());
        for attempt in 0..2 {
            let live = self.live().await?;
            match publish_on(&live.publisher, exchange, items, mandatory).await {
                Ok(()) => return Ok(()),
                Err(e @ QueueError::Refused(_)) => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "publish failed; reconnecting");
                    last = e;
                }
            }
        }
        Err(last)
    }

    /// Full names of the queues this process declared (tests delete them afterwards).
    pub fn declared(&self) -> Vec<String> {
        self.inner.declared.lock().map(|d| d.iter().cloned().collect()).unwrap_or_default()
    }

    /// Deletes the given queues and this prefix's exchanges: for tests on a shared broker.
    pub async fn delete(&self, queues: &[String]) -> Result<(), QueueError> {
        let live = self.live().await?;
        let channel = live.connection.create_channel().await.map_err(unavailable)?;
        for q in queues {
            channel
                .queue_delete(q.as_str().into(), QueueDeleteOptions::default())
                .await
                .map_err(unavailable)?;
        }
        for x in [self.events_exchange(), self.dlx()] {
            channel.exchange_delete(x.into(), ExchangeDeleteOptions::default()).await.map_err(unavailable)?;
        }
        let _ = live.connection.close(200, "deleted".into()).await;
        Ok(())
    }
}

async fn publish_on(
    channel: &Channel,
    exchange: &str,
    items: &[(String, &Message)],
    mandatory: bool,
) -> Result<(), QueueError> {
    let options = BasicPublishOptions { mandatory, ..BasicPublishOptions::default() };
    let mut confirms = Vec::with_capacity(items.len());
    // Publish everything first, then wait: the broker confirms a window of messages at once.
    for (routing_key, m) in items {
        let confirm = channel
            .basic_publish(exchange.into(), routing_key.as_str().into(), options, &m.payload, properties(m))
            .await
            .map_err(unavailable)?;
        confirms.push(confirm);
    }
    for confirm in confirms {
        let confirmation = confirm.await.map_err(unavailable)?;
        if confirmation.is_nack() {
            return Err(QueueError::Refused("the broker did not accept the message".into()));
        }
        if let Some(returned) = confirmation.take_message() {
            return Err(QueueError::Refused(format!(
                "no queue for routing key `{}` ({})",
                returned.delivery.routing_key, returned.reply_text
            )));
        }
    }
    Ok(())
}

fn properties(m: &Message) -> BasicProperties {
    let mut headers = FieldTable::default();
    for (k, v) in &m.headers {
        headers.insert(k.as_str().into(), AMQPValue::LongString(v.as_str().into()));
    }
    BasicProperties::default()
        .with_message_id(m.id.to_string().into())
        .with_type(m.kind.as_str().into())
        .with_content_type("application/json".into())
        .with_delivery_mode(2) // persistent: survives a broker restart
        .with_headers(headers)
}

impl Queue for AmqpQueue {
    type Consumer = AmqpConsumer;

    #[tracing::instrument(level = "debug", name = "queue.declare", skip_all, fields(queue.kind = "amqp", queue.name = queue))]
    async fn declare(&self, queue: &str, topics: &[&str]) -> Result<(), QueueError> {
        let live = self.live().await?;
        let channel = live.connection.create_channel().await.map_err(unavailable)?;
        let (name, dlq) = (self.name(queue), self.name(&dead_letter_queue(queue)));
        let durable = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
        let mut args = FieldTable::default();
        args.insert("x-dead-letter-exchange".into(), AMQPValue::LongString(self.dlx().as_str().into()));
        args.insert("x-dead-letter-routing-key".into(), AMQPValue::LongString(dlq.as_str().into()));
        channel
            .queue_declare(dlq.as_str().into(), durable, FieldTable::default())
            .await
            .map_err(unavailable)?;
        channel
            .queue_bind(
                dlq.as_str().into(),
                self.dlx().into(),
                dlq.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(unavailable)?;
        channel.queue_declare(name.as_str().into(), durable, args).await.map_err(unavailable)?;
        for t in topics {
            channel
                .queue_bind(
                    name.as_str().into(),
                    self.events_exchange().into(),
                    (*t).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(unavailable)?;
        }
        let _ = channel.close(200, "declared".into()).await;
        if let Ok(mut d) = self.inner.declared.lock() {
            d.insert(name);
            d.insert(dlq);
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", name = "queue.send", skip_all, fields(queue.kind = "amqp", queue.name = queue, batch.size = messages.len()))]
    async fn send(&self, queue: &str, messages: &[Message]) -> Result<(), QueueError> {
        let name = self.name(queue);
        let items: Vec<(String, &Message)> = messages.iter().map(|m| (name.clone(), m)).collect();
        self.publish_confirmed("", &items, true).await
    }

    #[tracing::instrument(level = "debug", name = "queue.publish", skip_all, fields(queue.kind = "amqp", batch.size = messages.len()))]
    async fn publish(&self, messages: &[(String, Message)]) -> Result<(), QueueError> {
        let items: Vec<(String, &Message)> = messages.iter().map(|(t, m)| (t.clone(), m)).collect();
        self.publish_confirmed(&self.events_exchange(), &items, false).await
    }

    async fn consume(&self, queue: &str, prefetch: u16) -> Result<AmqpConsumer, QueueError> {
        let mut consumer = AmqpConsumer {
            owner: self.clone(),
            queue: self.name(queue),
            logical: queue.to_owned(),
            prefetch,
            live: None,
        };
        // Subscribe now so that a missing queue is reported to the caller, not retried forever.
        consumer.live = Some(consumer.subscribe().await?);
        Ok(consumer)
    }

    /// The connection and its publishing channel are open (reconnecting if they broke).
    async fn health(&self) -> Result<(), QueueError> {
        self.live().await.map(drop)
    }

    async fn dead_letter_count(&self, queue: &str) -> Result<u64, QueueError> {
        self.dead_count(queue).await
    }

    async fn dead_letters(&self, queue: &str, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        self.list_dead(queue, limit).await
    }

    #[tracing::instrument(name = "queue.replay", skip_all, fields(queue.kind = "amqp", queue.name = queue))]
    async fn replay(&self, queue: &str, which: &Selection) -> Result<usize, QueueError> {
        self.settle_dead(queue, which, true).await
    }

    #[tracing::instrument(name = "queue.discard", skip_all, fields(queue.kind = "amqp", queue.name = queue))]
    async fn discard(&self, queue: &str, which: &Selection) -> Result<usize, QueueError> {
        self.settle_dead(queue, which, false).await
    }
}
