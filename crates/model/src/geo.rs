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

/// The mean radius of the Earth (IUGG, the GRS80 ellipsoid's R1), in metres: the sphere on which
/// distances between reports are measured. Over a few hundred metres the sphere errs by well under
/// a metre, far below the accuracy of a phone's GPS fix.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The great-circle distance between two points, in metres (the haversine formula, which stays
/// exact for the short distances hotspots are about, where the spherical law of cosines loses
/// precision).
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A latitude/longitude rectangle, edges included: what an SQL index can search by range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    /// A rectangle holding every point within `radius_m` metres of `center` (and some more, in its
    /// corners): the cheap pre-filter before the exact distance. Near a pole, or where the circle
    /// crosses the antimeridian, it spans every longitude rather than wrap around.
    pub fn around(center: GeoPoint, radius_m: f64) -> Self {
        // A hair wider than the circle, so that rounding never drops a point on its edge.
        let dlat = (radius_m.max(0.0) / EARTH_RADIUS_M).to_degrees() * 1.000_001;
        let (min_lat, max_lat) = ((center.lat - dlat).max(-90.0), (center.lat + dlat).min(90.0));
        // A degree of longitude is shortest at the latitude farthest from the equator.
        let widest = min_lat.abs().max(max_lat.abs()).to_radians().cos();
        let dlon = if widest > 1e-9 { dlat / widest } else { 360.0 };
        let (min_lon, max_lon) = (center.lon - dlon, center.lon + dlon);
        if dlon >= 180.0 || min_lon < -180.0 || max_lon > 180.0 {
            return Self { min_lat, max_lat, min_lon: -180.0, max_lon: 180.0 };
        }
        Self { min_lat, max_lat, min_lon, max_lon }
    }

    pub fn contains(&self, p: GeoPoint) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat) && (self.min_lon..=self.max_lon).contains(&p.lon)
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

    /// The outer ring of each polygon as (longitude, latitude) pairs: what a drawing needs,
    /// without its caller depending on `geo`.
    pub fn rings(&self) -> Vec<Vec<(f64, f64)>> {
        self.shape.0.iter().map(|p| p.exterior().coords().map(|c| (c.x, c.y)).collect()).collect()
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

    fn at(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint::new(lat, lon).expect("valid")
    }

    #[test]
    fn haversine_gives_known_great_circle_distances() {
        // Land's End to John o' Groats: 968.9 km on a sphere of 6371 km (the worked example of
        // Movable Type's "Calculate distance, bearing and more between two points").
        let lands_end = at(50.0 + 3.0 / 60.0 + 59.0 / 3600.0, -(5.0 + 42.0 / 60.0 + 53.0 / 3600.0));
        let john_o_groats = at(58.0 + 38.0 / 60.0 + 38.0 / 3600.0, -(3.0 + 4.0 / 60.0 + 12.0 / 3600.0));
        let on_6371 = haversine_m(lands_end, john_o_groats) * 6_371_000.0 / EARTH_RADIUS_M;
        assert!((on_6371 - 968_900.0).abs() < 100.0, "{on_6371}");
        // A quarter of a meridian, and a degree of latitude anywhere.
        let quarter = std::f64::consts::FRAC_PI_2 * EARTH_RADIUS_M;
        assert!((haversine_m(at(0.0, 30.0), at(90.0, 30.0)) - quarter).abs() < 1e-6);
        let degree = quarter / 90.0;
        assert!((haversine_m(at(22.0, 114.0), at(23.0, 114.0)) - degree).abs() < 1e-6);
        // Antipodes, and no distance at all.
        assert!((haversine_m(at(0.0, 0.0), at(0.0, 180.0)) - 2.0 * quarter).abs() < 1e-6);
        assert_eq!(haversine_m(at(22.742, 114.387), at(22.742, 114.387)), 0.0);
    }

    #[test]
    fn haversine_agrees_with_the_geo_crate_at_street_scale() {
        use geo::{Distance, Haversine};
        let a = at(22.742, 114.387);
        for (lat, lon) in [(22.7425, 114.3872), (22.7401, 114.3899), (22.75, 114.38), (22.742, 114.388)] {
            let ours = haversine_m(a, at(lat, lon));
            let theirs = Haversine.distance(a.to_geo(), at(lat, lon).to_geo());
            assert!((ours - theirs).abs() < 1e-3, "{ours} vs {theirs}");
        }
        // 0.001° of longitude at 22.742° N is about 102.6 m; of latitude, about 111.2 m.
        assert!((haversine_m(a, at(22.742, 114.388)) - 102.6).abs() < 0.1);
        assert!((haversine_m(a, at(22.743, 114.387)) - 111.2).abs() < 0.1);
    }

    #[test]
    fn the_bounding_box_holds_the_whole_circle() {
        let c = at(22.742, 114.387);
        let b = BoundingBox::around(c, 200.0);
        // Points 200 m away in every direction (bearing steps of 15°) are inside the box.
        for step in 0..24 {
            let bearing = f64::from(step) * 15.0_f64.to_radians();
            let d = 199.999 / EARTH_RADIUS_M;
            let (lat1, lon1) = (c.lat().to_radians(), c.lon().to_radians());
            let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * bearing.cos()).asin();
            let lon2 = lon1 + (bearing.sin() * d.sin() * lat1.cos()).atan2(d.cos() - lat1.sin() * lat2.sin());
            let p = at(lat2.to_degrees(), lon2.to_degrees());
            assert!((haversine_m(c, p) - 199.999).abs() < 1e-3);
            assert!(b.contains(p), "{p:?} at bearing {step}x15°");
        }
        assert!(!b.contains(at(22.745, 114.387)), "about 330 m north is outside");
        let polar = BoundingBox::around(at(89.9999, 0.0), 500.0);
        assert_eq!((polar.min_lon, polar.max_lon, polar.max_lat), (-180.0, 180.0, 90.0));
        let dateline = BoundingBox::around(at(0.0, 179.9999), 500.0);
        assert_eq!((dateline.min_lon, dateline.max_lon), (-180.0, 180.0));
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
