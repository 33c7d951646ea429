//! The queue port's contract. Every adapter runs every case through `queue_contract!`.

use std::time::Duration;

use jiesu_domain::ports::queue::{
    Consumer, Delivery, Message, Queue, QueueError, Selection, dead_letter_queue,
};
use uuid::Uuid;

#[macro_export]
macro_rules! queue_contract {
    ($factory:path) => {
        $crate::queue_contract!(@cases $factory;
            a_sent_message_arrives_whole,
            messages_arrive_in_the_order_they_were_sent,
            an_unacked_message_is_redelivered_when_its_consumer_dies,
            a_requeued_message_comes_back,
            an_acked_message_is_gone,
            acking_a_take_at_once_settles_it_and_nothing_after_it,
            a_poison_message_goes_to_the_dead_letter_queue,
            sending_to_an_undeclared_queue_is_refused,
            events_reach_every_queue_bound_to_their_topic_and_no_other,
            a_batch_takes_what_is_ready_up_to_its_size,
            prefetch_bounds_what_a_consumer_holds,
            a_dead_letter_lists_with_its_reason_and_where_it_came_from,
            a_replayed_dead_letter_is_delivered_again_whole,
            dead_letters_are_replayed_or_dropped_all_at_once_or_by_id,
            a_queue_that_is_up_reports_itself_healthy,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (queue, _guard) = $factory().await;
                $crate::queue_contract::$case(queue).await;
            }
        )*
    };
}

const WAIT: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_millis(600);

fn msg(text: &str) -> Message {
    Message::new(Uuid::now_v7(), "test", text.as_bytes().to_vec()).with_header("request_id", "r-1")
}

/// Waits up to `wait` for the next batch; empty if nothing came.
pub async fn recv<C: Consumer>(c: &mut C, max: usize, wait: Duration) -> Vec<C::Delivery> {
    tokio::time::timeout(wait, c.next_batch(max)).await.map(|r| r.expect("consume")).unwrap_or_default()
}

/// Receives exactly `n` messages (in as many batches as it takes) or fails.
pub async fn recv_n<C: Consumer>(c: &mut C, n: usize) -> Vec<C::Delivery> {
    let mut got = Vec::new();
    while got.len() < n {
        let batch = recv(c, n - got.len(), WAIT).await;
        assert!(!batch.is_empty(), "expected {n} messages, got {}", got.len());
        got.extend(batch);
    }
    got
}

fn text<D: Delivery>(d: &D) -> String {
    String::from_utf8_lossy(&d.message().payload).into_owned()
}

pub async fn a_sent_message_arrives_whole(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    let sent = msg("路灯不亮");
    q.send("work", std::slice::from_ref(&sent)).await.expect("send");
    let mut c = q.consume("work", 10).await.expect("consume");
    let got = recv_n(&mut c, 1).await;
    assert_eq!(got[0].message(), &sent, "id, kind, headers and payload survive");
    assert!(!got[0].redelivered());
    for d in got {
        d.ack().await.expect("ack");
    }
}

pub async fn messages_arrive_in_the_order_they_were_sent(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    let sent: Vec<Message> = (0..20).map(|i| msg(&i.to_string())).collect();
    q.send("work", &sent).await.expect("send");
    let mut c = q.consume("work", 50).await.expect("consume");
    let got = recv_n(&mut c, 20).await;
    let order: Vec<String> = got.iter().map(text).collect();
    assert_eq!(order, (0..20).map(|i| i.to_string()).collect::<Vec<_>>());
}

pub async fn an_unacked_message_is_redelivered_when_its_consumer_dies(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    q.send("work", &[msg("first try")]).await.expect("send");
    let mut dying = q.consume("work", 10).await.expect("consume");
    let held = recv_n(&mut dying, 1).await;
    // The consumer dies before acking: its deliveries and subscription go away unsettled.
    drop(held);
    drop(dying);
    let mut next = q.consume("work", 10).await.expect("consume");
    let again = recv_n(&mut next, 1).await;
    assert_eq!(text(&again[0]), "first try");
    assert!(again[0].redelivered(), "marked as redelivered");
}

pub async fn a_requeued_message_comes_back(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    q.send("work", &[msg("later")]).await.expect("send");
    let mut c = q.consume("work", 10).await.expect("consume");
    let d = recv_n(&mut c, 1).await.pop().expect("one");
    d.requeue().await.expect("requeue");
    let again = recv_n(&mut c, 1).await;
    assert_eq!(text(&again[0]), "later");
    assert!(again[0].redelivered());
}

pub async fn an_acked_message_is_gone(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    q.send("work", &[msg("done")]).await.expect("send");
    let mut c = q.consume("work", 10).await.expect("consume");
    recv_n(&mut c, 1).await.pop().expect("one").ack().await.expect("ack");
    drop(c);
    let mut again = q.consume("work", 10).await.expect("consume");
    assert!(recv(&mut again, 10, QUIET).await.is_empty(), "an acked message is never delivered again");
}

/// `ack_all` as the worker runtime uses it: every earlier delivery settled first (one dead-lettered
/// here), the later ones of the same consumer untouched (requeued after, they come back), and the
/// slots freed for the prefetch.
pub async fn acking_a_take_at_once_settles_it_and_nothing_after_it<Q: Queue>(q: Q) {
    q.declare("work", &[]).await.expect("declare");
    q.send("work", &(0..8).map(|i| msg(&i.to_string())).collect::<Vec<_>>()).await.expect("send");
    let mut c = q.consume("work", 8).await.expect("consume");
    let mut held = recv_n(&mut c, 8).await.into_iter();
    let mut done: Vec<_> = held.by_ref().take(5).collect();
    let poison = done.remove(1);
    poison.dead_letter("test").await.expect("dead-letter");
    // The first, third, fourth and fifth: the highest is not the last taken.
    <Q::Consumer as Consumer>::ack_all(done).await.expect("ack all");
    <Q::Consumer as Consumer>::ack_all(Vec::new()).await.expect("nothing to ack");
    for d in held {
        d.requeue().await.expect("requeue");
    }
    let again = recv_n(&mut c, 3).await;
    let texts: Vec<String> = again.iter().map(text).collect();
    assert_eq!(texts, ["5", "6", "7"], "only what came after the take comes back");
    <Q::Consumer as Consumer>::ack_all(again).await.expect("ack all");
    drop(c);
    let mut next = q.consume("work", 10).await.expect("consume");
    let left: Vec<String> = recv(&mut next, 10, QUIET).await.iter().map(text).collect();
    assert!(left.is_empty(), "nothing acked is delivered again: {left:?}");
    assert_eq!(q.dead_letter_count("work").await.expect("count"), 1);
}

pub async fn a_poison_message_goes_to_the_dead_letter_queue(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    let poison = Message::new(Uuid::now_v7(), "new_request", b"\xff\xfe not json".to_vec());
    q.send("work", &[poison.clone(), msg("healthy")]).await.expect("send");
    let mut c = q.consume("work", 10).await.expect("consume");
    let mut got = recv_n(&mut c, 2).await.into_iter();
    let bad = got.next().expect("poison first");
    assert_eq!(bad.message().payload, poison.payload);
    bad.dead_letter("payload is not valid JSON").await.expect("dead-letter");
    // The queue is not blocked: the next message is processed normally.
    let good = got.next().expect("healthy second");
    assert_eq!(text(&good), "healthy");
    good.ack().await.expect("ack");

    let mut dlq = q.consume(&dead_letter_queue("work"), 10).await.expect("consume the DLQ");
    let dead = recv_n(&mut dlq, 1).await;
    assert_eq!(dead[0].message().payload, poison.payload, "kept whole for a person to inspect");
    assert_eq!(dead[0].message().id, poison.id);
    drop(c);
    let mut again = q.consume("work", 10).await.expect("consume");
    assert!(recv(&mut again, 10, QUIET).await.is_empty(), "the poison message left the queue");
}

pub async fn sending_to_an_undeclared_queue_is_refused(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    match q.send("nobody-declared-this", &[msg("lost?")]).await {
        Err(QueueError::Refused(_)) => {}
        other => panic!("a message nobody can receive must not be confirmed: {other:?}"),
    }
    // The refusal does not disturb other sends.
    q.send("work", &[msg("fine")]).await.expect("send");
}

pub async fn events_reach_every_queue_bound_to_their_topic_and_no_other(q: impl Queue) {
    q.declare("audit", &["event.#"]).await.expect("declare");
    q.declare("claims", &["event.task_claimed"]).await.expect("declare");
    q.publish(&[
        ("event.request_received".to_owned(), msg("received")),
        ("event.task_claimed".to_owned(), msg("claimed")),
        ("unrelated.topic".to_owned(), msg("nobody")),
    ])
    .await
    .expect("publish");
    let mut audit = q.consume("audit", 10).await.expect("consume");
    let got: Vec<String> = recv_n(&mut audit, 2).await.iter().map(text).collect();
    assert_eq!(got, ["received", "claimed"]);
    let mut claims = q.consume("claims", 10).await.expect("consume");
    let got: Vec<String> = recv_n(&mut claims, 1).await.iter().map(text).collect();
    assert_eq!(got, ["claimed"]);
    assert!(recv(&mut claims, 10, QUIET).await.is_empty());
    assert!(recv(&mut audit, 10, QUIET).await.is_empty());
}

pub async fn a_batch_takes_what_is_ready_up_to_its_size(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    q.send("work", &(0..7).map(|i| msg(&i.to_string())).collect::<Vec<_>>()).await.expect("send");
    let mut c = q.consume("work", 50).await.expect("consume");
    let mut total = 0;
    while total < 7 {
        let batch = recv(&mut c, 3, WAIT).await;
        assert!((1..=3).contains(&batch.len()), "batches hold 1 to 3, got {}", batch.len());
        total += batch.len();
        for d in batch {
            d.ack().await.expect("ack");
        }
    }
    assert_eq!(total, 7);
}

pub async fn prefetch_bounds_what_a_consumer_holds(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    q.send("work", &(0..5).map(|i| msg(&i.to_string())).collect::<Vec<_>>()).await.expect("send");
    let mut c = q.consume("work", 2).await.expect("consume");
    let held = recv_n(&mut c, 2).await;
    assert!(recv(&mut c, 10, QUIET).await.is_empty(), "no third message while two are unacked");
    let mut held = held.into_iter();
    held.next().expect("one").ack().await.expect("ack");
    let more = recv(&mut c, 10, WAIT).await;
    assert_eq!(more.len(), 1, "one slot freed, one more message");
}

/// Sends `messages` to `work` and dead-letters each of them with `reason`.
async fn dead_letter_all(q: &impl Queue, messages: &[Message], reason: &str) {
    q.declare("work", &[]).await.expect("declare");
    q.send("work", messages).await.expect("send");
    let mut c = q.consume("work", 50).await.expect("consume");
    for d in recv_n(&mut c, messages.len()).await {
        d.dead_letter(reason).await.expect("dead-letter");
    }
}

pub async fn a_dead_letter_lists_with_its_reason_and_where_it_came_from(q: impl Queue) {
    let before = jiesu_domain::time::now();
    let poison = msg("\u{fffd} not json");
    dead_letter_all(&q, std::slice::from_ref(&poison), "payload is not valid JSON").await;
    assert_eq!(q.dead_letter_count("work").await.expect("count"), 1);
    let listed = q.dead_letters("work", 10).await.expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    let dead = &listed[0];
    assert_eq!(dead.message, poison, "the message as sent, without the dead-letter marks");
    assert_eq!(dead.queue, "work");
    assert_eq!(dead.reason, "payload is not valid JSON");
    let at = dead.dead_at.expect("when it died is known");
    assert!(at >= before - chrono::Duration::seconds(1) && at <= jiesu_domain::time::now(), "{at}");
    assert!(dead.deliveries >= 1);
    // Listing leaves it where it is.
    assert_eq!(q.dead_letter_count("work").await.expect("count"), 1);
    assert_eq!(q.dead_letters("work", 10).await.expect("list again").len(), 1);
}

pub async fn a_replayed_dead_letter_is_delivered_again_whole(q: impl Queue) {
    let (first, second) = (msg("first"), msg("second"));
    dead_letter_all(&q, &[first.clone(), second.clone()], "failed 5 times: database unavailable").await;
    let replayed = q.replay("work", &Selection::Ids(vec![first.id])).await.expect("replay");
    assert_eq!(replayed, 1);
    let mut c = q.consume("work", 10).await.expect("consume");
    let back = recv_n(&mut c, 1).await;
    assert_eq!(back[0].message(), &first, "replayed whole, without the dead-letter marks");
    assert!(recv(&mut c, 10, QUIET).await.is_empty(), "only the chosen one");
    let left: Vec<Uuid> =
        q.dead_letters("work", 10).await.expect("list").iter().map(|d| d.message.id).collect();
    assert_eq!(left, [second.id], "the other one stays dead");
    // Dying again, it lists with its new reason.
    back.into_iter().next().expect("one").dead_letter("still failing").await.expect("dead-letter");
    let reasons: Vec<String> =
        q.dead_letters("work", 10).await.expect("list").into_iter().map(|d| d.reason).collect();
    assert!(reasons.contains(&"still failing".to_owned()), "{reasons:?}");
}

pub async fn dead_letters_are_replayed_or_dropped_all_at_once_or_by_id(q: impl Queue) {
    let sent: Vec<Message> = (0..3).map(|i| msg(&i.to_string())).collect();
    dead_letter_all(&q, &sent, "unexpected message kind `test`").await;
    let unknown = Uuid::now_v7();
    assert_eq!(q.discard("work", &Selection::Ids(vec![sent[1].id, unknown])).await.expect("drop"), 1);
    assert_eq!(q.dead_letter_count("work").await.expect("count"), 2);
    assert_eq!(q.replay("work", &Selection::All).await.expect("replay all"), 2);
    assert_eq!(q.dead_letter_count("work").await.expect("count"), 0);
    assert!(q.dead_letters("work", 10).await.expect("list").is_empty());
    let mut c = q.consume("work", 10).await.expect("consume");
    let mut back: Vec<String> = recv_n(&mut c, 2).await.iter().map(text).collect();
    back.sort();
    assert_eq!(back, ["0", "2"], "the dropped one is gone for good");
    assert!(recv(&mut c, 10, QUIET).await.is_empty());
    assert_eq!(q.replay("work", &Selection::All).await.expect("nothing to replay"), 0);
}

pub async fn a_queue_that_is_up_reports_itself_healthy(q: impl Queue) {
    q.declare("work", &[]).await.expect("declare");
    q.health().await.expect("healthy");
    assert_eq!(q.dead_letter_count("work").await.expect("count"), 0);
}
