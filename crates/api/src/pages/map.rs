//! A small map of where a request is: the street it was placed in, drawn from the district's own
//! area polygons as inline SVG (no tiles, no script, nothing fetched), its community shaded and
//! the citizen's point marked. Longitude is scaled by the cosine of the latitude, so shapes keep
//! their proportions at Shenzhen's latitude.

use std::fmt::Write;

use jiesu_domain::area::{Area, AreaCode};
use jiesu_domain::district::District;
use jiesu_words::Lang;
use jiesu_words::names::{area_name, local_name};
use maud::{Markup, html};

const WIDTH: f64 = 400.0;

/// An outline as (longitude, latitude) pairs.
type Ring = Vec<(f64, f64)>;

struct Frame {
    min_x: f64,
    max_y: f64,
    scale: f64,
    cos: f64,
}

impl Frame {
    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon * self.cos - self.min_x) * self.scale, (self.max_y - lat) * self.scale)
    }
}

/// The areas drawn for `area`: its street and the street's communities, else every street.
fn shown<'a>(d: &'a District, area: &AreaCode) -> Vec<&'a Area> {
    let mut street = area.clone();
    while street.depth() > 1 {
        match street.parent() {
            Some(p) => street = p,
            None => break,
        }
    }
    let prefix = format!("{}.", street.as_str());
    let mut areas: Vec<&Area> = d
        .areas()
        .iter()
        .filter(|a| a.boundary.is_some())
        .filter(|a| a.code == street || a.code.as_str().starts_with(&prefix))
        .collect();
    if areas.is_empty() {
        areas = d.areas().iter().filter(|a| a.boundary.is_some() && a.code.depth() == 1).collect();
    }
    areas
}

/// The areas' outlines as SVG paths in one frame, and the drawing's height; `None` when there is
/// nothing to draw.
/// Each area with its outline as an SVG path.
type Outlined<'a> = Vec<(&'a Area, String)>;

fn outlines<'a>(areas: &[&'a Area]) -> Option<(Outlined<'a>, Frame, f64)> {
    let rings: Vec<(&Area, Vec<Ring>)> =
        areas.iter().filter_map(|a| a.boundary.as_ref().map(|b| (*a, b.rings()))).collect();
    let all = rings.iter().flat_map(|(_, r)| r.iter().flatten());
    let (mut lo_lon, mut hi_lon, mut lo_lat, mut hi_lat) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(lon, lat) in all {
        lo_lon = lo_lon.min(lon);
        hi_lon = hi_lon.max(lon);
        lo_lat = lo_lat.min(lat);
        hi_lat = hi_lat.max(lat);
    }
    if lo_lon >= hi_lon || lo_lat >= hi_lat {
        return None;
    }
    let cos = ((lo_lat + hi_lat) / 2.0).to_radians().cos();
    let scale = WIDTH / ((hi_lon - lo_lon) * cos);
    let frame = Frame { min_x: lo_lon * cos, max_y: hi_lat, scale, cos };
    let height = (hi_lat - lo_lat) * scale;
    let paths = rings
        .iter()
        .map(|(a, polys)| {
            let mut outline = String::new();
            for ring in polys {
                for (i, &(lon, lat)) in ring.iter().enumerate() {
                    let (x, y) = frame.xy(lon, lat);
                    let _ = write!(outline, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
                }
                outline.push('Z');
            }
            (*a, outline)
        })
        .collect();
    Some((paths, frame, height))
}

/// The district's streets, each shaded by its share of the largest value (five steps, `q0` to
/// `q4`; a street without a value is left blank), titled with its name and value in words.
pub(crate) fn streets_map(
    d: &District,
    value: impl Fn(&AreaCode) -> Option<(f64, String)>,
    label: &str,
    lang: Lang,
) -> Option<Markup> {
    let streets: Vec<&Area> =
        d.areas().iter().filter(|a| a.boundary.is_some() && a.code.depth() == 1).collect();
    let (paths, _, height) = outlines(&streets)?;
    let top = streets.iter().filter_map(|a| value(&a.code)).map(|(v, _)| v).fold(0.0_f64, f64::max);
    Some(html! {
        svg.map.choropleth viewBox={ "-4 -4 " (WIDTH + 8.0) " " (height + 8.0) } role="img" aria-label=(label) {
            title { (label) }
            @for (a, path) in &paths {
                @let v = value(&a.code);
                @let step = v.as_ref().filter(|_| top > 0.0).map(|(x, _)| ((x / top) * 4.0).round() as u8);
                path d=(path) class=(step.map_or("blank".to_owned(), |q| format!("q{q}"))) {
                    title { (local_name(&a.name, a.name_en.as_deref(), lang)) @if let Some((_, words)) = &v { " " (words) } }
                }
            }
        }
    })
}

/// A point on the district's map: latitude, longitude, how many it stands for (the dot grows with
/// it) and its name in words.
pub(crate) type Dot = (f64, f64, usize, String);

/// The district's streets with dots on them (hotspots: each cluster at its oldest report).
pub(crate) fn dots_map(d: &District, dots: &[Dot], label: &str, lang: Lang) -> Option<Markup> {
    let streets: Vec<&Area> =
        d.areas().iter().filter(|a| a.boundary.is_some() && a.code.depth() == 1).collect();
    let (paths, frame, height) = outlines(&streets)?;
    Some(html! {
        svg.map.dots viewBox={ "-4 -4 " (WIDTH + 8.0) " " (height + 8.0) } role="img" aria-label=(label) {
            title { (label) }
            @for (a, path) in &paths { path d=(path) { title { (local_name(&a.name, a.name_en.as_deref(), lang)) } } }
            @for (lat, lon, n, name) in dots {
                @let (x, y) = frame.xy(*lon, *lat);
                circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r=(format!("{:.1}", 5.0 + (*n as f64).sqrt() * 2.0)) { title { (name) } }
            }
        }
    })
}

/// The map, or nothing when the district has no outline to draw around this area.
pub(crate) fn area_map(
    d: &District,
    area: Option<&AreaCode>,
    point: Option<(f64, f64)>,
    lang: Lang,
) -> Option<Markup> {
    let area = area?;
    let areas = shown(d, area);
    let (outlines, frame, height) = outlines(&areas)?;
    let mut paths: Vec<_> = outlines
        .into_iter()
        .map(|(a, outline)| {
            let here = a.code == *area;
            // Communities over their street, the request's own last, so its outline is on top.
            let order = (usize::from(here) * 10) + a.code.depth();
            (order, here, outline, local_name(&a.name, a.name_en.as_deref(), lang))
        })
        .collect();
    paths.sort_by_key(|p| p.0);
    let dot = point.map(|(lat, lon)| frame.xy(lon, lat));
    let label = match lang {
        Lang::Zh => format!("位置示意图：{}", area_name(d, area, lang)),
        Lang::En => format!("Map of the place: {}", area_name(d, area, lang)),
    };
    Some(html! {
        svg.map #case-map viewBox={ "-4 -4 " (WIDTH + 8.0) " " (height + 8.0) } role="img" aria-label=(label) {
            title { (label) }
            @for (_, here, path, name) in &paths {
                path d=(path) class=[here.then_some("here")] { title { (name) } }
            }
            @if let Some((x, y)) = dot {
                circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="9" {}
            }
        }
    })
}
