//! The dead-letter queues as an operator meets them, on both backends: a message the dispatcher
//! cannot read is dead-lettered with its reason, `jiesu dlq` lists, shows, replays and drops it
//! (never printing a citizen's phone number), a replayed request is stored, and the serving
//! process says so on `/metrics` and in a WARN line.

use std::time::{Duration, Instant};

use jiesu::Roles;
use jiesu_domain::messages::INTAKE_QUEUE;
use jiesu_domain::ports::{Consumer, Delivery, Message, Queue};
use jiesu_e2e::backend::Kind;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::process::Server;
use jiesu_e2e::{Backend, Open311Client};
use jiesu_queue::{AmqpQueue, LocalQueue, LocalSettings};
use jiesu_store_sqlite::{SqlitePools, SqliteSettings};
use uuid::Uuid;

jiesu_e2e::e2e_on_both_backends!(
    an_unreadable_message_is_listed_with_its_reason_replayed_and_dropped,
    a_replayed_request_is_stored_and_its_citizen_never_printed,
    a_waiting_dead_letter_shows_on_metrics_and_in_one_warning_per_period,
);

const SOON: Duration = Duration::from_secs(20);

/// Runs `jiesu dlq ARGS` on the backend: exit status, stdout, stderr.
async fn dlq(backend: &Backend, args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("working directory");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_jiesu-under-test"));
    cmd.arg("dlq").args(args).current_dir(dir.path()).stdin(std::process::Stdio::null());
    for (k, v) in backend.env() {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("run jiesu dlq");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

/// `jiesu dlq list` until a line names `id`, or fails after a while.
async fn listed(backend: &Backend, id: Uuid) -> String {
    let started = Instant::now();
    loop {
        let (code, out, err) = dlq(backend, &["list", "--queue", "intake"]).await;
        assert_eq!(code, 0, "{err}");
        if let Some(line) = out.lines().find(|l| l.starts_with(&id.to_string())) {
            return line.to_owned();
        }
        assert!(started.elapsed() < SOON, "{id} never listed:\n{out}\n{err}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sends `m` to the intake queue, as another process would.
async fn send_to_intake(backend: &Backend, m: Message) {
    match &backend.kind {
        Kind::Embedded { .. } => {
            let pools =
                SqlitePools::open(&backend.database_url, &SqliteSettings::default()).await.expect("open");
            let q = LocalQueue::new(pools.writer.clone(), LocalSettings::default());
            q.declare(INTAKE_QUEUE, &[]).await.expect("declare");
            q.send(INTAKE_QUEUE, &[m]).await.expect("send");
        }
        Kind::AtScale { broker, .. } => {
            let q = AmqpQueue::connect(&broker.url, broker.settings.clone()).await.expect("connect");
            q.declare(INTAKE_QUEUE, &[]).await.expect("declare");
            q.send(INTAKE_QUEUE, &[m]).await.expect("send");
        }
    }
}

/// Takes the one message waiting on the intake queue and dead-letters it, as a dispatcher whose
/// database kept failing would.
async fn dead_letter_the_intake_message(backend: &Backend, reason: &str) {
    async fn go<Q: Queue>(q: Q, reason: &str) {
        let mut c = q.consume(INTAKE_QUEUE, 10).await.expect("consume");
        let got = tokio::time::timeout(SOON, c.next_batch(1)).await.expect("a message").expect("batch");
        for d in got {
            d.dead_letter(reason).await.expect("dead-letter");
        }
    }
    match &backend.kind {
        Kind::Embedded { .. } => {
            let pools =
                SqlitePools::open(&backend.database_url, &SqliteSettings::default()).await.expect("open");
            go(LocalQueue::new(pools.writer.clone(), LocalSettings::default()), reason).await;
        }
        Kind::AtScale { broker, .. } => {
            go(AmqpQueue::connect(&broker.url, broker.settings.clone()).await.expect("connect"), reason)
                .await;
        }
    }
}

async fn an_unreadable_message_is_listed_with_its_reason_replayed_and_dropped(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let odd = Message::new(Uuid::now_v7(), "complaint_v0", br#"{"hello": "world"}"#.to_vec());
    send_to_intake(&backend, odd.clone()).await;
    let line = listed(&backend, odd.id).await;
    assert!(line.contains("intake") && line.contains("complaint_v0"), "{line}");
    assert!(line.contains("unexpected message kind `complaint_v0`"), "{line}");

    let (code, out, err) = dlq(&backend, &["show", &odd.id.to_string()]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"hello\": \"world\"") && out.contains("unexpected message kind"), "{out}");

    // Replayed, it is read again, and dead-lettered again: it still cannot be read.
    let (code, out, err) = dlq(&backend, &["replay", &odd.id.to_string()]).await;
    assert_eq!((code, out.trim()), (0, "replayed 1"), "{err}");
    listed(&backend, odd.id).await;

    // Dropping asks for --yes when nobody is at a terminal.
    let (code, _, err) = dlq(&backend, &["drop", &odd.id.to_string()]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--yes"), "{err}");
    let (code, out, err) = dlq(&backend, &["drop", "--yes", &odd.id.to_string()]).await;
    assert_eq!((code, out.trim()), (0, "dropped 1"), "{err}");
    let (code, out, _) = dlq(&backend, &["list"]).await;
    assert_eq!((code, out.lines().count()), (0, 1), "only the header is left: {out}");
    let (code, _, err) = dlq(&backend, &["show", &odd.id.to_string()]).await;
    assert_eq!(code, 2, "gone: {err}");
    let (code, out, err) = dlq(&backend, &["replay", &Uuid::now_v7().to_string()]).await;
    assert_eq!((code, out.trim()), (2, "replayed 0"), "{err}");
    assert!(err.contains("not found"), "{err}");
    app.stop().await;
}

async fn a_replayed_request_is_stored_and_its_citizen_never_printed(backend: Backend) {
    // Intake only: the request waits on the queue, where a failing dispatcher dead-letters it.
    let key = backend.api_key("e2e").await;
    let intake = backend.start(Roles::from_list(&[jiesu::Role::Intake])).await;
    let mut fields = LAMP.to_vec();
    fields.push(("phone", "13812345678"));
    let tracking = Open311Client::new(&intake.base, &key).post(&fields, None).await.expect("POST").id();
    intake.stop().await;
    dead_letter_the_intake_message(&backend, "failed 5 times: database unavailable").await;

    let (code, out, err) = dlq(&backend, &["list"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("tracking {tracking}")) && out.contains("database unavailable"), "{out}");
    let id = out.lines().nth(1).and_then(|l| l.split_whitespace().next()).expect("an id").to_owned();
    let (code, shown, err) = dlq(&backend, &["show", &id]).await;
    assert_eq!(code, 0, "{err}");
    assert!(shown.contains(&tracking), "{shown}");
    for said in [&out, &shown, &err] {
        assert!(!said.contains("13812345678"), "a phone number was printed: {said}");
    }

    let dispatcher = backend.start(Roles::from_list(&[jiesu::Role::Dispatch])).await;
    let (code, out, err) = dlq(&backend, &["replay", "--all", "--queue", "intake"]).await;
    assert_eq!((code, out.trim()), (0, "replayed 1"), "{err}");
    let started = Instant::now();
    while backend.count_requests().await < 1 {
        assert!(started.elapsed() < SOON, "the replayed request was never stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, out, _) = dlq(&backend, &["list"]).await;
    assert_eq!(out.lines().count(), 1, "nothing left: {out}");
    dispatcher.stop().await;
}

async fn a_waiting_dead_letter_shows_on_metrics_and_in_one_warning_per_period(backend: Backend) {
    let exe = env!("CARGO_BIN_EXE_jiesu-under-test");
    let server = Server::start_with(exe, &backend, &[("JIESU__QUEUE__DEAD_LETTER_CHECK_SECS", "1")]).await;
    let metrics = || async {
        let resp = reqwest::get(format!("{}/metrics", server.base)).await.expect("GET /metrics");
        assert_eq!(resp.status(), 200);
        resp.text().await.expect("body")
    };
    let started = Instant::now();
    while !metrics().await.contains("jiesu_dead_letter_messages{queue=\"intake\"} 0") {
        assert!(started.elapsed() < SOON, "the first count never came: {}", metrics().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..3 {
        send_to_intake(&backend, Message::new(Uuid::now_v7(), "complaint_v0", b"{}".to_vec())).await;
    }
    let started = Instant::now();
    while !metrics().await.contains("jiesu_dead_letter_messages{queue=\"intake\"} 3") {
        assert!(started.elapsed() < SOON, "never counted: {}", metrics().await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let warnings = || {
        let output = server.output.lock().expect("lock");
        output.iter().filter(|l| l.contains("dead letters are waiting") && l.contains("intake")).count()
    };
    let before = warnings();
    assert!(before >= 1, "a WARN line names the queue");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let during = warnings() - before;
    // One line per period (1 s here) for the queue, whatever the number of messages: 3 or 4.
    assert!((2..=5).contains(&during), "{during} warnings in 3.5 s");
    let line = server
        .output
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .find(|l| l.contains("dead letters are waiting"))
        .cloned();
    let line = line.map(|l| without_colours(&l)).unwrap_or_default();
    assert!(line.contains(r#"queue="intake" count=3"#), "the line gives the queue and the count: {line}");
    server.terminate().await;
}

/// A log line without its terminal colour codes (`ESC [ ... m`).
fn without_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| *c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}
