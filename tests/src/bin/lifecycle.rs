//! The lifecycle benchmark (`scripts/lifecycle`): see `jiesu_e2e::lifecycle`.
//!
//!   lifecycle --base URL --api-key KEY --samples FILE [--users 32] [--seconds 60]
//!             [--disclaims 150] [--prefix life.] [--password P] [--fallback urban-management]
//!             [--bureaus a,b,c]
//!
//! Staff accounts `{prefix}{bureau}` for every bureau and `{prefix}desk` (an operator) must exist
//! with the one password; those of `--bureaus` sign in before the clock starts. Prints lifecycles per second and p50/p95/p99 per step; exits 1 if any
//! lifecycle failed.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use jiesu_e2e::lifecycle::{Plan, Sample, run};

fn main() -> ExitCode {
    let mut plan = Plan {
        base: "http://127.0.0.1:8080".into(),
        api_key: String::new(),
        prefix: "life.".into(),
        password: "life-pass-1".into(),
        users: 32,
        duration: Duration::from_secs(60),
        disclaims_per_mille: 150,
        samples: Vec::new(),
        fallback: "urban-management".into(),
        bureaus: Vec::new(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        let number =
            || value.parse::<u64>().unwrap_or_else(|_| usage(&format!("{} wants a number", pair[0])));
        match pair[0].as_str() {
            "--base" => plan.base = value.clone(),
            "--api-key" => plan.api_key = value.clone(),
            "--samples" => {
                let text =
                    std::fs::read_to_string(&value).unwrap_or_else(|e| usage(&format!("{value}: {e}")));
                plan.samples = Sample::parse_lines(&text);
            }
            "--users" => plan.users = usize::try_from(number()).unwrap_or(1).max(1),
            "--seconds" => plan.duration = Duration::from_secs(number()),
            "--disclaims" => plan.disclaims_per_mille = u32::try_from(number()).unwrap_or(1000).min(1000),
            "--prefix" => plan.prefix = value.clone(),
            "--password" => plan.password = value.clone(),
            "--fallback" => plan.fallback = value.clone(),
            "--bureaus" => {
                plan.bureaus = value.split(',').filter(|b| !b.is_empty()).map(str::to_owned).collect()
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if plan.samples.is_empty() {
        usage("--samples names a file of category|lat|lon lines");
    }
    // One worker thread: the driver shares the machine with the server it measures.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let tally = runtime.block_on(run(&plan));
    let _ = writeln!(std::io::stdout().lock(), "{}", tally.report());
    if tally.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn usage(why: &str) -> ! {
    eprintln!(
        "lifecycle: {why}\nusage: lifecycle --base URL --api-key KEY --samples FILE [--users N] [--seconds N] \
         [--disclaims PER_MILLE] [--prefix P] [--password P] [--fallback BUREAU] [--bureaus A,B]"
    );
    std::process::exit(2)
}
