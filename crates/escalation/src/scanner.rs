//! The scanner: leases what is due (deadline chains, meetings past their time) and has the
//! workflow move it.

use std::time::Duration;

use jiesu_domain::ports::{Cases, StoreError};
use jiesu_domain::workflow::{Caller, Command, WorkflowError};
use jiesu_workflow::{ActError, Workflow};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct ScannerSettings {
    /// The pause between scans when nothing was due.
    pub every: Duration,
    /// Rows leased per scan.
    pub batch: u32,
    /// How long a lease protects a row from other scanners (a scanner that dies gives it back
    /// when this runs out).
    pub lease: Duration,
}

impl Default for ScannerSettings {
    fn default() -> Self {
        Self { every: Duration::from_secs(30), batch: 100, lease: Duration::from_secs(60) }
    }
}

#[derive(Debug)]
pub struct Scanner<S> {
    workflow: Workflow<S>,
    settings: ScannerSettings,
}

impl<S: Cases> Scanner<S> {
    pub fn new(workflow: Workflow<S>, settings: ScannerSettings) -> Self {
        Self { workflow, settings }
    }

    /// Scans until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(every = ?self.settings.every, "escalation scanner started");
        loop {
            let moved = match self.scan(jiesu_domain::time::now()).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "escalation scan failed; trying again later");
                    0
                }
            };
            // A full batch may mean more is due: go on at once.
            if moved < self.settings.batch as usize {
                if !jiesu_worker::pause(&shutdown, self.settings.every).await {
                    break;
                }
            } else if shutdown.is_cancelled() {
                break;
            }
        }
        tracing::info!("escalation scanner stopped");
    }

    /// One scan at `now`: leases what is due and moves each request's clocks. Returns how many
    /// requests it looked at.
    #[tracing::instrument(name = "escalation.scan", skip_all, fields(batch.size = self.settings.batch))]
    pub async fn scan(&self, now: chrono::DateTime<chrono::Utc>) -> Result<usize, StoreError> {
        let lease =
            chrono::Duration::from_std(self.settings.lease).unwrap_or_else(|_| chrono::Duration::seconds(60));
        let due = self.workflow.store().lease_due(now, now + lease, self.settings.batch).await?;
        for request in &due {
            match self.workflow.act_at(Caller::System, *request, Command::CheckClocks, now).await {
                Ok(_) | Err(ActError::Refused(WorkflowError::NotFound(_))) => {}
                // The database is gone: the rest would fail too; their leases run out meanwhile.
                Err(ActError::Store(e @ StoreError::Unavailable(_))) => return Err(e),
                // One request that cannot be moved (a row that does not read back, a refused
                // write) must not hold up the others: it is tried again when its lease runs out.
                Err(e) => tracing::warn!(request.id = %request, error = %e, "cannot move a request's clocks"),
            }
        }
        Ok(due.len())
    }
}
