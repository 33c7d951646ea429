//! Dead letters on RabbitMQ.
//!
//! A consumer's dead letter is published to `<queue>.dlq` (confirmed, mandatory) with headers
//! carrying why, from which queue, when and after how many deliveries, and only then is the
//! original acked. Rejecting it to the queue's dead-letter exchange instead would move it without
//! a word of why (the broker's `x-death` says only `rejected`). If that publish fails, the
//! delivery falls back to the rejection, so the message still leaves the queue; the reason is
//! then only in the log. Messages the broker moved itself (through `x-death`) list with the
//! broker's reason.
//!
//! The operator's operations read the dead-letter queue with `basic.get` on a channel of their
//! own, holding what they took unacknowledged: what is chosen is republished or dropped and
//! acked, the rest goes back to the queue, in its place, when the channel closes. Only the
//! messages present when the operation starts are taken, so one that dies again meanwhile is not
//! replayed twice in one go.

use chrono::{DateTime, Utc};
use jiesu_domain::ports::queue::{
    ATTEMPTS_HEADER, DeadLetter, Message, QueueError, Selection, dead_letter_queue,
};
use lapin::Channel;
use lapin::options::{BasicAckOptions, BasicGetOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};

use super::{AmqpQueue, unavailable};

const REASON: &str = "x-jiesu-dead-reason";
const QUEUE: &str = "x-jiesu-dead-queue";
const AT: &str = "x-jiesu-dead-at";
const DELIVERIES: &str = "x-jiesu-deliveries";

/// The copy of `m` to keep in the dead-letter queue: the message and why it died.
pub(super) fn stamped(m: &Message, queue: &str, reason: &str, deliveries: u32) -> Message {
    let now = jiesu_domain::time::now();
    m.clone()
        .with_header(REASON, reason)
        .with_header(QUEUE, queue)
        .with_header(AT, now.to_rfc3339())
        .with_header(DELIVERIES, deliveries.to_string())
}

/// What a dead letter is, from a message read off `queue`'s dead-letter queue.
fn read(d: &lapin::message::Delivery, queue: &str) -> DeadLetter {
    let mut message = super::consumer::message(d);
    let marks = [REASON, QUEUE, AT, DELIVERIES].map(|k| message.headers.remove(k));
    // A replayed dead letter starts its attempts over.
    message.headers.remove(ATTEMPTS_HEADER);
    let [reason, from, at, deliveries] = marks;
    let death = x_death(d);
    let reason = reason.or_else(|| {
        death.as_ref().map(|(why, _)| format!("{why} (moved by the broker; the consumer logged why)"))
    });
    DeadLetter {
        message,
        queue: from.unwrap_or_else(|| queue.to_owned()),
        reason: reason.unwrap_or_else(|| "unknown (published to the dead-letter queue directly)".into()),
        dead_at: at
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok().map(|t| t.with_timezone(&Utc)))
            .or_else(|| death.and_then(|(_, at)| at)),
        deliveries: deliveries.and_then(|n| n.parse().ok()).unwrap_or(1),
    }
}

/// The broker's latest `x-death` entry: its reason and time.
fn x_death(d: &lapin::message::Delivery) -> Option<(String, Option<DateTime<Utc>>)> {
    let headers = d.properties.headers().as_ref()?;
    let AMQPValue::FieldArray(deaths) = headers.inner().get("x-death")? else { return None };
    let AMQPValue::FieldTable(latest) = deaths.as_slice().first()? else { return None };
    let reason = match latest.inner().get("reason") {
        Some(AMQPValue::LongString(s)) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        Some(AMQPValue::ShortString(s)) => s.to_string(),
        _ => "dead-lettered".into(),
    };
    let at = match latest.inner().get("time") {
        Some(AMQPValue::Timestamp(secs)) => {
            i64::try_from(*secs).ok().and_then(|s| DateTime::from_timestamp(s, 0))
        }
        _ => None,
    };
    Some((reason, at))
}

/// Dead letters taken off the queue and held, unacknowledged, on `channel`.
struct Taken {
    channel: Channel,
    letters: Vec<(DeadLetter, lapin::Acker)>,
    /// How many the queue held when they were taken.
    present: u32,
}

/// How long putting dead letters back may take to show in the queue's count.
const PUT_BACK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl AmqpQueue {
    /// Closing the channel puts back everything not acked. The broker requeues them after the
    /// close has been answered, so a count or a take right after could miss them (a `dlq list`
    /// followed at once by `dlq replay` replayed nothing, seen under load): wait, bounded, until
    /// the queue holds again the `present - acked` it held, or more.
    async fn put_back(&self, queue: &str, taken: Taken, acked: usize) {
        let _ = taken.channel.close(200, "dead letters put back".into()).await;
        let expected = u64::from(taken.present).saturating_sub(acked as u64);
        let deadline = tokio::time::Instant::now() + PUT_BACK_WAIT;
        while tokio::time::Instant::now() < deadline {
            match self.dead_count(queue).await {
                Ok(n) if n < expected => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
                _ => return,
            }
        }
    }
}

impl AmqpQueue {
    async fn dlq_channel(&self, queue: &str) -> Result<(Channel, String, u32), QueueError> {
        let live = self.live().await?;
        let channel = live.connection.create_channel().await.map_err(unavailable)?;
        let dlq = self.name(&dead_letter_queue(queue));
        let passive = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        let declared = channel
            .queue_declare(dlq.as_str().into(), passive, FieldTable::default())
            .await
            .map_err(|e| QueueError::Refused(format!("no dead-letter queue `{dlq}`: {e}")))?;
        Ok((channel, dlq, declared.message_count()))
    }

    pub(super) async fn dead_count(&self, queue: &str) -> Result<u64, QueueError> {
        let (channel, _, n) = self.dlq_channel(queue).await?;
        let _ = channel.close(200, "counted".into()).await;
        Ok(u64::from(n))
    }

    async fn take(&self, queue: &str, limit: usize) -> Result<Taken, QueueError> {
        let (channel, dlq, present) = self.dlq_channel(queue).await?;
        let mut letters = Vec::new();
        while letters.len() < limit.min(present as usize) {
            let got = channel
                .basic_get(dlq.as_str().into(), BasicGetOptions::default())
                .await
                .map_err(unavailable)?;
            let Some(got) = got else { break };
            letters.push((read(&got.delivery, queue), got.delivery.acker));
        }
        Ok(Taken { channel, letters, present })
    }

    pub(super) async fn list_dead(&self, queue: &str, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let taken = self.take(queue, limit).await?;
        let letters = taken.letters.iter().map(|(l, _)| l.clone()).collect();
        self.put_back(queue, taken, 0).await;
        Ok(letters)
    }

    /// Replays (republishes to `queue`, confirmed) or drops the chosen dead letters, then acks them.
    pub(super) async fn settle_dead(
        &self,
        queue: &str,
        which: &Selection,
        replay: bool,
    ) -> Result<usize, QueueError> {
        let mut taken = self.take(queue, usize::MAX).await?;
        let chosen: Vec<(DeadLetter, lapin::Acker)> = std::mem::take(&mut taken.letters)
            .into_iter()
            .filter(|(l, _)| which.includes(&l.message.id))
            .collect();
        let target = self.name(queue);
        let mut done = 0;
        let outcome = async {
            for chunk in chosen.chunks(100) {
                if replay {
                    let items: Vec<(String, &Message)> =
                        chunk.iter().map(|(l, _)| (target.clone(), &l.message)).collect();
                    self.publish_confirmed("", &items, true).await?;
                }
                for (_, acker) in chunk {
                    match acker.ack(BasicAckOptions::default()).await {
                        Ok(true) => done += 1,
                        Ok(false) => return Err(QueueError::Unavailable("the channel closed".into())),
                        Err(e) => return Err(unavailable(e)),
                    }
                }
            }
            Ok(())
        }
        .await;
        self.put_back(queue, taken, done).await;
        outcome.map(|()| done)
    }
}
