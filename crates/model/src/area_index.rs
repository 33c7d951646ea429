//! The spatial index of area boundaries: an R-tree (rstar) of every polygon's bounding box, so that
//! placing a point tests exactly only the few polygons whose box contains it, whatever the number
//! of communities and grids.

use geo::{BoundingRect, Intersects, Point, Polygon};
use rstar::{AABB, RTree, RTreeObject};

use crate::codes::AreaCode;
use crate::geo::{Boundary, GeoPoint};

/// One polygon of one area's boundary.
#[derive(Debug, Clone)]
struct Entry {
    envelope: AABB<[f64; 2]>,
    /// The area's rank: deepest first, then code order (see `AreaIndex::new`).
    rank: u32,
    polygon: Polygon<f64>,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

#[derive(Debug, Clone)]
pub(crate) struct AreaIndex {
    tree: RTree<Entry>,
    /// Area codes by rank.
    ranked: Vec<AreaCode>,
}

impl AreaIndex {
    /// Indexes the areas that have a boundary, given as (code, boundary) pairs.
    pub(crate) fn new<'a>(areas: impl Iterator<Item = (&'a AreaCode, &'a Boundary)>) -> Self {
        let mut bounded: Vec<(&AreaCode, &Boundary)> = areas.collect();
        // Deepest first; among equals, code order makes the choice on a shared edge deterministic.
        bounded.sort_by(|(a, _), (b, _)| b.depth().cmp(&a.depth()).then_with(|| a.cmp(b)));
        let mut entries = Vec::new();
        for (rank, (_, boundary)) in bounded.iter().enumerate() {
            for polygon in boundary.shape().0.iter() {
                if let Some(r) = polygon.bounding_rect() {
                    entries.push(Entry {
                        envelope: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        rank: rank as u32,
                        polygon: polygon.clone(),
                    });
                }
            }
        }
        Self {
            tree: RTree::bulk_load(entries),
            ranked: bounded.iter().map(|(code, _)| (*code).clone()).collect(),
        }
    }

    /// The deepest area whose boundary covers the point (its outline included); on an edge or
    /// vertex shared by areas of the same depth, the one with the smallest code.
    pub(crate) fn locate(&self, p: GeoPoint) -> Option<&AreaCode> {
        let (x, y) = (p.lon(), p.lat());
        let point = Point::new(x, y);
        let mut boxed: Vec<&Entry> =
            self.tree.locate_in_envelope_intersecting(&AABB::from_point([x, y])).collect();
        // Best rank first, so the exact test stops at the first polygon that covers the point
        // (the large district outline is rarely tested at all).
        boxed.sort_unstable_by_key(|e| e.rank);
        boxed.into_iter().find(|e| e.polygon.intersects(&point)).map(|e| &self.ranked[e.rank as usize])
    }
}
