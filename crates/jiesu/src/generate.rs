//! `jiesu generate-history --requests N`: fills the configured store with a realistic history
//! (see `jiesu_generate`), for measuring at volume. Refuses a store that already holds requests
//! unless told to append.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use jiesu_domain::ports::{Histories, Store};
use jiesu_generate::{Options, Progress};

use crate::app::{StartError, load_district};
use crate::backends::{AnyStore, open_store};
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// How many requests to generate.
    #[arg(long)]
    requests: u64,
    /// Spread them over this many years up to now.
    #[arg(long, default_value_t = 2)]
    years: u32,
    /// The same seed gives the same requests and lives.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Requests per transaction.
    #[arg(long, default_value_t = 2_000)]
    batch: usize,
    /// Add to a store that already holds requests (use another seed, or the ids collide).
    #[arg(long)]
    append: bool,
}

pub async fn run(settings: &Settings, args: GenerateArgs) -> ExitCode {
    let outcome = match open_store(settings, true).await {
        Ok(AnyStore::Sqlite(s)) => generate(settings, &s, &args).await,
        Ok(AnyStore::Postgres(s)) => generate(settings, &s, &args).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(p) => {
            let secs = p.elapsed.as_secs_f64().max(0.001);
            say(&format!(
                "generated {} requests ({} rows, {} events) in {secs:.1} s: {:.0} requests/s, {:.0} rows/s",
                p.requests,
                p.rows,
                p.events,
                p.requests as f64 / secs,
                p.rows as f64 / secs
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn generate<S: Store + Histories>(
    settings: &Settings,
    store: &S,
    args: &GenerateArgs,
) -> Result<Progress, StartError> {
    let held = store.count_requests().await?;
    if held > 0 && !args.append {
        return Err(StartError::Config(format!(
            "the database already holds {held} requests; pass --append (with another --seed) to add to them"
        )));
    }
    let district = load_district(&settings.district.dir).map_err(|e| StartError::Config(e.to_string()))?;
    let policy = settings.policy_for(&district).map_err(StartError::Config)?;
    let key = crate::secret::server_key(settings, store).await?;
    let mut options = Options::new(args.requests, jiesu_domain::time::now());
    options.years = args.years;
    options.seed = args.seed;
    options.batch = args.batch;
    let step = (args.requests / 20).max(1);
    let mut next = step;
    let report = jiesu_generate::generate(store, Arc::new(district), policy, key, &options, |p| {
        if p.requests >= next {
            next += step;
            let _ = writeln!(
                std::io::stderr().lock(),
                "{} requests, {} rows, {:.1} s",
                p.requests,
                p.rows,
                p.elapsed.as_secs_f64()
            );
        }
    })
    .await?;
    Ok(report)
}

fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
