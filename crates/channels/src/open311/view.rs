//! What the Open311 resources say, as JSON values (rendered as JSON or XML by `format`).

use chrono::{DateTime, FixedOffset, Offset, SecondsFormat, Utc};
use jiesu_domain::category::Category;
use jiesu_domain::district::District;
use jiesu_domain::event::Event;
use jiesu_domain::ports::RequestView;
use jiesu_words::{Lang, bureau_name, describe};
use serde_json::{Map, Value, json};

/// China Standard Time. China has one time zone and no daylight saving, so a fixed offset is exact.
const CST: i32 = 8 * 3600;

/// ISO 8601 with the +08:00 offset, as the spec asks (a zone must be given).
pub fn datetime(t: DateTime<Utc>) -> String {
    let cst = FixedOffset::east_opt(CST).unwrap_or(Utc.fix());
    t.with_timezone(&cst).to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub fn discovery(base: &str, changeset: DateTime<Utc>) -> Value {
    let changeset = datetime(changeset);
    json!({
        "changeset": changeset,
        "contact": "12345",
        "key_service": format!("{base}/  (API keys are issued by the district: `jiesu api-key add NAME`)"),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{base}/open311/v2"),
            "changeset": changeset,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })
}

/// The `group` of a service: its level-1 and level-2 names (城市管理 / 市政设施).
fn group(d: &District, c: &Category) -> String {
    let path = d.taxonomy().path(&c.code);
    path[..path.len().saturating_sub(1)].iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(" / ")
}

pub fn services(d: &District) -> Value {
    Value::Array(
        d.taxonomy()
            .leaves()
            .map(|c| {
                json!({
                    "service_code": c.code.as_str(),
                    "service_name": c.name,
                    "description": c.description.clone().unwrap_or_else(|| c.name.clone()),
                    "metadata": !c.attributes.is_empty(),
                    "type": "realtime",
                    "keywords": c.keywords.join(", "),
                    "group": group(d, c),
                })
            })
            .collect(),
    )
}

pub fn definition(c: &Category) -> Value {
    let mut attributes: Vec<_> = c.attributes.iter().collect();
    attributes.sort_by_key(|a| a.order);
    let attributes: Vec<Value> = attributes
        .into_iter()
        .map(|a| {
            let mut o = Map::new();
            o.insert("variable".into(), json!(true));
            o.insert("code".into(), json!(a.code));
            o.insert("datatype".into(), json!(a.datatype.as_str()));
            o.insert("required".into(), json!(a.required));
            o.insert(
                "datatype_description".into(),
                json!(a.datatype_description.clone().unwrap_or_default()),
            );
            o.insert("order".into(), json!(a.order));
            o.insert("description".into(), json!(a.description));
            if !a.values.is_empty() {
                let values: Vec<Value> =
                    a.values.iter().map(|(k, n)| json!({ "key": k, "name": n })).collect();
                o.insert("values".into(), Value::Array(values));
            }
            Value::Object(o)
        })
        .collect();
    json!({ "service_code": c.code.as_str(), "attributes": attributes })
}

/// A stored request as a GeoReport v2 service request record; with `notes`, its history too
/// (the `extensions=true` extension).
pub fn record(v: &RequestView, d: &District, notes: Option<&[Event]>) -> Value {
    let r = &v.request;
    let s = &r.submitted;
    // The lead bureau answering for the request now (none while it waits at the dispatch desk).
    let lead = jiesu_domain::task::current_lead(&v.tasks);
    let point = s.location.point();
    let mut o = json!({
        "service_request_id": s.tracking.as_str(),
        "status": if r.status.is_open() { "open" } else { "closed" },
        "status_notes": format!("{}: {}", r.status.as_str(), r.status.name_zh()),
        "service_name": s.category.as_ref().and_then(|c| d.taxonomy().get(c)).map(|c| c.name.clone()),
        "service_code": s.category.as_ref().map(|c| c.to_string()),
        "description": s.description.as_str(),
        "agency_responsible": lead.map(|t| bureau_name(d, &t.bureau, Lang::Zh)),
        "service_notice": s.details.answer.as_ref().map(|a| a.to_string()),
        "requested_datetime": datetime(s.received_at),
        "updated_datetime": datetime(r.updated_at),
        "expected_datetime": v.expected_at.map(datetime),
        "address": s.location.address().map(|a| a.to_string()),
        "address_id": null,
        "zipcode": null,
        "lat": point.map(|p| p.lat()),
        "long": point.map(|p| p.lon()),
        "media_url": s.media.first().map(|m| m.as_str()),
    });
    if let (Some(events), Value::Object(fields)) = (notes, &mut o) {
        let notes: Vec<Value> = events
            .iter()
            .filter(|e| e.request_id == s.id)
            .map(|e| {
                json!({
                    "datetime": datetime(e.occurred_at),
                    "type": e.kind.name(),
                    "description": describe(e, d, Lang::Zh),
                    "description_en": describe(e, d, Lang::En),
                })
            })
            .collect();
        fields.insert("notes".into(), Value::Array(notes));
    }
    o
}
