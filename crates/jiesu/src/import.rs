//! `jiesu import hotline FILE.csv`: a call centre's export, through the intake queue like every
//! other channel, with a line-by-line report.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use jiesu_channels::hotline::{self, ImportReport, Outcome};
use jiesu_domain::district::District;
use jiesu_domain::messages::INTAKE_QUEUE;
use jiesu_domain::ports::{Accounts, Cases, ChannelSessions, Escalations, Queue, Store};

use crate::app::{StartError, load_district};
use crate::backends::{OpenOptions, UseBackends, with_backends};
use crate::settings::Settings;

struct Import {
    settings: Settings,
    district: District,
    rows: Vec<hotline::csv::Row>,
}

impl UseBackends for Import {
    type Output = ImportReport;

    async fn run<S: Store + ChannelSessions + Cases + Accounts + Escalations, Q: Queue>(
        self,
        store: S,
        queue: Q,
    ) -> Result<ImportReport, StartError> {
        queue.declare(INTAKE_QUEUE, &[]).await?;
        let key = crate::secret::server_key(&self.settings, &store).await?;
        Ok(hotline::import(&store, &queue, &key, &self.district, self.rows, jiesu_domain::time::now()).await)
    }
}

pub async fn hotline(settings: &Settings, file: &Path) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(err, "error: cannot read {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    let rows = match hotline::csv::read(&bytes) {
        Ok(rows) => rows,
        Err(e) => {
            let _ = writeln!(err, "error: {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    let district = match load_district(&settings.district.dir) {
        Ok(d) => d,
        Err(e) => {
            let _ = writeln!(err, "error: district data:\n{e}");
            return ExitCode::FAILURE;
        }
    };
    // Boxed: the import carries the whole settings, too big a future for the stack.
    let report = match Box::pin(with_backends(
        settings,
        OpenOptions { serve: false, migrate: true },
        Import { settings: settings.clone(), district, rows },
    ))
    .await
    {
        Ok((report, _)) => report,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (line, order, outcome) in &report.rows {
        let what = match outcome {
            Outcome::Imported(t) => format!("imported, tracking number {t}"),
            Outcome::AlreadyReceived(t) => format!("already received, tracking number {t}"),
            Outcome::Rejected(why) => format!("rejected: {why}"),
        };
        let _ = writeln!(out, "{}:{line} {order}: {what}", file.display());
    }
    let rejected = report.count(|o| matches!(o, Outcome::Rejected(_)));
    let _ = writeln!(
        out,
        "{} imported, {} already received, {rejected} rejected",
        report.count(|o| matches!(o, Outcome::Imported(_))),
        report.count(|o| matches!(o, Outcome::AlreadyReceived(_))),
    );
    if let Some(why) = &report.stopped {
        let _ = writeln!(
            err,
            "error: the import stopped early ({why}); the rows not listed were not imported: run it again"
        );
        return ExitCode::FAILURE;
    }
    if rejected > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS }
}
