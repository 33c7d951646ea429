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
