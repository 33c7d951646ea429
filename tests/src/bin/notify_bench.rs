//! The notification benchmark (`scripts/notify-bench`): citizens' requests posted over Open311 at
//! a steady rate, and the time from each one's "received" answer to its 立案 SMS reaching a fake
//! Alibaba Cloud gateway (a real HTTP server checking signatures, started here on `--fake-port`,
//! where the server under test was told the gateway is).
//!
//!   notify-bench --base URL --api-key KEY --fake-port PORT [--rate 1000] [--seconds 60]
//!                [--connections 64] [--patience 600]
//!
//! Prints the requests answered, the SMS received, the latency p50/p99/max, and the rate the
//! notify role sent at (SMS ÷ time from the first to the last). Exits 1 if an SMS was missing.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiesu_e2e::Open311Client;
use jiesu_notify::fake::FakeAlibaba;

struct Plan {
    base: String,
    api_key: String,
    fake_port: u16,
    rate: u64,
    seconds: u64,
    connections: usize,
    patience: u64,
}

fn usage(why: &str) -> ! {
    let _ = writeln!(
        std::io::stderr(),
        "notify-bench: {why}\nusage: notify-bench --base URL --api-key KEY --fake-port PORT [--rate N] [--seconds N] [--connections N] [--patience N]"
    );
    std::process::exit(2)
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run(plan: Plan) -> bool {
    let fake = FakeAlibaba::start_on(([127, 0, 0, 1], plan.fake_port).into(), "LTAI-bench", "secret-bench")
        .await
        .unwrap_or_else(|e| usage(&format!("cannot listen on {}: {e}", plan.fake_port)));
    let http = reqwest::Client::new();
    while !http.get(format!("{}/readyz", plan.base)).send().await.is_ok_and(|r| r.status().is_success()) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let client = Open311Client::new(&plan.base, &plan.api_key);
    let total = (plan.rate * plan.seconds) as usize;
    let next = Arc::new(AtomicUsize::new(0));
    let answered: Arc<Mutex<HashMap<String, Instant>>> = Arc::new(Mutex::new(HashMap::with_capacity(total)));
    let start = Instant::now();
    let every = Duration::from_secs(1) / u32::try_from(plan.rate.max(1)).unwrap_or(u32::MAX);
    let workers: Vec<_> = (0..plan.connections)
        .map(|_| {
            let (client, next, answered) = (client.clone(), next.clone(), answered.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    // Request i is due at start + i × every: a steady rate, not as fast as possible.
                    tokio::time::sleep_until((start + every * u32::try_from(i).unwrap_or(u32::MAX)).into())
                        .await;
                    let phone = format!("139{:08}", i % 100_000_000);
                    let lat = format!("{:.5}", 22.66 + (i % 1000) as f64 * 0.0001);
                    let fields = [
                        ("service_code", "010101"),
                        ("lat", lat.as_str()),
                        ("long", "114.387"),
                        ("phone", phone.as_str()),
                    ];
                    if let Ok(r) = client.post(&fields, None).await
                        && r.status == reqwest::StatusCode::OK
                    {
                        answered.lock().expect("lock").insert(r.id(), Instant::now());
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    let posted = start.elapsed();
    let answered = answered.lock().expect("lock").clone();
    let deadline = Instant::now() + Duration::from_secs(plan.patience);
    while fake.received().len() < answered.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = fake.received();
    let mut latencies: Vec<Duration> = got
        .iter()
        .filter_map(|m| {
            let number = m.params["number"].as_str()?.replace('-', "");
            Some(m.at.saturating_duration_since(*answered.get(&number)?))
        })
        .collect();
    latencies.sort_unstable();
    let (first, last) = (got.iter().map(|m| m.at).min(), got.iter().map(|m| m.at).max());
    let span = match (first, last) {
        (Some(f), Some(l)) => l.saturating_duration_since(f).as_secs_f64().max(0.001),
        _ => 0.001,
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "posted {} requests in {:.1} s ({:.0}/s answered), {} SMS received, {} rejected",
        answered.len(),
        posted.as_secs_f64(),
        answered.len() as f64 / posted.as_secs_f64(),
        got.len(),
        fake.rejected().len()
    );
    let _ = writeln!(
        out,
        "received → 立案 SMS: p50 {:.2} s, p99 {:.2} s, max {:.2} s",
        quantile(&latencies, 0.5).as_secs_f64(),
        quantile(&latencies, 0.99).as_secs_f64(),
        latencies.last().copied().unwrap_or_default().as_secs_f64()
    );
    let _ = writeln!(out, "sent {:.0} SMS/s (first to last SMS)", got.len() as f64 / span);
    // While the requests came in, and after: what the notify role does beside a full intake,
    // and alone.
    let load_end = start + posted;
    let during = got.iter().filter(|m| m.at <= load_end).count();
    let after = got.len() - during;
    let after_span = last.map_or(0.0, |l| l.saturating_duration_since(load_end).as_secs_f64());
    let _ = writeln!(
        out,
        "during the load: {during} SMS ({:.0}/s); after it: {after} SMS in {after_span:.1} s ({:.0}/s)",
        during as f64 / posted.as_secs_f64(),
        if after_span > 0.0 { after as f64 / after_span } else { 0.0 }
    );
    latencies.len() == answered.len()
}

fn main() -> ExitCode {
    let mut plan = Plan {
        base: "http://127.0.0.1:8080".into(),
        api_key: String::new(),
        fake_port: 0,
        rate: 1000,
        seconds: 60,
        connections: 64,
        patience: 600,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        let number =
            || value.parse::<u64>().unwrap_or_else(|_| usage(&format!("{} wants a number", pair[0])));
        match pair[0].as_str() {
            "--base" => plan.base = value.clone(),
            "--api-key" => plan.api_key = value.clone(),
            "--fake-port" => plan.fake_port = u16::try_from(number()).unwrap_or_else(|_| usage("a port")),
            "--rate" => plan.rate = number().max(1),
            "--seconds" => plan.seconds = number().max(1),
            "--connections" => plan.connections = usize::try_from(number()).unwrap_or(1).max(1),
            "--patience" => plan.patience = number(),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if plan.fake_port == 0 {
        usage("--fake-port is where the server sends its SMS");
    }
    // One worker thread: the driver shares the machine with the server it measures.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build();
    let runtime = runtime.unwrap_or_else(|e| usage(&format!("runtime: {e}")));
    if runtime.block_on(run(plan)) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
