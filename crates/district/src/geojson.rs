//! Area boundaries from GeoJSON (RFC 7946: `[longitude, latitude]`, WGS84). We read the few
//! shapes we need into `geo` types ourselves, strictly, rather than accept any GeoJSON.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use jiesu_domain::area::{Area, AreaCode, AreaLevel};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::district::{DistrictParts, Subject};
use jiesu_domain::geo::Boundary;
use serde::Deserialize;

use crate::raw::{FileErrors, Origins};
use crate::{ConfigError, SourceFile};

#[derive(Deserialize)]
struct FeatureCollection {
    #[serde(rename = "type")]
    kind: String,
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Option<Geometry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Properties {
    code: String,
    name: String,
    name_en: Option<String>,
    level: AreaLevel,
    default_owner: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum Geometry {
    Polygon(Vec<Vec<[f64; 2]>>),
    MultiPolygon(Vec<Vec<Vec<[f64; 2]>>>),
}

pub(crate) fn parse_areas(
    src: &SourceFile,
    parts: &mut DistrictParts,
    origins: &mut Origins,
) -> Result<(), Vec<ConfigError>> {
    let fc: FeatureCollection = serde_json::from_str(&src.text).map_err(|e| {
        vec![ConfigError { file: src.path.clone(), line: Some(e.line()), message: e.to_string() }]
    })?;
    let mut errs = FileErrors::new(src);
    if fc.kind != "FeatureCollection" {
        errs.at(Some(1), format!("expected a FeatureCollection, found `{}`", fc.kind));
    }
    for (i, f) in fc.features.into_iter().enumerate() {
        // GeoJSON has no spans once parsed; the line where the code is written is close enough.
        let at = src
            .text
            .find(&format!("\"{}\"", f.properties.code))
            .map(|o| crate::line_of(&src.text, o))
            .unwrap_or(1);
        let p = f.properties;
        let code = errs.check(at, AreaCode::parse(&p.code));
        let owner = errs.check(at, p.default_owner.as_deref().map(BureauCode::parse).transpose());
        let boundary = match f.geometry.map(|g| boundary(g, i)) {
            Some(Err(message)) => {
                errs.at(Some(at), format!("area `{}`: {message}", p.code));
                continue;
            }
            Some(Ok(b)) => Some(b),
            None => None,
        };
        if let (Some(code), Some(default_owner)) = (code, owner) {
            origins.entry(Subject::Area(code.clone())).or_insert((src.path.clone(), Some(at)));
            parts.areas.push(Area {
                code,
                name: p.name,
                name_en: p.name_en,
                level: p.level,
                default_owner,
                boundary,
            });
        }
    }
    errs.finish()
}

fn boundary(g: Geometry, index: usize) -> Result<Boundary, String> {
    let polygons = match g {
        Geometry::Polygon(rings) => vec![rings],
        Geometry::MultiPolygon(polys) => polys,
    };
    let polygons = polygons.into_iter().map(|rings| polygon(rings, index)).collect::<Result<Vec<_>, _>>()?;
    Ok(Boundary::new(MultiPolygon::new(polygons)))
}

fn polygon(rings: Vec<Vec<[f64; 2]>>, index: usize) -> Result<Polygon<f64>, String> {
    let mut rings = rings.into_iter().map(|ring| {
        if ring.len() < 4 || ring.first() != ring.last() {
            return Err(format!(
                "feature #{index}: every ring needs at least 4 positions and must be closed"
            ));
        }
        if ring.iter().any(|[lon, lat]| !(-180.0..=180.0).contains(lon) || !(-90.0..=90.0).contains(lat)) {
            return Err(format!("feature #{index}: a position is not [longitude, latitude] in range"));
        }
        Ok(LineString::new(ring.into_iter().map(|[x, y]| Coord { x, y }).collect()))
    });
    let exterior =
        rings.next().ok_or_else(|| format!("feature #{index}: a polygon needs an exterior ring"))??;
    let holes = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}
