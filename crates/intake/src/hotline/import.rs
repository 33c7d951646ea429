//! Importing a call-centre export. Each row is either imported whole or reported with its reason,
//! never half-stored; an order already received (through the API or an earlier import) is
//! reported and skipped, so running the same file again imports nothing twice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiesu_domain::district::District;
use jiesu_domain::ids::TrackingNumber;
use jiesu_domain::messages::{INTAKE_QUEUE, NEW_REQUEST, encode_new_request};
use jiesu_domain::ports::{Message, Queue, Store};
use jiesu_domain::request::Channel;

use super::csv::Row;

/// What happened to one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Imported(TrackingNumber),
    AlreadyImported(TrackingNumber),
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
    district: &District,
    rows: Vec<Row>,
    now: DateTime<Utc>,
) -> ImportReport {
    let mut report = ImportReport::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut pending: Vec<(u64, String, TrackingNumber, Message)> = Vec::new();
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
                report.rows.push((row.line, no, Outcome::AlreadyImported(tracking)));
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                report.stopped = Some(format!("the database: {e}"));
                break;
            }
        }
        match order.into_request(district, now) {
            Ok(request) => {
                let m = Message::new(request.id.as_uuid(), NEW_REQUEST, encode_new_request(&request));
                pending.push((row.line, no, request.tracking, m));
            }
            Err(e) => report.rows.push((row.line, no, Outcome::Rejected(e.to_string()))),
        }
        if pending.len() >= BATCH && !flush(queue, &mut pending, &mut report).await {
            break;
        }
    }
    if report.stopped.is_none() {
        flush(queue, &mut pending, &mut report).await;
    }
    report.rows.sort_by_key(|(line, _, _)| *line);
    report
}

/// Sends what is pending; only confirmed rows are reported imported.
async fn flush<Q: Queue>(
    queue: &Q,
    pending: &mut Vec<(u64, String, TrackingNumber, Message)>,
    report: &mut ImportReport,
) -> bool {
    if pending.is_empty() {
        return true;
    }
    let messages: Vec<Message> = pending.iter().map(|(_, _, _, m)| m.clone()).collect();
    match queue.send(INTAKE_QUEUE, &messages).await {
        Ok(()) => {
            report.rows.extend(pending.drain(..).map(|(line, no, t, _)| (line, no, Outcome::Imported(t))));
            true
        }
        Err(e) => {
            report.stopped = Some(format!("the queue: {e}"));
            pending.clear();
            false
        }
    }
}
