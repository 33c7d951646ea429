//! The local queue lives in the database file: what was confirmed survives the process.

use std::time::Duration;

use jiesu_domain::ports::queue::{Delivery, Message, Queue};
use jiesu_queue::{LocalQueue, LocalSettings};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings};
use jiesu_testkit::queue_contract::{recv, recv_n};

async fn open(url: &str) -> (SqlitePools, LocalQueue) {
    let pools = SqlitePools::open(url, &SqliteSettings::default()).await.expect("open");
    pools.migrate().await.expect("migrate");
    let queue = LocalQueue::new(pools.writer.clone(), LocalSettings::default());
    (pools, queue)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmed_messages_survive_a_restart_and_leases_of_the_dead_process_are_released() {
    let (url, _dir) = jiesu_testkit::sqlite_file();
    {
        let (pools, q) = open(&url).await;
        q.declare("intake", &[]).await.expect("declare");
        q.send("intake", &[Message::new(uuid::Uuid::now_v7(), "t", b"one".to_vec())]).await.expect("send");
        q.send("intake", &[Message::new(uuid::Uuid::now_v7(), "t", b"two".to_vec())]).await.expect("send");
        // "two" is leased by a consumer that then dies with the process (no release, no ack).
        let mut c = q.consume("intake", 1).await.expect("consume");
        let held = recv_n(&mut c, 1).await;
        std::mem::forget(held);
        std::mem::forget(c);
        pools.close().await;
    }
    let (_pools, q) = open(&url).await;
    assert_eq!(q.release_all_leases().await.expect("release"), 1);
    let mut c = q.consume("intake", 10).await.expect("consume");
    let got = recv_n(&mut c, 2).await;
    let texts: Vec<&[u8]> = got.iter().map(|d| d.message().payload.as_slice()).collect();
    assert_eq!(texts, [b"one".as_slice(), b"two".as_slice()]);
    assert!(got[0].redelivered(), "the one the dead process held is marked redelivered");
    assert!(!got[1].redelivered());
    assert!(recv(&mut c, 10, Duration::from_millis(300)).await.is_empty());
}
