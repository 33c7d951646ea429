//! Areas: district > street > community > grid, each optionally with a boundary and a default
//! owner (兜底单位). A request is placed in the deepest area that covers its point, or, with only an
//! address, by the gazetteer's keywords.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::area_index::AreaIndex;
pub use crate::codes::AreaCode;
use crate::codes::BureauCode;
use crate::geo::{Boundary, GeoPoint};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    District,
    Street,
    Community,
    Grid,
}

impl AreaLevel {
    pub const ALL: [AreaLevel; 4] = [Self::District, Self::Street, Self::Community, Self::Grid];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::Street => "street",
            Self::Community => "community",
            Self::Grid => "grid",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == raw)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::District => "区",
            Self::Street => "街道",
            Self::Community => "社区",
            Self::Grid => "网格",
        }
    }

    /// The level an area code of this depth must have.
    pub fn for_depth(depth: usize) -> Option<Self> {
        [Self::District, Self::Street, Self::Community, Self::Grid].get(depth).copied()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub code: AreaCode,
    pub name: String,
    pub name_en: Option<String>,
    pub level: AreaLevel,
    pub default_owner: Option<BureauCode>,
    pub boundary: Option<Boundary>,
}

/// How a request was placed in its area: recorded so routing can be explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Placement {
    /// The request's point lies in the area's boundary.
    Point { area: AreaCode },
    /// The channel named the area (a hotline operator picked the street or community).
    Named { area: AreaCode },
    /// The request's address text contains a gazetteer keyword of the area.
    Address { area: AreaCode, keyword: String },
}

impl Placement {
    pub fn area(&self) -> &AreaCode {
        match self {
            Self::Point { area } | Self::Named { area } | Self::Address { area, .. } => area,
        }
    }
}

/// Every area of the district, checked to form one tree under a single district root.
#[derive(Debug, Clone)]
pub struct AreaTree {
    areas: BTreeMap<AreaCode, Area>,
    root: AreaCode,
    /// The boundaries in an R-tree, for placing points.
    index: AreaIndex,
}

impl AreaTree {
    /// Builds the tree and its spatial index. Callers validate (see `district`); this only needs
    /// a root to exist.
    pub fn new(areas: BTreeMap<AreaCode, Area>, root: AreaCode) -> Self {
        let index = AreaIndex::new(areas.values().filter_map(|a| Some((&a.code, a.boundary.as_ref()?))));
        Self { areas, root, index }
    }

    pub fn get(&self, code: &AreaCode) -> Option<&Area> {
        self.areas.get(code)
    }

    pub fn root(&self) -> &Area {
        &self.areas[&self.root]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Area> {
        self.areas.values()
    }

    /// The area and its ancestors, innermost first, ending at the district.
    pub fn ancestry(&self, code: &AreaCode) -> Vec<&Area> {
        let mut out = Vec::new();
        let mut next = Some(code.clone());
        while let Some(c) = next {
            if let Some(a) = self.areas.get(&c) {
                out.push(a);
            }
            next = c.parent();
        }
        out
    }

    /// The deepest area whose boundary covers the point (its outline included); on an edge or a
    /// vertex shared by two areas of the same depth, the one whose code sorts first.
    pub fn locate(&self, p: GeoPoint) -> Option<&Area> {
        self.index.locate(p).and_then(|c| self.areas.get(c))
    }
}

/// Address keywords → area, for requests that come with an address but no point.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    entries: Vec<(String, AreaCode)>,
}

impl Gazetteer {
    pub fn new(entries: Vec<(String, AreaCode)>) -> Self {
        Self { entries }
    }

    pub fn entries(&self) -> &[(String, AreaCode)] {
        &self.entries
    }

    /// The area named by the longest keyword found in the address (the longest is the most
    /// specific: "金沙社区" beats "坑梓"); among equally long ones, the deeper area wins.
    pub fn lookup(&self, address: &str) -> Option<(&str, &AreaCode)> {
        self.entries
            .iter()
            .filter(|(k, _)| address.contains(k.as_str()))
            .max_by(|(ka, aa), (kb, ab)| {
                ka.chars().count().cmp(&kb.chars().count()).then(aa.depth().cmp(&ab.depth()))
            })
            .map(|(k, a)| (k.as_str(), a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> AreaCode {
        AreaCode::parse(s).expect("valid code")
    }

    #[test]
    fn codes_know_their_parents() {
        let c = code("pingshan.kengzi.jinsha");
        assert_eq!(c.depth(), 2);
        assert_eq!(c.parent(), Some(code("pingshan.kengzi")));
        assert_eq!(code("pingshan").parent(), None);
        assert!(AreaCode::parse("a.b.c.d.e").is_err());
        assert!(AreaCode::parse("a..b").is_err());
    }

    #[test]
    fn gazetteer_prefers_the_longest_keyword() {
        let g = Gazetteer::new(vec![
            ("坑梓".into(), code("pingshan.kengzi")),
            ("金沙社区".into(), code("pingshan.kengzi.jinsha")),
        ]);
        assert_eq!(
            g.lookup("坑梓街道金沙社区金沙路1号").map(|(_, a)| a.as_str()),
            Some("pingshan.kengzi.jinsha")
        );
        assert_eq!(g.lookup("坑梓人民医院").map(|(_, a)| a.as_str()), Some("pingshan.kengzi"));
        assert_eq!(g.lookup("福田区"), None);
    }
}
