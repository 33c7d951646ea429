//! The problem taxonomy (问题分类): three levels, coded in digit pairs so that a code's prefix is
//! its branch: `01` 城市管理 > `0101` 市政设施 > `010101` 路灯. Open311 calls a leaf `service_code`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ValidationError;
pub use crate::codes::CategoryCode;
use crate::request::{Attributes, Kind};

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub code: CategoryCode,
    pub name: String,
    pub name_en: Option<String>,
    /// The kind a request of this category has when its channel does not say (leaves only).
    pub kind: Option<Kind>,
    pub description: Option<String>,
    pub keywords: Vec<String>,
    /// Extra questions a request of this category answers (Open311 service definition).
    pub attributes: Vec<AttributeDef>,
}

/// Open311's attribute datatypes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    String,
    Number,
    Datetime,
    Text,
    Singlevaluelist,
    Multivaluelist,
}

impl Datatype {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Datetime => "datetime",
            Self::Text => "text",
            Self::Singlevaluelist => "singlevaluelist",
            Self::Multivaluelist => "multivaluelist",
        }
    }
}

/// One extra question of a category, e.g. "how many lamps are out?".
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDef {
    pub code: String,
    pub datatype: Datatype,
    pub required: bool,
    /// The question, shown to the citizen.
    pub description: String,
    pub datatype_description: Option<String>,
    pub order: u32,
    /// For the list datatypes: (key, name) pairs.
    pub values: Vec<(String, String)>,
}

impl AttributeDef {
    fn check(&self, given: &[String]) -> Result<(), String> {
        let allowed = |v: &String| self.values.iter().any(|(k, _)| k == v);
        match self.datatype {
            Datatype::Multivaluelist => match given.iter().find(|v| !allowed(v)) {
                Some(v) => Err(format!("`{v}` is not one of its values")),
                None => Ok(()),
            },
            _ if given.len() > 1 => Err("takes one value".into()),
            Datatype::Singlevaluelist if !allowed(&given[0]) => {
                Err(format!("`{}` is not one of its values", given[0]))
            }
            Datatype::Number if given[0].trim().parse::<f64>().map_or(true, |n| !n.is_finite()) => {
                Err("must be a number".into())
            }
            Datatype::Datetime if chrono::DateTime::parse_from_rfc3339(given[0].trim()).is_err() => {
                Err("must be an ISO 8601 date and time with a zone".into())
            }
            _ => Ok(()),
        }
    }
}

/// Checks a request's attributes against its category's questions: every required one answered,
/// every answer of the right type. Answers to questions the category does not ask are dropped.
pub fn check_attributes(defs: &[AttributeDef], given: &Attributes) -> Result<Attributes, ValidationError> {
    let mut kept = BTreeMap::new();
    for def in defs {
        let values: Vec<String> = given
            .get(&def.code)
            .unwrap_or_default()
            .iter()
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect();
        if values.is_empty() {
            if def.required {
                return Err(ValidationError::invalid(
                    "attribute",
                    format!("attribute[{}] is required", def.code),
                ));
            }
            continue;
        }
        def.check(&values)
            .map_err(|why| ValidationError::invalid("attribute", format!("attribute[{}] {why}", def.code)))?;
        kept.insert(def.code.clone(), values);
    }
    Attributes::new(kept)
}

#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    categories: BTreeMap<CategoryCode, Category>,
}

impl Taxonomy {
    pub fn new(categories: BTreeMap<CategoryCode, Category>) -> Self {
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

    /// The leaf a text is about, by the longest keyword (or leaf name) it contains: "小区里噪音扰民"
    /// → the neighbourhood-noise leaf. Used for channels that describe rather than code a category.
    pub fn infer(&self, text: &str) -> Option<(&Category, &str)> {
        self.leaves()
            .flat_map(|c| {
                std::iter::once(c.name.as_str())
                    .chain(c.keywords.iter().map(String::as_str))
                    .map(move |k| (c, k))
            })
            .filter(|(_, k)| !k.is_empty() && text.contains(k))
            // Longest keyword first; among equals the smaller code, so the choice is stable.
            .min_by(|(ca, ka), (cb, kb)| {
                kb.chars().count().cmp(&ka.chars().count()).then(ca.code.cmp(&cb.code))
            })
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

    fn def(code: &str, datatype: Datatype, required: bool) -> AttributeDef {
        AttributeDef {
            code: code.into(),
            datatype,
            required,
            description: "?".into(),
            datatype_description: None,
            order: 1,
            values: vec![("north".into(), "北".into()), ("south".into(), "南".into())],
        }
    }

    fn attrs(pairs: &[(&str, &[&str])]) -> Attributes {
        Attributes::new(
            pairs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect(),
        )
        .expect("valid")
    }

    #[test]
    fn attributes_are_checked_against_the_category_s_questions() {
        let defs = [
            def("lamps", Datatype::Number, true),
            def("side", Datatype::Singlevaluelist, false),
            def("sides", Datatype::Multivaluelist, false),
            def("seen_at", Datatype::Datetime, false),
        ];
        let ok = check_attributes(
            &defs,
            &attrs(&[("lamps", &["3"]), ("sides", &["north", "south"]), ("junk", &["x"])]),
        );
        let ok = ok.expect("valid");
        assert_eq!(ok.get("lamps"), Some(["3".to_owned()].as_slice()));
        assert_eq!(ok.get("junk"), None, "answers to questions not asked are dropped");
        for bad in [
            attrs(&[]),
            attrs(&[("lamps", &["three"])]),
            attrs(&[("lamps", &["3", "4"])]),
            attrs(&[("lamps", &["3"]), ("side", &["east"])]),
            attrs(&[("lamps", &["3"]), ("sides", &["north", "up"])]),
            attrs(&[("lamps", &["3"]), ("seen_at", &["yesterday"])]),
        ] {
            assert!(check_attributes(&defs, &bad).is_err(), "{bad:?}");
        }
        assert!(
            check_attributes(
                &defs,
                &attrs(&[("lamps", &["2"]), ("seen_at", &["2026-11-22T21:00:00+08:00"])])
            )
            .is_ok()
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["", "1", "010", "0a01", "010101010101"] {
            assert!(CategoryCode::parse(bad).is_err(), "{bad}");
        }
    }
}
