//! The codes that name areas, bureaus and categories. Many modules name them (a bureau serves an
//! area, an area has a default owner, a request has a category), so they live in this leaf rather
//! than in any one of those modules, which re-export them.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::text::{slug, string_newtype};

/// A dotted path of slugs naming an area and, by its prefix, every ancestor:
/// `pingshan.kengzi.jinsha` is a community of the street `pingshan.kengzi`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.split('.').count() > 4 {
            return Err(ValidationError::invalid(
                "area",
                "at most four levels (district.street.community.grid)",
            ));
        }
        for segment in raw.split('.') {
            slug(segment, "area", 64)?;
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The enclosing area's code, `None` for the district.
    pub fn parent(&self) -> Option<AreaCode> {
        self.0.rsplit_once('.').map(|(p, _)| AreaCode(p.to_owned()))
    }

    /// 0 for the district, 1 for a street, and so on.
    pub fn depth(&self) -> usize {
        self.0.matches('.').count()
    }
}

string_newtype!(AreaCode);

/// A bureau's stable code, e.g. `urban-management` or `street-kengzi`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BureauCode(String);

impl BureauCode {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        slug(raw, "bureau", 64).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(BureauCode);

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode(String);

impl CategoryCode {
    /// Codes are strings (never numbers: `010101` must keep its leading zero), of one to five
    /// digit pairs.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = !raw.is_empty()
            && raw.len() <= 10
            && raw.len().is_multiple_of(2)
            && raw.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::invalid("service_code", "expected 2 to 10 digits, in pairs"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 1 for a top-level branch, 3 for a usual leaf.
    pub fn level(&self) -> usize {
        self.0.len() / 2
    }

    pub fn parent(&self) -> Option<CategoryCode> {
        (self.0.len() > 2).then(|| Self(self.0[..self.0.len() - 2].to_owned()))
    }

    /// This code and its ancestors, the code itself first: the order in which rules are tried.
    pub fn lineage(&self) -> impl Iterator<Item = CategoryCode> + '_ {
        (1..=self.level()).rev().map(|l| Self(self.0[..l * 2].to_owned()))
    }

    /// Whether `self` is `other` or one of its ancestors (a branch containing it).
    pub fn contains(&self, other: &CategoryCode) -> bool {
        other.0.starts_with(&self.0)
    }
}

string_newtype!(CategoryCode);
