use std::path::Path;

use jiesu_domain::area::AreaCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::geo::GeoPoint;
use jiesu_domain::request::Location;

use super::*;

pub(crate) fn sample() -> District {
    load(&sample_sources()).unwrap_or_else(|e| panic!("the sample district must load:\n{e}"))
}

pub(crate) fn with_file(path: &str, text: &str) -> Vec<SourceFile> {
    let mut sources = sample_sources();
    let file = sources.iter_mut().find(|s| s.path == Path::new(path)).expect("sample file exists");
    file.text = text.to_owned();
    sources
}

#[test]
fn the_sample_district_loads() {
    let d = sample();
    assert_eq!(d.areas().root().code.as_str(), "pingshan");
    assert!(d.bureaus().count() >= 12);
    assert!(d.taxonomy().leaves().count() >= 30);
    assert!(!d.rules().is_empty());
}

#[test]
fn the_sample_points_land_in_their_streets_and_communities() {
    let d = sample();
    for (lat, lon, want) in [
        (22.685, 114.365, "pingshan.pingshan"),
        (22.655, 114.310, "pingshan.maluan"),
        (22.720, 114.285, "pingshan.biling"),
        (22.675, 114.412, "pingshan.shijing"),
        (22.710, 114.395, "pingshan.kengzi"),
        (22.755, 114.315, "pingshan.longtian"),
        (22.742, 114.387, "pingshan.kengzi.kengzi"),
        (22.688, 114.332, "pingshan.pingshan.liuhe"),
    ] {
        let loc = Location::new(Some(GeoPoint::new(lat, lon).expect("point")), None).expect("location");
        assert_eq!(
            d.place(&loc, None).map(|p| p.area().to_string()).as_deref(),
            Some(want),
            "({lat}, {lon})"
        );
    }
}

#[test]
fn an_unruled_category_falls_back_to_the_street_office() {
    let d = sample();
    let area = AreaCode::parse("pingshan.kengzi").expect("code");
    let category = CategoryCode::parse("990101").expect("code");
    let r = d.route(&jiesu_domain::routing::RouteInput {
        category: Some(&category),
        text: "有事反映",
        area: Some(&area),
        kind: jiesu_domain::request::Kind::Help,
        channel: jiesu_domain::request::Channel::Web,
        at: chrono::Utc::now(),
    });
    assert_eq!(r.lead().bureau.as_str(), "street-kengzi");
    assert_eq!(r.candidates.last().map(|c| c.bureau.as_str()), Some("service-centre"));
}

#[test]
fn an_unknown_key_is_reported_at_its_line() {
    let text = "[[bureau]]\ncode = \"a\"\nname = \"A\"\nkind = \"department\"\ncolour = \"red\"\n";
    let err = load(&with_file("config/bureaus.toml", text)).expect_err("unknown key");
    let e = &err.0[0];
    assert_eq!(e.file, Path::new("config/bureaus.toml"));
    assert_eq!(e.line, Some(5), "{err}");
    assert!(e.message.contains("colour"), "{err}");
}

#[test]
fn a_rule_naming_an_unknown_bureau_is_reported_at_the_rule() {
    let text = "# header\nversion = \"t\"\n[[rule]]\nid = \"ok\"\ncategories = [\"99\"]\nlead = \"water\"\n\n[[rule]]\nid = \"bad\"\ncategories = [\"9901\"]\nlead = \"ministry-of-magic\"\n";
    let err = load(&with_file("config/rules/responsibility-list.toml", text)).expect_err("unknown bureau");
    let e = err.0.iter().find(|e| e.message.contains("ministry-of-magic")).expect("reported");
    assert_eq!(e.file, Path::new("config/rules/responsibility-list.toml"));
    // The line of the rule's `[[rule]]` header.
    assert_eq!(e.line, Some(8), "{err}");
    assert_eq!(e.to_string(), format!("config/rules/responsibility-list.toml:8: {}", e.message));
}

#[test]
fn a_rule_naming_an_unknown_time_limit_class_is_reported_at_the_rule() {
    let text = "version = \"t\"\n[[rule]]\nid = \"slow\"\ncategories = [\"99\"]\nlead = \"water\"\ntime_limit = \"whenever\"\n";
    let err = load(&with_file("config/rules/responsibility-list.toml", text)).expect_err("unknown class");
    let e = err.0.iter().find(|e| e.message.contains("whenever")).expect("reported");
    assert_eq!(e.line, Some(2), "{err}");
    assert!(e.message.contains("time-limit class"), "{err}");
}

#[test]
fn a_toml_syntax_error_is_reported_at_its_line() {
    let err = load(&with_file(
        "config/areas/gazetteer.toml",
        "[[place]]\narea = \"pingshan\"\nkeywords = [\"a\"\n",
    ))
    .expect_err("syntax");
    assert_eq!(err.0[0].line, Some(3), "{err}");
}

#[test]
fn two_rules_for_one_category_with_different_leads_are_an_error() {
    let text = "version = \"t\"\n[[rule]]\nid = \"one\"\ncategories = [\"99\"]\nlead = \"water\"\n\n[[rule]]\nid = \"two\"\ncategories = [\"99\"]\nlead = \"transport\"\n";
    let err = load(&with_file("config/rules/responsibility-list.toml", text)).expect_err("ambiguous");
    assert!(err.0.iter().any(|e| e.line == Some(7) && e.message.contains("ties with rule `one`")), "{err}");
}

#[test]
fn an_open_polygon_ring_is_refused() {
    let text = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"code": "pingshan", "name": "坪山区", "level": "district", "default_owner": "service-centre"},
       "geometry": {"type": "Polygon", "coordinates": [[[114.0, 22.0], [115.0, 22.0], [115.0, 23.0], [114.0, 23.5]]]}}]}"#;
    let err = load(&with_file("config/areas/pingshan.geojson", text)).expect_err("open ring");
    assert!(err.0[0].message.contains("closed"), "{err}");
    assert_eq!(err.0[0].line, Some(2));
}

#[test]
fn the_config_folder_on_disk_matches_the_embedded_sample() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    let d = load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.rules().len(), sample().rules().len());
}

#[test]
fn missing_files_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = load_dir(dir.path()).expect_err("empty dir");
    assert!(err.0.iter().any(|e| e.file.ends_with("bureaus.toml")), "{err}");
    assert!(err.0.iter().any(|e| e.file.ends_with("rules")), "{err}");
    assert!(err.0.iter().any(|e| e.file.ends_with("time-limits.toml")), "{err}");
}

#[test]
fn service_definitions_come_with_their_questions() {
    let d = sample();
    let lift = d.taxonomy().get(&CategoryCode::parse("040102").expect("code")).expect("the lift category");
    let trapped =
        lift.attributes.iter().find(|a| a.code == "trapped").expect("asks whether anyone is trapped");
    assert!(trapped.required);
    assert_eq!(trapped.values.len(), 2);
}

#[test]
fn a_list_attribute_without_values_is_reported() {
    let text = "[[category]]\ncode = \"99\"\nname = \"其他\"\n\n[[category]]\ncode = \"9901\"\nname = \"其他\"\n\n\
                [[category]]\ncode = \"990101\"\nname = \"其他\"\n\n[[category.attribute]]\ncode = \"pick\"\n\
                datatype = \"singlevaluelist\"\ndescription = \"?\"\n";
    let mut sources = sample_sources();
    let file = sources.iter_mut().find(|s| s.path == Path::new("config/categories.toml")).expect("file");
    file.text = text.to_owned();
    let rules = sources.iter_mut().find(|s| s.path.starts_with("config/rules")).expect("rules");
    rules.text = "version = \"t\"\n".to_owned();
    let err = load(&sources).expect_err("no values");
    assert!(
        err.0.iter().any(|e| e.message.contains("a list attribute needs values") && e.line == Some(9)),
        "{err}"
    );
}
