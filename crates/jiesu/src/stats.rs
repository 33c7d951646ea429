//! `jiesu stats rebuild`: empties the summary the supervisors' rates are read from and recounts
//! every request from its case (the stats role keeps it up to date afterwards; it may run
//! meanwhile). Exit status 0: rebuilt; 1: the store or the district failed.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use jiesu_domain::ports::{Cases, Stats};

use crate::app::{StartError, load_district};
use crate::backends::{AnyStore, open_store};
use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum StatsAction {
    /// Recount the summary from every request's case.
    Rebuild {
        /// Requests per transaction.
        #[arg(long, default_value_t = 500)]
        batch: u32,
    },
}

pub async fn run(settings: &Settings, action: StatsAction) -> ExitCode {
    let StatsAction::Rebuild { batch } = action;
    let outcome = match open_store(settings, true).await {
        Ok(AnyStore::Sqlite(s)) => rebuild(settings, &s, batch).await,
        Ok(AnyStore::Postgres(s)) => rebuild(settings, &s, batch).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok((n, secs)) => {
            let _ = writeln!(
                std::io::stdout().lock(),
                "rebuilt the stats of {n} requests in {secs:.1} s ({:.0} requests/s)",
                n as f64 / secs.max(0.001)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn rebuild<S: Cases + Stats>(
    settings: &Settings,
    store: &S,
    batch: u32,
) -> Result<(u64, f64), StartError> {
    let district = load_district(&settings.district.dir).map_err(|e| StartError::Config(e.to_string()))?;
    let started = std::time::Instant::now();
    let done = jiesu_stats::rebuild(store, &district, batch).await?;
    Ok((done.requests, started.elapsed().as_secs_f64()))
}
