//! The HTTP server under clients that hold connections: slow headers, idle keep-alive, more
//! sockets than the cap, and a process that runs out of descriptors (issue 11, item 5). Real
//! sockets on loopback; the HTTP layer is the same on both backends, so the embedded one serves.

use std::time::{Duration, Instant};

use jiesu::Roles;
use jiesu::settings::Settings;
use jiesu_e2e::Backend;
use jiesu_e2e::process::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const JIESU: &str = env!("CARGO_BIN_EXE_jiesu-under-test");

/// The start of a request whose head never ends.
const HALF_A_HEADER: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: jiesu\r\nUser-Agent: slow";

async fn slow_socket(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(HALF_A_HEADER).await.expect("write");
    s
}

/// Reads until the server closes the socket; how long that took, or `None` if not within `limit`.
async fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

fn addr(base: &str) -> &str {
    base.trim_start_matches("http://")
}

fn timeouts(header: u64, idle: u64) -> impl FnOnce(&mut Settings) {
    move |s| {
        s.server.header_read_timeout_secs = header;
        s.server.idle_timeout_secs = idle;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_socket_that_sends_half_a_header_is_closed_after_the_header_timeout() {
    let backend = Backend::embedded().await;
    let app = backend.start_with(Roles::ALL, timeouts(1, 60)).await;
    let mut slow = slow_socket(addr(&app.base)).await;
    let took = closed_within(&mut slow, Duration::from_secs(10)).await.expect("closed by the server");
    assert!(took >= Duration::from_millis(800) && took < Duration::from_secs(5), "closed after {took:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout_not_before() {
    let backend = Backend::embedded().await;
    let app = backend.start_with(Roles::ALL, timeouts(1, 3)).await;
    let mut conn = TcpStream::connect(addr(&app.base)).await.expect("connect");
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: jiesu\r\n\r\n").await.expect("write");
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !answer.ends_with(b"ok") {
        let n = conn.read(&mut buf).await.expect("read");
        assert!(n > 0, "answered before closing");
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    // Kept alive past the header deadline (1 s): only the idle deadline (3 s) closes it.
    let took = closed_within(&mut conn, Duration::from_secs(15)).await.expect("closed by the server");
    assert!(took >= Duration::from_millis(2500) && took < Duration::from_secs(8), "closed after {took:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_header_sockets_beyond_the_cap_keep_a_client_waiting_only_until_they_time_out() {
    let backend = Backend::embedded().await;
    let app = backend
        .start_with(Roles::ALL, |s| {
            timeouts(1, 60)(s);
            s.server.max_connections = 50;
        })
        .await;
    let mut slow = Vec::new();
    for _ in 0..120 {
        slow.push(slow_socket(addr(&app.base)).await);
    }
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
    let started = Instant::now();
    let resp = http.get(format!("{}/healthz", app.base)).send().await.expect("answered");
    let waited = started.elapsed();
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    // Behind 120 slow sockets and a cap of 50: served once slow ones were cut, not before.
    assert!(waited >= Duration::from_millis(900), "served after {waited:?}: the cap did not hold");
    let again = http.get(format!("{}/healthz", app.base)).send().await.expect("still serving");
    assert_eq!(again.status(), reqwest::StatusCode::OK);
    drop(slow);
    app.stop().await;
}

/// Lowers a running process's open-file limit (as the operator's `prlimit --pid` would).
fn lower_nofile(pid: i32, to: u64) {
    use rustix::process::{Pid, Resource, Rlimit, getrlimit, prlimit};
    let hard = getrlimit(Resource::Nofile).maximum;
    let pid = Pid::from_raw(pid).expect("a process id");
    prlimit(Some(pid), Resource::Nofile, Rlimit { current: Some(to), maximum: hard }).expect("prlimit");
}

async fn logged(server: &Server, what: &str, within: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < within {
        if server.output.lock().expect("lock").iter().any(|l| l.contains(what)) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_out_of_descriptors_keeps_accepting_once_they_are_released() {
    let backend = Backend::embedded().await;
    let server = Server::start_with(
        JIESU,
        &backend,
        &[("JIESU__SERVER__MAX_CONNECTIONS", "4000"), ("JIESU__SERVER__HEADER_READ_TIMEOUT_SECS", "300")],
    )
    .await;
    // The cap was fitted to the limit at start-up; a limit lowered since leaves it far above.
    lower_nofile(server.pid(), 256);
    let mut held = Vec::new();
    for _ in 0..320 {
        held.push(slow_socket(addr(&server.base)).await);
    }
    assert!(
        logged(&server, "out of descriptors", Duration::from_secs(20)).await,
        "accept ran out of descriptors"
    );
    drop(held);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
    let resp = http.get(format!("{}/healthz", server.base)).send().await.expect("answered after EMFILE");
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    assert!(logged(&server, "accepting connections again", Duration::from_secs(5)).await);
    assert!(server.terminate().await.success(), "stops cleanly");
}
