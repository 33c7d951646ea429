//! The login flood of issue 11: 400 concurrent logins for unknown users once took the process to
//! 11.2 GB, because each ran a 19 MiB argon2 hash on an unbounded blocking pool. Here the real
//! binary (SQLite, the default backend) takes the same flood and must stay under 500 MB resident,
//! while `/healthz` keeps answering within 100 ms: the hashing runs on blocking threads, bounded
//! by the hash gate, and never on the runtime's workers that serve requests.
//!
//! First with the address throttle set out of the way, since all 400 come from 127.0.0.1: the
//! bound must hold on the hash gate alone. Then with the default throttles: the burst is let
//! through and the rest is answered 429 at once.
//!
//! `/healthz` is timed from a thread of its own over one kept-alive connection, from writing the
//! request to reading the whole response, so the test's own busy runtime does not count against
//! the server. Run with `--nocapture` to see the figures (README, "Login under a flood").

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jiesu_e2e::Backend;
use jiesu_e2e::process::Server;
use reqwest::StatusCode;
use serde_json::json;

const JIESU: &str = env!("CARGO_BIN_EXE_jiesu-under-test");
const CONCURRENT: usize = 400;
const MAX_RSS_KB: u64 = 500 * 1024;
const HEALTHZ_LIMIT: Duration = Duration::from_millis(100);

/// A line of `/proc/<pid>/status` in kB (`VmRSS`, `VmHWM`: the peak).
fn proc_kb(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process runs");
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} in {status}"));
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a number of kB")
}

/// Polls `/healthz` every 10 ms on one connection until `stop`; returns every answer's time.
fn poll_healthz(base: &str, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<Duration>> {
    let addr = base.trim_start_matches("http://").to_owned();
    std::thread::spawn(move || {
        let mut conn = TcpStream::connect(&addr).expect("connect");
        conn.set_nodelay(true).expect("nodelay");
        conn.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let mut times = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            let started = Instant::now();
            conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: jiesu\r\n\r\n").expect("send");
            let mut answer = Vec::new();
            let mut buf = [0u8; 1024];
            // The whole response: the headers, then the 2-byte body "ok".
            while !answer.ends_with(b"\r\n\r\nok") {
                let n = conn.read(&mut buf).expect("read /healthz");
                assert!(n > 0, "the server closed the connection");
                answer.extend_from_slice(&buf[..n]);
            }
            times.push(started.elapsed());
            assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
            std::thread::sleep(Duration::from_millis(10));
        }
        times
    })
}

/// What one flood did.
#[derive(Debug)]
struct Flood {
    statuses: Vec<StatusCode>,
    elapsed: Duration,
    peak_rss_kb: u64,
    rss_after_kb: u64,
    healthz: Vec<Duration>,
}

impl Flood {
    fn count(&self, status: StatusCode) -> usize {
        self.statuses.iter().filter(|s| **s == status).count()
    }

    fn report(&self, name: &str) {
        let mut h = self.healthz.clone();
        h.sort();
        let p99 = h[(h.len() * 99 / 100).min(h.len() - 1)];
        let checked = self.count(StatusCode::UNAUTHORIZED);
        eprintln!(
            "{name}: {CONCURRENT} logins in {:.2} s: {checked} checked (401, {:.1}/s), {} busy (503), {} throttled (429); \
             peak RSS {} MB, {} MB after; /healthz {} answers, p99 {:.1} ms, max {:.1} ms",
            self.elapsed.as_secs_f64(),
            checked as f64 / self.elapsed.as_secs_f64(),
            self.count(StatusCode::SERVICE_UNAVAILABLE),
            self.count(StatusCode::TOO_MANY_REQUESTS),
            self.peak_rss_kb / 1024,
            self.rss_after_kb / 1024,
            h.len(),
            p99.as_secs_f64() * 1000.0,
            h.last().expect("answers").as_secs_f64() * 1000.0,
        );
    }

    fn assert_bounded(&self) {
        assert!(self.peak_rss_kb < MAX_RSS_KB, "peak RSS {} kB", self.peak_rss_kb);
        assert!(self.rss_after_kb < MAX_RSS_KB, "RSS after {} kB", self.rss_after_kb);
        assert!(self.healthz.len() >= 10, "/healthz was polled throughout: {} answers", self.healthz.len());
        let slow: Vec<_> = self.healthz.iter().filter(|t| **t >= HEALTHZ_LIMIT).collect();
        assert!(slow.is_empty(), "/healthz answers of 100 ms or more: {slow:?}");
    }
}

/// Fires `CONCURRENT` logins for distinct unknown users at once, watching memory and `/healthz`.
async fn flood(server: &Server) -> Flood {
    let pid = server.pid();
    let stop = Arc::new(AtomicBool::new(false));
    let healthz = poll_healthz(&server.base, stop.clone());
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while !stop.load(Ordering::SeqCst) {
                peak = peak.max(proc_kb(pid, "VmRSS:"));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak
        })
    };
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("HTTP client");
    let started = Instant::now();
    let logins: Vec<_> = (0..CONCURRENT)
        .map(|n| {
            let (http, url) = (http.clone(), format!("{}/api/v1/auth/login", server.base));
            tokio::spawn(async move {
                let body = json!({ "username": format!("nobody.{n}"), "password": "a guess at a password" });
                http.post(url)
                    .json(&body)
                    .send()
                    .await
                    .expect("an answer, never a dropped connection")
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for l in logins {
        statuses.push(l.await.expect("joined"));
    }
    let elapsed = started.elapsed();
    // A little longer: memory must also come back down, not only stay under the bound.
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    let sampled = sampler.await.expect("sampler");
    let healthz = healthz.join().expect("healthz poller");
    Flood {
        statuses,
        elapsed,
        peak_rss_kb: sampled.max(proc_kb(pid, "VmHWM:")),
        rss_after_kb: proc_kb(pid, "VmRSS:"),
        healthz,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_logins_for_unknown_users_stays_under_500_mb_and_healthz_answers_within_100_ms() {
    let backend = Backend::embedded().await;
    // All 400 come from 127.0.0.1: the address throttle is moved out of the way, so only the hash
    // gate stands between the flood and the memory.
    let unthrottled = [("JIESU__AUTH__PER_ADDRESS_PER_MINUTE", "0")];
    let server = Server::start_with(JIESU, &backend, &unthrottled).await;
    let f = flood(&server).await;
    f.report("hash gate alone");
    f.assert_bounded();
    let answered = f.count(StatusCode::UNAUTHORIZED) + f.count(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answered, CONCURRENT, "every login checked or told to come back: {:?}", f.statuses);
    assert!(f.count(StatusCode::UNAUTHORIZED) >= 20, "the gate lets work through: {:?}", f.statuses);
    assert!(server.terminate().await.success());

    // The default throttles: the address's burst of 10 is checked, the rest refused at once.
    let server = Server::start(JIESU, &backend).await;
    let f = flood(&server).await;
    f.report("default throttles");
    f.assert_bounded();
    let let_through = f.count(StatusCode::UNAUTHORIZED) + f.count(StatusCode::SERVICE_UNAVAILABLE);
    assert!((10..=11).contains(&let_through), "the burst (and a refill at most): {:?}", f.statuses);
    assert_eq!(f.count(StatusCode::TOO_MANY_REQUESTS), CONCURRENT - let_through, "all the rest throttled");
    assert!(server.terminate().await.success());
}
