//! The problem taxonomy (问题分类): three levels, coded in digit pairs so that a code's prefix is
//! its branch: `01` 城市管理 > `0101` 市政设施 > `010101` 路灯. Open311 calls a leaf `service_code`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::request::Kind;
use crate::text::string_newtype;

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

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub code: CategoryCode,
    pub name: String,
    pub name_en: Option<String>,
    /// The kind a request of this category has when its channel does not say (leaves only).
    pub kind: Option<Kind>,
    pub description: Option<String>,
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    categories: BTreeMap<CategoryCode, Category>,
}

impl Taxonomy {
    pub(crate) fn new(categories: BTreeMap<CategoryCode, Category>) -> Self {
        Self { categories }
    }

    pub fn get(&self, code: &CategoryCode) -> Option<&Category> {
        self.categories.get(code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.categories.values()
    }

    pub fn is_leaf(&self, code: &CategoryCode) -> bool {
        self.categories.contains_key(code) && !self.categories.keys().any(|k| k != code && code.contains(k))
    }

    /// Leaves are what a citizen picks; branches only group them.
    pub fn leaves(&self) -> impl Iterator<Item = &Category> {
        self.categories.values().filter(|c| self.is_leaf(&c.code))
    }

    /// The category's ancestors and itself, top level first (城市管理 > 市政设施 > 路灯).
    pub fn path(&self, code: &CategoryCode) -> Vec<&Category> {
        let mut path: Vec<&Category> = code.lineage().filter_map(|c| self.categories.get(&c)).collect();
        path.reverse();
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_leading_zeros_and_know_their_branch() {
        let leaf = CategoryCode::parse("010101").expect("valid");
        assert_eq!(leaf.level(), 3);
        assert_eq!(leaf.parent().map(String::from), Some("0101".to_owned()));
        let lineage: Vec<String> = leaf.lineage().map(String::from).collect();
        assert_eq!(lineage, ["010101", "0101", "01"]);
        assert!(CategoryCode::parse("01").expect("valid").contains(&leaf));
        assert!(!CategoryCode::parse("02").expect("valid").contains(&leaf));
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["", "1", "010", "0a01", "010101010101"] {
            assert!(CategoryCode::parse(bad).is_err(), "{bad}");
        }
    }
}
