//! RabbitMQ going away: the broker closes our connection, as it does when it restarts.

use std::time::Duration;

use jiesu_domain::ports::queue::{Delivery, Message, Queue};
use jiesu_testkit::amqp::{Cleanup, TestBroker};
use jiesu_testkit::queue_contract::recv_n;

fn msg(text: &str) -> Message {
    Message::new(uuid::Uuid::now_v7(), "t", text.as_bytes().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishers_and_consumers_recover_after_the_broker_drops_the_connection() {
    let broker = TestBroker::new();
    let q = broker.connect().await;
    let _cleanup = Cleanup { broker: broker.clone(), queue: q.clone() };
    q.declare("intake", &[]).await.expect("declare");
    q.send("intake", &[msg("before")]).await.expect("send");
    let mut c = q.consume("intake", 10).await.expect("consume");
    let unacked = recv_n(&mut c, 1).await;

    assert!(broker.close_connections_from_the_server() >= 1, "found our connection on the broker");
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The ack of a delivery from the dead channel fails: the broker has put it back already.
    for d in unacked {
        assert!(d.ack().await.is_err());
    }
    // Publishing reconnects; consuming resubscribes and gets the unacked message again.
    q.send("intake", &[msg("after")]).await.expect("send after the broker came back");
    let got = recv_n(&mut c, 2).await;
    let texts: Vec<String> =
        got.iter().map(|d| String::from_utf8_lossy(&d.message().payload).into_owned()).collect();
    assert_eq!(texts, ["before", "after"]);
    assert!(got[0].redelivered());
    for d in got {
        d.ack().await.expect("ack on the new channel");
    }
}
