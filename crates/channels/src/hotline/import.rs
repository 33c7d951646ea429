//! Importing a call-centre export. Each row is either imported whole or reported with its reason,
//! never half-stored; an order already received (stored, through the API or an earlier import, or
//! still on the queue from an earlier import) is reported and skipped, so running the same file
//! again imports nothing twice and says so.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiesu_domain::district::District;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::ports::{Queue, Store};
use jiesu_domain::request::{Channel, ChannelRef, NewRequest};

use super::csv::Row;
use crate::publish::Intake;

/// What happened to one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Imported(TrackingNumber),
    /// Received before: stored, or sent to the queue by an earlier import.
    AlreadyReceived(TrackingNumber),
    Rejected(String),
}

#[derive(Debug, Default)]
pub struct ImportReport {
    /// (line, order number, outcome), in file order.
    pub rows: Vec<(u64, String, Outcome)>,
    /// Why the import stopped early (the queue or the database failed); rows after that point
    /// are not in `rows` and the file can simply be imported again.
    pub stopped: Option<String>,
}

impl ImportReport {
    pub fn count(&self, pick: fn(&Outcome) -> bool) -> usize {
        self.rows.iter().filter(|(_, _, o)| pick(o)).count()
    }
}

/// Rows sent to the queue per confirm.
const BATCH: usize = 200;

pub async fn import<S: Store, Q: Queue>(
    store: &S,
    queue: &Q,
    key: &jiesu_domain::secret::ServerKey,
    district: &District,
    rows: Vec<Row>,
    now: DateTime<Utc>,
) -> ImportReport {
    let mut report = ImportReport::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut pending: Vec<Pending> = Vec::new();
    for row in rows {
        let order = match row.order {
            Ok(o) => o,
            Err(e) => {
                report.rows.push((row.line, String::new(), Outcome::Rejected(e.to_string())));
                continue;
            }
        };
        let no = order.order_no.trim().to_owned();
        if let Some(first) = seen.insert(no.clone(), row.line) {
            report.rows.push((
                row.line,
                no,
                Outcome::Rejected(format!("order_no: repeats line {first} of this file")),
            ));
            continue;
        }
        let channel_ref = match order.channel_ref() {
            Ok(r) => r,
            Err(e) => {
                report.rows.push((row.line, no, Outcome::Rejected(e.to_string())));
                continue;
            }
        };
        match store.tracking_for(Channel::Hotline, &channel_ref).await {
            Ok(Some(tracking)) => {
                report.rows.push((row.line, no, Outcome::AlreadyReceived(tracking)));
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                report.stopped = Some(format!("the database: {e}"));
                break;
            }
        }
        match order.into_request(key, district, now) {
            Ok(request) => {
                pending.push(Pending { line: row.line, no, channel_ref, request });
            }
            Err(e) => report.rows.push((row.line, no, Outcome::Rejected(e.to_string()))),
        }
        if pending.len() >= BATCH && !flush(store, queue, &mut pending, &mut report).await {
            break;
        }
    }
    if report.stopped.is_none() {
        flush(store, queue, &mut pending, &mut report).await;
    }
    report.rows.sort_by_key(|(line, _, _)| *line);
    report
}

/// A row converted and waiting for its batch to be sent.
struct Pending {
    line: u64,
    no: String,
    channel_ref: ChannelRef,
    request: NewRequest,
}

/// Sends what is pending; only confirmed rows are reported imported. Confirmed rows are then
/// recorded, so an import run again before the dispatcher stored them reports them received.
/// (Recorded after the confirm, never before: a row recorded but never queued would be lost.)
async fn flush<S: Store, Q: Queue>(
    store: &S,
    queue: &Q,
    pending: &mut Vec<Pending>,
    report: &mut ImportReport,
) -> bool {
    if pending.is_empty() {
        return true;
    }
    if let Err(e) = Intake::new(queue).send(pending.iter().map(|p| &p.request)).await {
        report.stopped = Some(format!("the queue: {e}"));
        pending.clear();
        return false;
    }
    let refs: Vec<_> = pending.iter().map(|p| (p.channel_ref.clone(), p.request.tracking.clone())).collect();
    let recorded = store.record_queued(Channel::Hotline, &refs, jiesu_domain::time::now()).await;
    report.rows.extend(pending.drain(..).map(|p| (p.line, p.no, Outcome::Imported(p.request.tracking))));
    match recorded {
        Ok(()) => true,
        Err(e) => {
            // Imported all the same; only a second import before the dispatcher stores them
            // would not know them (the dispatcher still stores each once).
            report.stopped = Some(format!("the database, after queueing: {e}"));
            false
        }
    }
}
