//! The queue's consume ceiling on this machine: how many messages a second consumers take and
//! acknowledge when their work costs nothing. `scripts/ceiling` runs it in the same run as the
//! dispatcher, so the dispatcher's rate reads as a share of what the queue can hand out.
//!
//! ```text
//! cargo run --release -p jiesu-queue --example ceiling -- [local|amqp] [messages=50000]
//! ```
//!
//! Messages of 700 bytes (a new request's size) are sent first, then consumed with a prefetch of
//! 200 and takes of 100, three ways: one consumer acknowledging each message, one consumer
//! acknowledging each take at once (`ack_all`), and two consumers doing that. `amqp` uses the
//! RabbitMQ on 127.0.0.1 under a unique prefix (deleted afterwards); `local` a fresh SQLite file.

use std::time::Instant;

use futures_util::future::join_all;
use jiesu_domain::ports::{Consumer, Delivery, Message, Queue};
use uuid::Uuid;

const QUEUE: &str = "ceiling";
const PREFETCH: u16 = 200;
const TAKE: usize = 100;

#[derive(Debug, Clone, Copy)]
enum Acks {
    EachMessage,
    EachTake,
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "local".into());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    match kind.as_str() {
        "amqp" => {
            let (queue, _guard) = jiesu_testkit::amqp_queue().await;
            measure(&queue, "RabbitMQ", n).await;
        }
        "local" => {
            let (queue, _guard) = jiesu_testkit::local_queue().await;
            measure(&queue, "local queue", n).await;
        }
        other => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("usage: ceiling [local|amqp] [messages]; not `{other}`");
            }
            std::process::exit(2);
        }
    }
}

// A benchmark's report goes to standard output, for scripts/ceiling to read.
#[allow(clippy::print_stdout)]
async fn measure<Q: Queue>(queue: &Q, name: &str, n: usize) {
    queue.declare(QUEUE, &[]).await.expect("declare");
    for (acks, consumers) in [(Acks::EachMessage, 1), (Acks::EachTake, 1), (Acks::EachTake, 2)] {
        fill(queue, n).await;
        let started = Instant::now();
        let share = n / consumers;
        let runs = (0..consumers)
            .map(|i| drain(queue, if i == 0 { n - share * (consumers - 1) } else { share }, acks));
        join_all(runs).await;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{name} ceiling: {consumers} consumer(s), {acks:?} acks: {n} messages in {secs:.2} s, {:.0} msg/s",
            n as f64 / secs
        );
    }
}

async fn fill<Q: Queue>(queue: &Q, n: usize) {
    let payload = vec![b'x'; 700];
    let messages: Vec<Message> =
        (0..n).map(|_| Message::new(Uuid::now_v7(), "bench", payload.clone())).collect();
    for chunk in messages.chunks(1000) {
        queue.send(QUEUE, chunk).await.expect("send");
    }
}

/// Takes and acknowledges `n` messages.
async fn drain<Q: Queue>(queue: &Q, n: usize, acks: Acks) {
    let mut consumer = queue.consume(QUEUE, PREFETCH).await.expect("consume");
    let mut got = 0;
    while got < n {
        let take = consumer.next_batch(TAKE.min(n - got)).await.expect("take");
        got += take.len();
        match acks {
            Acks::EachTake => Q::Consumer::ack_all(take).await.expect("ack"),
            Acks::EachMessage => {
                for result in join_all(take.into_iter().map(Delivery::ack)).await {
                    result.expect("ack");
                }
            }
        }
    }
}
