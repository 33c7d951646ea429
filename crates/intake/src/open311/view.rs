//! A stored request as a GeoReport v2 service request record.

use chrono::{DateTime, FixedOffset, Offset, SecondsFormat, Utc};
use jiesu_domain::district::District;
use jiesu_domain::ports::RequestView;
use jiesu_domain::task::{TaskRole, TaskState};
use serde::Serialize;

/// China Standard Time. China has one time zone and no daylight saving, so a fixed offset is exact.
const CST: i32 = 8 * 3600;

#[derive(Debug, Serialize)]
pub struct Record {
    pub service_request_id: String,
    pub status: &'static str,
    pub status_notes: String,
    pub service_name: Option<String>,
    pub service_code: Option<String>,
    pub description: String,
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: String,
    pub updated_datetime: String,
    pub expected_datetime: Option<String>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
}

/// ISO 8601 with the +08:00 offset, as the spec asks (a zone must be given).
pub fn datetime(t: DateTime<Utc>) -> String {
    let cst = FixedOffset::east_opt(CST).unwrap_or(Utc.fix());
    t.with_timezone(&cst).to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub fn record(v: &RequestView, district: &District) -> Record {
    let r = &v.request;
    let s = &r.submitted;
    // The lead bureau answering for the request now: the newest lead task that was not sent back.
    let lead = v
        .tasks
        .iter()
        .rev()
        .filter(|t| t.role == TaskRole::Lead)
        .find(|t| !matches!(t.state, TaskState::Disclaimed | TaskState::Cancelled))
        .or_else(|| v.tasks.iter().rev().find(|t| t.role == TaskRole::Lead));
    let point = s.location.point();
    Record {
        service_request_id: s.tracking.to_string(),
        status: if r.status.is_open() { "open" } else { "closed" },
        status_notes: format!("{}: {}", r.status.as_str(), r.status.name_zh()),
        service_name: s.category.as_ref().and_then(|c| district.taxonomy().get(c)).map(|c| c.name.clone()),
        service_code: s.category.as_ref().map(|c| c.to_string()),
        description: s.description.to_string(),
        agency_responsible: lead
            .map(|t| district.bureau(&t.bureau).map_or_else(|| t.bureau.to_string(), |b| b.name.clone())),
        service_notice: None,
        requested_datetime: datetime(s.received_at),
        updated_datetime: datetime(r.updated_at),
        expected_datetime: None,
        address: s.location.address().map(|a| a.to_string()),
        address_id: None,
        zipcode: None,
        lat: point.map(|p| p.lat()),
        long: point.map(|p| p.lon()),
        media_url: s.media.first().map(|m| m.as_str().to_owned()),
    }
}
