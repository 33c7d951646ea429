//! Routing at scale: a synthetic district of 10,000 rules and 5,051 area polygons, and 200,000
//! requests each placed by its point and routed, timed one by one. Prints the latency percentiles
//! and how long compiling the district (`District::assemble`, tie check included) takes.
//!
//! `cargo bench -p jiesu-routing --bench routing`

// A benchmark reports on stdout.
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use jiesu_model::area::{Area, AreaCode, AreaLevel};
use jiesu_model::bureau::{Bureau, BureauCode, BureauKind};
use jiesu_model::category::{Category, CategoryCode};
use jiesu_model::geo::{Boundary, GeoPoint};
use jiesu_model::request::{Channel, Kind, Location, Urgency};
use jiesu_routing::district::{District, DistrictParts};
use jiesu_routing::{Hours, RouteInput, RouteReason, Rule, RuleId, RuleSet, RuleVersion};

const STREETS: (usize, usize) = (10, 5);
const COMMUNITIES: (usize, usize) = (5, 2);
const GRIDS: (usize, usize) = (3, 3);
const DEPARTMENTS: usize = 60;
const REQUESTS: usize = 200_000;
/// The district's extent in degrees: (lon, lat) of its south-west corner, and its size.
const ORIGIN: (f64, f64) = (114.0, 22.5);
const SIZE: (f64, f64) = (0.5, 0.25);
/// Requests fall this far around the district too: about 5% land outside every area.
const MARGIN: f64 = 0.004;

/// A small deterministic generator (xorshift64*): the benchmark needs no `rand`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A rectangle with every side cut in four, so the exact point-in-polygon test has real work.
fn cell(x0: f64, y0: f64, w: f64, h: f64) -> Boundary {
    let mut ring = Vec::new();
    let corners = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)];
    for (i, &(ax, ay)) in corners.iter().enumerate() {
        let (bx, by) = corners[(i + 1) % 4];
        for s in 0..4 {
            let t = s as f64 / 4.0;
            ring.push(Coord { x: ax + (bx - ax) * t, y: ay + (by - ay) * t });
        }
    }
    ring.push(ring[0]);
    Boundary::new(MultiPolygon::new(vec![Polygon::new(LineString::new(ring), vec![])]))
}

fn area(code: &str, level: AreaLevel, owner: Option<String>, boundary: Boundary) -> Area {
    Area {
        code: AreaCode::parse(code).expect("area code"),
        name: code.to_owned(),
        name_en: None,
        level,
        default_owner: owner.map(|o| BureauCode::parse(&o).expect("bureau")),
        boundary: Some(boundary),
    }
}

/// The district, its streets, their communities and the communities' grids, tiling the extent.
fn areas() -> (Vec<Area>, Vec<String>, Vec<String>) {
    let (mut out, mut communities, mut grids) = (Vec::new(), Vec::new(), Vec::new());
    out.push(area("d", AreaLevel::District, Some("centre".into()), cell(ORIGIN.0, ORIGIN.1, SIZE.0, SIZE.1)));
    let (sw, sh) = (SIZE.0 / STREETS.0 as f64, SIZE.1 / STREETS.1 as f64);
    let (cw, ch) = (sw / COMMUNITIES.0 as f64, sh / COMMUNITIES.1 as f64);
    let (gw, gh) = (cw / GRIDS.0 as f64, ch / GRIDS.1 as f64);
    for s in 0..STREETS.0 * STREETS.1 {
        let (sx, sy) = (ORIGIN.0 + (s % STREETS.0) as f64 * sw, ORIGIN.1 + (s / STREETS.0) as f64 * sh);
        let street = format!("d.s{s:02}");
        out.push(area(&street, AreaLevel::Street, Some(format!("street-{s:02}")), cell(sx, sy, sw, sh)));
        for c in 0..COMMUNITIES.0 * COMMUNITIES.1 {
            let (cx, cy) = (sx + (c % COMMUNITIES.0) as f64 * cw, sy + (c / COMMUNITIES.0) as f64 * ch);
            let community = format!("{street}.c{c}");
            out.push(area(&community, AreaLevel::Community, None, cell(cx, cy, cw, ch)));
            for g in 0..GRIDS.0 * GRIDS.1 {
                let (gx, gy) = (cx + (g % GRIDS.0) as f64 * gw, cy + (g / GRIDS.0) as f64 * gh);
                let grid = format!("{community}.g{g}");
                out.push(area(&grid, AreaLevel::Grid, None, cell(gx, gy, gw, gh)));
                grids.push(grid);
            }
            communities.push(community);
        }
    }
    (out, communities, grids)
}

fn bureaus() -> Vec<Bureau> {
    let b = |code: String, kind, area: Option<String>| Bureau {
        code: BureauCode::parse(&code).expect("bureau"),
        name: code.clone(),
        name_en: None,
        kind,
        area: area.map(|a| AreaCode::parse(&a).expect("area")),
    };
    let mut out = vec![b("centre".into(), BureauKind::ServiceCentre, None)];
    out.extend(
        (0..STREETS.0 * STREETS.1)
            .map(|s| b(format!("street-{s:02}"), BureauKind::StreetOffice, Some(format!("d.s{s:02}")))),
    );
    out.extend((0..DEPARTMENTS).map(|d| b(format!("dept-{d:02}"), BureauKind::Department, None)));
    out
}

/// 20 top-level branches × 10 × 10: 2,000 leaves.
fn categories() -> (Vec<Category>, Vec<String>, Vec<String>, Vec<String>) {
    let cat = |code: &str| Category {
        code: CategoryCode::parse(code).expect("category"),
        name: code.to_owned(),
        name_en: None,
        kind: None,
        description: None,
        keywords: vec![],
        attributes: vec![],
    };
    let (mut all, mut tops, mut mids, mut leaves) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for t in 1..=20 {
        let top = format!("{t:02}");
        for m in 1..=10 {
            let mid = format!("{top}{m:02}");
            for l in 1..=10 {
                leaves.push(format!("{mid}{l:02}"));
            }
            mids.push(mid);
        }
        tops.push(top);
    }
    for code in tops.iter().chain(&mids).chain(&leaves) {
        all.push(cat(code));
    }
    (all, tops, mids, leaves)
}

/// A distinct three-character word per number: equal-length words never contain one another, so
/// keyword rules in one group never tie.
fn word(n: usize) -> String {
    let ch = |i: usize| char::from_u32(0x4e00 + (i % 200) as u32).expect("CJK");
    [ch(n), ch(n / 200), ch(n / 40_000)].iter().collect()
}

struct Synthetic {
    parts: DistrictParts,
    leaves: Vec<String>,
    keyword_count: usize,
}

fn synthetic(rng: &mut Rng) -> Synthetic {
    let (areas, communities, grids) = areas();
    let (categories, tops, mids, leaves) = categories();
    let version = RuleVersion::parse("bench").expect("version");
    let mut rules = Vec::new();
    let mut add = |id: String, rng: &mut Rng, f: &dyn Fn(&mut Rule, &mut Rng)| {
        let lead = BureauCode::parse(&format!("dept-{:02}", rng.below(DEPARTMENTS))).expect("bureau");
        let mut r = Rule::new(RuleId::parse(&id).expect("id"), version.clone(), lead);
        f(&mut r, rng);
        if rng.below(10) == 0 {
            r.urgency = Some(Urgency::Urgent);
        }
        rules.push(r);
    };
    let code = |c: &str| CategoryCode::parse(c).expect("category");
    let place = |a: &str| AreaCode::parse(a).expect("area");
    for c in tops.iter().chain(&mids).chain(&leaves) {
        add(format!("cat-{c}"), rng, &|r, _| r.categories = vec![code(c)]);
    }
    for n in 0..2_780 {
        let (leaf, street) = (&leaves[n % leaves.len()], (n * 7 + n / leaves.len() * 13) % 50);
        add(format!("street-{n}"), rng, &|r, _| {
            r.categories = vec![code(leaf)];
            r.areas = vec![place(&format!("d.s{street:02}"))];
        });
    }
    for n in 0..3_000 {
        add(format!("words-{n}"), rng, &|r, rng| {
            r.categories = vec![code(&mids[n % mids.len()])];
            r.keywords = vec![word(n), word(100_000 + n)];
            if rng.below(4) == 0 {
                r.exclude_keywords = vec![word(200_000 + n)];
            }
        });
    }
    for n in 0..1_000 {
        add(format!("only-words-{n}"), rng, &|r, _| {
            r.keywords = vec![word(300_000 + n)];
            match n % 4 {
                0 => r.kinds = vec![Kind::Complaint, Kind::Report],
                1 => r.channels = vec![Channel::Hotline],
                2 => r.hours = Hours::parse("22:00-07:00").ok(),
                _ => {}
            }
        });
    }
    for (n, c) in communities.iter().enumerate() {
        add(format!("community-{n}"), rng, &|r, _| r.areas = vec![place(c)]);
    }
    for n in 0..500 {
        let grid = &grids[(n * 9) % grids.len()];
        add(format!("grid-{n}"), rng, &|r, _| {
            r.categories = vec![code(&tops[n % tops.len()])];
            r.areas = vec![place(grid)];
        });
    }
    assert_eq!(rules.len(), 10_000);
    let parts = DistrictParts {
        bureaus: bureaus(),
        areas,
        categories,
        rules,
        gazetteer: vec![],
        ..DistrictParts::default()
    };
    Synthetic { parts, leaves, keyword_count: 301_000 }
}

struct Request {
    location: Location,
    category: Option<CategoryCode>,
    text: String,
    kind: Kind,
    channel: Channel,
    at: DateTime<Utc>,
}

fn requests(rng: &mut Rng, s: &Synthetic) -> Vec<Request> {
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).single().expect("time");
    (0..REQUESTS)
        .map(|_| {
            // Mostly inside the district, some just outside it.
            let lon = ORIGIN.0 - MARGIN + rng.unit() * (SIZE.0 + 2.0 * MARGIN);
            let lat = ORIGIN.1 - MARGIN + rng.unit() * (SIZE.1 + 2.0 * MARGIN);
            let point = GeoPoint::new(lat, lon).expect("point");
            let category = (rng.below(10) != 0)
                .then(|| CategoryCode::parse(&s.leaves[rng.below(s.leaves.len())]).expect("code"));
            let mut text = String::from("市民反映：");
            for _ in 0..rng.below(3) {
                text.push_str(&word(rng.below(s.keyword_count)));
            }
            text.push_str("情况已持续多日，请尽快处理。");
            Request {
                location: Location::new(Some(point), None).expect("location"),
                category,
                text,
                kind: Kind::ALL[rng.below(Kind::ALL.len())],
                channel: Channel::ALL[rng.below(Channel::ALL.len())],
                at: start + chrono::Duration::minutes(rng.below(24 * 60) as i64),
            }
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

fn main() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let synthetic = synthetic(&mut rng);
    let polygons = synthetic.parts.areas.len();

    let started = Instant::now();
    let rules = RuleSet::compile(synthetic.parts.rules.clone()).expect("no ties");
    let rules_time = started.elapsed();
    drop(rules);

    let started = Instant::now();
    let district = District::assemble(synthetic.parts.clone()).expect("a valid district");
    let assemble_time = started.elapsed();

    let requests = requests(&mut rng, &synthetic);
    let (mut total, mut placing, mut matching) = (Vec::new(), Vec::new(), Vec::new());
    let (mut by_rule, mut unplaced) = (0usize, 0usize);
    for r in &requests {
        let t = Instant::now();
        let placement = district.place(&r.location, None);
        let placed = Instant::now();
        let routing = district.route(&RouteInput {
            category: r.category.as_ref(),
            text: &r.text,
            area: placement.as_ref().map(|p| p.area()),
            kind: r.kind,
            channel: r.channel,
            at: r.at,
        });
        let done = Instant::now();
        total.push(done - t);
        placing.push(placed - t);
        matching.push(done - placed);
        by_rule += usize::from(matches!(routing.lead().reason, RouteReason::Rule { .. }));
        unplaced += usize::from(placement.is_none());
        black_box(routing);
    }
    println!("district: {} rules, {polygons} polygons, {} requests", district.rules().len(), total.len());
    println!(
        "compile: District::assemble {:.1} ms (of which RuleSet::compile with tie check {:.1} ms)",
        assemble_time.as_secs_f64() * 1e3,
        rules_time.as_secs_f64() * 1e3
    );
    for (what, times) in [
        ("routing (place + match + candidates)", total),
        ("  of which placing", placing),
        ("  of which routing", matching),
    ] {
        println!("{what}, µs: {}", summary(times));
    }
    println!("led by a rule: {by_rule}; outside every area: {unplaced}");
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort_unstable();
    let mean = times.iter().sum::<Duration>().as_secs_f64() * 1e6 / times.len() as f64;
    format!(
        "p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}  mean {:.2}",
        percentile(&times, 0.50),
        percentile(&times, 0.90),
        percentile(&times, 0.99),
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1e6),
        mean,
    )
}
