//! The district's own areas for the report form's map and pickers: GeoJSON of the district, its
//! streets and communities with their outlines (WGS84, as the district's files hold them), names
//! in the page's language, and each area's gazetteer keywords, so the page finds the area an
//! address names without another call. Drawn with no tile server at all; a deployment may add
//! one (`web.map`).

use jiesu_domain::area::{Area, AreaLevel};
use jiesu_domain::district::District;
use jiesu_words::Lang;
use jiesu_words::names::local_name;
use serde_json::{Value, json};

/// A FeatureCollection of every area with an outline, the widest first (so the narrower are drawn
/// on top and take the clicks' tooltips).
pub fn geojson(d: &District, lang: Lang) -> Value {
    let mut areas: Vec<&Area> = d.areas().iter().filter(|a| a.boundary.is_some()).collect();
    areas.sort_by_key(|a| (depth(a.level), a.code.as_str().to_owned()));
    let features: Vec<Value> = areas
        .into_iter()
        .map(|a| {
            let rings = a.boundary.as_ref().map(|b| b.rings()).unwrap_or_default();
            let polygons: Vec<Value> = rings
                .into_iter()
                .map(|ring| json!([ring.into_iter().map(|(lon, lat)| json!([lon, lat])).collect::<Vec<_>>()]))
                .collect();
            let keywords: Vec<&str> = d
                .gazetteer()
                .entries()
                .iter()
                .filter(|(_, code)| code == &a.code)
                .map(|(k, _)| k.as_str())
                .collect();
            json!({
                "type": "Feature",
                "properties": {
                    "code": a.code.as_str(),
                    "name": local_name(&a.name, a.name_en.as_deref(), lang),
                    "level": a.level.as_str(),
                    "keywords": keywords,
                },
                "geometry": { "type": "MultiPolygon", "coordinates": polygons },
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

fn depth(level: AreaLevel) -> u8 {
    match level {
        AreaLevel::District => 0,
        AreaLevel::Street => 1,
        AreaLevel::Community => 2,
        AreaLevel::Grid => 3,
    }
}

/// An area in a picker: its code and its name in the page's language.
pub type Named = (String, String);

/// The streets and, under each, its communities, for the picker that works without the map:
/// `(street, communities)`, in code order.
pub fn streets(d: &District, lang: Lang) -> Vec<(Named, Vec<Named>)> {
    let named = |a: &Area| (a.code.as_str().to_owned(), local_name(&a.name, a.name_en.as_deref(), lang));
    d.areas()
        .iter()
        .filter(|a| a.level == AreaLevel::Street)
        .map(|street| {
            let communities = d
                .areas()
                .iter()
                .filter(|c| c.level == AreaLevel::Community && c.code.parent().as_ref() == Some(&street.code))
                .map(named)
                .collect();
            (named(street), communities)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_street_is_a_feature_with_its_outline_name_and_keywords() {
        let d = jiesu_testkit::fixtures::district();
        let fc = geojson(d, Lang::Zh);
        let features = fc["features"].as_array().expect("features");
        let kengzi = features.iter().find(|f| f["properties"]["code"] == "pingshan.kengzi").expect("Kengzi");
        assert_eq!(kengzi["properties"]["name"], "坑梓街道");
        assert_eq!(kengzi["properties"]["level"], "street");
        assert!(kengzi["properties"]["keywords"].as_array().is_some_and(|k| k.iter().any(|k| k == "坑梓")));
        let ring = &kengzi["geometry"]["coordinates"][0][0];
        assert!(ring.as_array().is_some_and(|r| r.len() >= 4), "a closed ring: {ring}");
        assert_eq!(features[0]["properties"]["level"], "district", "the widest first");
        let en = geojson(d, Lang::En);
        assert!(
            en["features"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["properties"]["name"] == "Kengzi Street"))
        );
    }

    #[test]
    fn the_picker_lists_each_street_with_its_communities() {
        let d = jiesu_testkit::fixtures::district();
        let streets = streets(d, Lang::Zh);
        assert_eq!(streets.len(), 6, "Pingshan's six streets");
        assert!(
            streets.iter().all(|((code, _), communities)| communities
                .iter()
                .all(|(c, _)| c.starts_with(code.as_str())))
        );
    }
}
