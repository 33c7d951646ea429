//! A small district built in code: two streets side by side, one community, a few rules.

use geo::{MultiPolygon, polygon};

use crate::admission::admit;
use jiesu_model::area::Area;
use jiesu_model::area::{AreaCode, AreaLevel, Placement};
use jiesu_model::bureau::BureauKind;
use jiesu_model::bureau::{Bureau, BureauCode};
use jiesu_model::category::{Category, CategoryCode};
use jiesu_model::contact::Contact;
use jiesu_model::geo::{Boundary, GeoPoint};
use jiesu_model::ids::{RequestId, TrackingNumber};
use jiesu_model::request::{Channel, ChannelRef, Kind, Location, NewRequest, RequestStatus};
use jiesu_model::task::TaskRole;
use jiesu_model::text::{AddressText, Description};
use jiesu_routing::RouteReason;
use jiesu_routing::district::{District, DistrictParts, Subject};
use jiesu_routing::{RouteInput, Routing, Rule, RuleId};

pub(super) fn bc(s: &str) -> BureauCode {
    BureauCode::parse(s).expect("bureau code")
}
pub(super) fn ac(s: &str) -> AreaCode {
    AreaCode::parse(s).expect("area code")
}
pub(super) fn cc(s: &str) -> CategoryCode {
    CategoryCode::parse(s).expect("category code")
}

fn bureau(code: &str, kind: BureauKind, area: Option<&str>) -> Bureau {
    Bureau { code: bc(code), name: code.to_owned(), name_en: None, kind, area: area.map(ac) }
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Boundary {
    Boundary::new(MultiPolygon::new(vec![
        polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
    ]))
}

fn area(code: &str, level: AreaLevel, owner: Option<&str>, boundary: Option<Boundary>) -> Area {
    Area {
        code: ac(code),
        name: code.to_owned(),
        name_en: None,
        level,
        default_owner: owner.map(bc),
        boundary,
    }
}

fn category(code: &str) -> Category {
    // The sample leaves' words, so that categories can be read from text.
    let (name, keywords): (&str, &[&str]) = match code {
        "010101" => ("路灯不亮", &["路灯"]),
        "010102" => ("道路破损", &["坑洼", "路面"]),
        _ => (code, &[]),
    };
    Category {
        code: cc(code),
        name: name.to_owned(),
        name_en: None,
        kind: None,
        description: None,
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        attributes: vec![],
    }
}

fn rule(id: &str, cats: &[&str], lead: &str) -> Rule {
    let version = jiesu_routing::RuleVersion::parse("test").expect("version");
    let mut r = Rule::new(RuleId::parse(id).expect("rule id"), version, bc(lead));
    r.categories = cats.iter().map(|c| cc(c)).collect();
    r
}

/// Routes a request of this category and area, with no words, as a help request from the web.
pub(super) fn route(d: &District, category: &str, area: Option<&str>) -> Routing {
    let (category, area) = (cc(category), area.map(ac));
    d.route(&RouteInput {
        category: Some(&category),
        text: "",
        area: area.as_ref(),
        kind: Kind::Help,
        channel: Channel::Web,
        at: chrono::Utc::now(),
    })
}

fn rule_reason(id: &str, category: &str) -> RouteReason {
    RouteReason::Rule {
        rule: RuleId::parse(id).expect("id"),
        version: jiesu_routing::RuleVersion::parse("test").ok(),
        category: Some(cc(category)),
        keywords: vec![],
        area: None,
        kind: None,
        channel: None,
        hours: None,
        meeting: None,
    }
}

fn parts() -> DistrictParts {
    DistrictParts {
        bureaus: vec![
            bureau("centre", BureauKind::ServiceCentre, None),
            bureau("street-west", BureauKind::StreetOffice, Some("d.west")),
            bureau("street-east", BureauKind::StreetOffice, Some("d.east")),
            bureau("urban", BureauKind::Department, None),
            bureau("transport", BureauKind::Department, None),
        ],
        areas: vec![
            area("d", AreaLevel::District, Some("centre"), Some(rect(114.0, 22.0, 116.0, 23.0))),
            area("d.west", AreaLevel::Street, Some("street-west"), Some(rect(114.0, 22.0, 115.0, 23.0))),
            area("d.east", AreaLevel::Street, Some("street-east"), Some(rect(115.0, 22.0, 116.0, 23.0))),
            area("d.west.c1", AreaLevel::Community, None, Some(rect(114.2, 22.2, 114.4, 22.4))),
        ],
        categories: ["01", "0101", "010101", "010102", "99", "9901", "990101"].map(category).to_vec(),
        rules: vec![rule("city", &["01"], "urban"), rule("roads", &["010102"], "transport")],
        gazetteer: vec![("东街".to_owned(), ac("d.east"))],
        ..DistrictParts::default()
    }
}

pub(super) fn district() -> District {
    District::assemble(parts()).expect("valid district")
}

fn new_request(category: &str, point: Option<(f64, f64)>, address: Option<&str>) -> NewRequest {
    let id = RequestId::generate();
    NewRequest {
        id,
        tracking: TrackingNumber::for_request(&jiesu_model::secret::test_key(), id),
        channel: Channel::Open311,
        channel_ref: ChannelRef::parse(&id.to_string()).expect("ref"),
        kind: Kind::Help,
        category: Some(cc(category)),
        description: Description::parse("路灯不亮").expect("text"),
        location: Location::new(
            point.map(|(lat, lon)| GeoPoint::new(lat, lon).expect("point")),
            address.map(|a| AddressText::parse(a).expect("address")),
        )
        .expect("location"),
        contact: Contact::default(),
        attributes: Default::default(),
        media: vec![],
        details: Default::default(),
        received_at: chrono::Utc::now(),
    }
}

#[test]
fn the_most_specific_rule_leads_and_the_rest_follow_in_order() {
    let d = district();
    let r = route(&d, "010102", Some("d.west.c1"));
    let order: Vec<&str> = r.candidates.iter().map(|c| c.bureau.as_str()).collect();
    assert_eq!(order, ["transport", "urban", "street-west", "centre"]);
    assert_eq!(r.lead().reason, rule_reason("roads", "010102"));
}

#[test]
fn a_branch_rule_covers_every_leaf_under_it() {
    let r = route(&district(), "010101", None);
    assert_eq!(r.lead().bureau.as_str(), "urban");
    assert_eq!(r.lead().reason, rule_reason("city", "01"));
}

#[test]
fn without_a_rule_the_street_office_owns_it_then_the_district() {
    let r = route(&district(), "990101", Some("d.east"));
    let order: Vec<&str> = r.candidates.iter().map(|c| c.bureau.as_str()).collect();
    assert_eq!(order, ["street-east", "centre"]);
    assert_eq!(r.lead().reason, RouteReason::AreaDefaultOwner { area: ac("d.east") });
}

#[test]
fn an_unplaced_request_without_a_rule_goes_to_the_district_owner() {
    let r = route(&district(), "990101", None);
    assert_eq!(r.candidates.len(), 1);
    assert_eq!(r.lead().bureau.as_str(), "centre");
}

#[test]
fn placement_uses_the_deepest_area_then_the_address() {
    let d = district();
    let at = |lat, lon| Location::new(Some(GeoPoint::new(lat, lon).expect("point")), None).expect("loc");
    assert_eq!(d.place(&at(22.3, 114.3), None).map(|p| p.area().to_string()), Some("d.west.c1".into()));
    assert_eq!(d.place(&at(22.8, 114.8), None).map(|p| p.area().to_string()), Some("d.west".into()));
    // On the shared edge of two streets the choice is deterministic (code order).
    assert_eq!(d.place(&at(22.5, 115.0), None).map(|p| p.area().to_string()), Some("d.east".into()));
    let by_address = Location::new(
        Some(GeoPoint::new(40.0, 116.4).expect("point")), // outside the district
        Some(AddressText::parse("东街12号").expect("address")),
    )
    .expect("loc");
    assert_eq!(
        d.place(&by_address, None),
        Some(Placement::Address { area: ac("d.east"), keyword: "东街".into() })
    );
}

#[test]
fn admission_dispatches_the_lead_and_records_why() {
    let d = district();
    let a = admit(new_request("010101", Some((22.8, 114.8)), None), &d, chrono::Utc::now());
    assert_eq!(a.request.status, RequestStatus::Dispatched);
    assert_eq!(a.request.area, Some(ac("d.west")));
    assert_eq!(a.tasks.len(), 1);
    assert_eq!(a.tasks[0].bureau.as_str(), "urban");
    assert_eq!(a.tasks[0].role, TaskRole::Lead);
    let names: Vec<&str> = a.events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(names, ["request_received", "request_routed", "task_dispatched"]);
    assert_eq!(a.events[2].task_id, Some(a.tasks[0].id));
}

#[test]
fn every_broken_reference_is_reported_with_its_subject() {
    let mut p = parts();
    p.rules.push(rule("ghost", &["01", "7777"], "nobody"));
    p.areas.push(area("d.north", AreaLevel::Street, Some("nobody"), None));
    p.areas.push(area("x", AreaLevel::District, Some("centre"), None));
    p.areas.push(area("y.z", AreaLevel::Street, None, None));
    p.gazetteer.push(("北街".into(), ac("d.nowhere")));
    let errs = District::assemble(p).expect_err("invalid");
    let subjects: Vec<&Subject> = errs.iter().map(|e| &e.subject).collect();
    let rule_id = Subject::Rule(RuleId::parse("ghost").expect("id"));
    assert!(subjects.contains(&&rule_id), "{errs:?}");
    assert!(errs.iter().any(|e| e.message.contains("unknown category 7777")), "{errs:?}");
    assert!(errs.iter().any(|e| e.message.contains("unknown bureau `nobody`")), "{errs:?}");
    assert!(subjects.contains(&&Subject::Area(ac("d.north"))));
    assert!(errs.iter().any(|e| e.message.contains("expected exactly one district")), "{errs:?}");
    assert!(errs.iter().any(|e| e.message.contains("has no parent area `y`")), "{errs:?}");
    assert!(subjects.contains(&&Subject::Place("北街".into())));
}

#[test]
fn a_consultation_answered_on_receipt_is_closed_and_never_dispatched() {
    let d = district();
    let mut new = new_request("010101", Some((22.8, 114.8)), None);
    new.details.answer = Some(jiesu_model::text::Answer::parse("路灯报修请拨打城管热线").expect("answer"));
    let a = admit(new, &d, chrono::Utc::now());
    assert_eq!(a.request.status, RequestStatus::Closed);
    assert!(a.tasks.is_empty());
    let names: Vec<&str> = a.events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(names, ["request_received", "request_answered"]);
}

#[test]
fn a_category_given_in_words_is_read_by_keyword_and_recorded() {
    let d = district();
    let mut new = new_request("010101", Some((22.8, 114.8)), None);
    new.category = None;
    new.details.category_text = Some(jiesu_model::text::CategoryText::parse("道路坑洼").expect("text"));
    let a = admit(new, &d, chrono::Utc::now());
    assert_eq!(a.request.submitted.category, Some(cc("010102")));
    assert_eq!(a.tasks[0].bureau.as_str(), "transport");
    let inferred = a.events.iter().find_map(|e| match &e.kind {
        jiesu_events::event::EventKind::RequestRouted { category_inferred, .. } => category_inferred.clone(),
        _ => None,
    });
    assert_eq!(inferred.map(|i| (i.category.to_string(), i.keyword)), Some(("010102".into(), "坑洼".into())));

    // Without a category text, the description is read; without any match, the area's owner leads.
    let mut vague = new_request("010101", Some((22.8, 114.8)), None);
    vague.category = None;
    vague.description = Description::parse("有事反映").expect("text");
    let a = admit(vague, &d, chrono::Utc::now());
    assert_eq!(a.request.submitted.category, None);
    assert_eq!(a.tasks[0].bureau.as_str(), "street-west");
}

#[test]
fn a_named_area_places_a_request_without_a_point() {
    let d = district();
    let mut new = new_request("990101", None, Some("某小区门口"));
    new.details.area_hint = Some(ac("d.east"));
    let a = admit(new, &d, chrono::Utc::now());
    assert_eq!(a.placement, Some(Placement::Named { area: ac("d.east") }));
    assert_eq!(a.tasks[0].bureau.as_str(), "street-east");
}
