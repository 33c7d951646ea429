//! The full fault run (`scripts/chaos`): see `jiesu_e2e::chaos`.
//!
//!   chaos --exe target/release/jiesu [--seconds 60] [--rate 150] [--outage 10]
//!
//! Needs PostgreSQL and RabbitMQ as the test suite does. Exits 1 unless nothing was lost,
//! duplicated, dead-lettered or left behind.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use jiesu_e2e::chaos::{Plan, run};

fn main() -> ExitCode {
    let mut plan = Plan {
        exe: "target/release/jiesu".into(),
        seconds: 60,
        rate: 150,
        outage: Duration::from_secs(10),
        settle: Duration::from_secs(180),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or_default();
        let number =
            || value.parse::<u64>().unwrap_or_else(|_| usage(&format!("{} wants a number", pair[0])));
        match pair[0].as_str() {
            "--exe" => plan.exe = value.into(),
            "--seconds" => plan.seconds = number(),
            "--rate" => plan.rate = u32::try_from(number()).unwrap_or(u32::MAX),
            "--outage" => plan.outage = Duration::from_secs(number()),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let tally = runtime.block_on(run(&plan));
    let clean = tally.clean();
    let verdict =
        if clean { "clean: nothing lost, duplicated, dead-lettered or left behind" } else { "NOT CLEAN" };
    let _ = writeln!(std::io::stdout().lock(), "{}{verdict}", tally.report());
    if clean { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn usage(why: &str) -> ! {
    eprintln!("chaos: {why}\nusage: chaos --exe PATH [--seconds N] [--rate N] [--outage SECONDS]");
    std::process::exit(2)
}
