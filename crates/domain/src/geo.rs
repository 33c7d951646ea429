//! Points and area boundaries on the WGS84 datum (GPS). Channels that report another datum, such
//! as WeChat's GCJ-02, convert at the edge before a point reaches the domain.

use geo::{BoundingRect, Intersects, MultiPolygon, Point, Rect};
use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// A WGS84 point. Latitude first, as people write it; GeoJSON and `geo` use (x = lon, y = lat).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPoint")]
pub struct GeoPoint {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct RawPoint {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawPoint> for GeoPoint {
    type Error = ValidationError;
    fn try_from(p: RawPoint) -> Result<Self, Self::Error> {
        Self::new(p.lat, p.lon)
    }
}

impl GeoPoint {
    pub fn new(lat: f64, lon: f64) -> Result<Self, ValidationError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(ValidationError::invalid("lat", "latitude must be between -90 and 90"));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(ValidationError::invalid("long", "longitude must be between -180 and 180"));
        }
        Ok(Self { lat, lon })
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    fn to_geo(self) -> Point<f64> {
        Point::new(self.lon, self.lat)
    }
}

/// Converts a GCJ-02 point (the offset datum Chinese map services and WeChat report) to WGS84.
/// GCJ-02 is only defined inside China; outside it the coordinates are returned unchanged. The
/// forward transform has no closed-form inverse, so it is inverted by fixed-point iteration,
/// which converges to well under a centimetre in a few steps.
pub fn gcj02_to_wgs84(lat: f64, lon: f64) -> (f64, f64) {
    if outside_china(lat, lon) {
        return (lat, lon);
    }
    let (mut wlat, mut wlon) = (lat, lon);
    for _ in 0..30 {
        let (glat, glon) = wgs84_to_gcj02(wlat, wlon);
        let (dlat, dlon) = (glat - lat, glon - lon);
        wlat -= dlat;
        wlon -= dlon;
        if dlat.abs() < 1e-10 && dlon.abs() < 1e-10 {
            break;
        }
    }
    (wlat, wlon)
}

/// The published GCJ-02 forward transform (Krasovsky 1940 ellipsoid constants).
pub fn wgs84_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    if outside_china(lat, lon) {
        return (lat, lon);
    }
    let (x, y) = (lon - 105.0, lat - 35.0);
    let mut dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    dlat += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    dlat += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    dlat += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let mut dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    dlon += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    dlon += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    dlon += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    dlon = (dlon * 180.0) / (A / sqrt_magic * rad.cos() * PI);
    (lat + dlat, lon + dlon)
}

fn outside_china(lat: f64, lon: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

/// An area's outline. A point on the outline counts as inside, so that a point on the shared edge
/// of two streets is in both; the area tree breaks that tie deterministically.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    shape: MultiPolygon<f64>,
    bbox: Option<Rect<f64>>,
}

impl Boundary {
    pub fn new(shape: MultiPolygon<f64>) -> Self {
        let bbox = shape.bounding_rect();
        Self { shape, bbox }
    }

    pub fn covers(&self, p: GeoPoint) -> bool {
        let point = p.to_geo();
        // The bounding box test is cheap and rejects most polygons before the exact test.
        self.bbox.is_some_and(|b| b.intersects(&point)) && self.shape.intersects(&point)
    }

    pub fn shape(&self) -> &MultiPolygon<f64> {
        &self.shape
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn out_of_range_coordinates_are_refused() {
        assert!(GeoPoint::new(22.7, 114.3).is_ok());
        assert_eq!(GeoPoint::new(91.0, 0.0).map_err(|e| e.field()), Err("lat"));
        assert_eq!(GeoPoint::new(0.0, f64::NAN).map_err(|e| e.field()), Err("long"));
        assert!(serde_json::from_str::<GeoPoint>(r#"{"lat": 100, "lon": 0}"#).is_err());
    }

    #[test]
    fn gcj02_converts_back_to_wgs84_within_a_centimetre() {
        // A point in Pingshan: the published offset there is a few hundred metres.
        let (lat, lon) = (22.708, 114.352);
        let (glat, glon) = wgs84_to_gcj02(lat, lon);
        let offset_m = ((glat - lat) * 111_000.0).hypot((glon - lon) * 102_000.0);
        assert!((100.0..800.0).contains(&offset_m), "offset {offset_m} m");
        let (blat, blon) = gcj02_to_wgs84(glat, glon);
        assert!((blat - lat).abs() < 1e-7 && (blon - lon).abs() < 1e-7, "{blat} {blon}");
        assert_eq!(gcj02_to_wgs84(48.85, 2.35), (48.85, 2.35), "no offset outside China");
    }

    #[test]
    fn boundary_covers_inside_and_edge_but_not_outside() {
        let square = Boundary::new(MultiPolygon::new(vec![polygon![
            (x: 114.0, y: 22.0), (x: 115.0, y: 22.0), (x: 115.0, y: 23.0), (x: 114.0, y: 23.0)
        ]]));
        let at = |lat, lon| GeoPoint::new(lat, lon).expect("valid");
        assert!(square.covers(at(22.5, 114.5)));
        assert!(square.covers(at(22.0, 114.5)), "edge counts as inside");
        assert!(!square.covers(at(23.5, 114.5)));
    }
}
