//! The escalation consumer with the real store and queue, on both backends: two workers fed every
//! event three times (a redelivering broker) open each escalation once and call one meeting per
//! request, and reviewing a request again changes nothing about it.

mod support;

use std::time::Duration;

use jiesu_domain::messages::{EVENT, decode_event, encode_event};
use jiesu_domain::ports::{Cases, Delivery, Message, Queue, Store};
use jiesu_domain::workflow::{Caller, Command};
use jiesu_escalation::{ESCALATION_QUEUE, Escalator, TOPICS};
use jiesu_testkit::queue_contract::recv;
use tokio_util::sync::CancellationToken;

jiesu_testkit::on_both_backends!(
    two_workers_fed_every_event_three_times_open_each_escalation_once,
    reviewing_a_request_again_leaves_it_untouched,
);

async fn two_workers_fed_every_event_three_times_open_each_escalation_once<S: Store + Cases, Q: Queue>(
    store: S,
    queue: Q,
) {
    queue.declare(ESCALATION_QUEUE, TOPICS).await.expect("declare");
    let wf = support::workflow(store.clone());
    let ids = support::dispatched(&store, 3, jiesu_domain::time::now()).await;
    let mut messages = Vec::new();
    for id in &ids {
        support::exhaust(&wf, *id).await;
        for e in store.request_events(*id).await.expect("events") {
            let topic = e.topic();
            if TOPICS.contains(&topic.as_str()) {
                for _ in 0..3 {
                    messages.push((topic.clone(), Message::new(e.id.as_uuid(), EVENT, encode_event(&e))));
                }
            }
        }
    }
    assert_eq!(
        messages.len(),
        3 * 3 * 4,
        "three disclaims and the escalation, three times each (routing goes to the hotspot queue)"
    );
    queue.publish(&messages).await.expect("publish");

    let stop = CancellationToken::new();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let worker = Escalator::new(support::workflow(store.clone()), queue.clone(), 8);
            tokio::spawn(worker.run(stop.clone()))
        })
        .collect();
    let opened = || async {
        let mut all = true;
        for id in &ids {
            all &= support::count(&store, *id, &["escalation_opened"]).await == [2];
        }
        all
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !opened().await {
        assert!(tokio::time::Instant::now() < deadline, "the workers open the escalations");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.cancel();
    for w in workers {
        w.await.expect("joined").expect("the worker ran");
    }
    // Whatever copies the workers had not reached yet are reviewed as a third worker would.
    let mut rest = queue.consume(ESCALATION_QUEUE, 100).await.expect("consume");
    loop {
        let batch = recv(&mut rest, 100, Duration::from_secs(1)).await;
        if batch.is_empty() {
            break;
        }
        for d in batch {
            let e = decode_event(&d.message().kind, &d.message().payload).expect("an event");
            wf.act(Caller::System, e.request_id, Command::ReviewEscalations).await.expect("review");
            d.ack().await.expect("ack");
        }
    }

    for id in &ids {
        assert_eq!(
            support::count(&store, *id, &["escalation_opened", "meeting_called"]).await,
            [2, 1],
            "exhausted and ping-pong, sharing one meeting"
        );
        let case = store.load_case(*id).await.expect("load").expect("stored");
        assert_eq!((case.escalations.len(), case.meetings.len()), (2, 1));
    }
}

async fn reviewing_a_request_again_leaves_it_untouched<S: Store + Cases, Q: Queue>(store: S, _queue: Q) {
    let wf = support::workflow(store.clone());
    let id = support::dispatched(&store, 1, jiesu_domain::time::now()).await[0];
    support::exhaust(&wf, id).await;
    let reviewed = wf.act(Caller::System, id, Command::ReviewEscalations).await.expect("review");
    assert_eq!(reviewed.escalations.len(), 2);
    let events = store.request_events(id).await.expect("events").len();
    // A redelivered event: the same review, nothing left to open.
    let again = wf.act(Caller::System, id, Command::ReviewEscalations).await.expect("review");
    assert_eq!(again.version, reviewed.version, "nothing written");
    assert_eq!(again.request.updated_at, reviewed.request.updated_at);
    assert_eq!(store.request_events(id).await.expect("events").len(), events);
}
