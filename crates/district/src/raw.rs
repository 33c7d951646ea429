//! The TOML files: wire structs (strict, spanned) and their conversion into domain types.

use std::collections::HashMap;
use std::path::PathBuf;

use jiesu_domain::ValidationError;
use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::{Bureau, BureauCode, BureauKind};
use jiesu_domain::category::{AttributeDef, Category, CategoryCode, Datatype};
use jiesu_domain::district::{DistrictParts, Subject};
use jiesu_domain::request::Kind;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::{ConfigError, SourceFile, line_of};

pub(crate) type Origins = HashMap<Subject, (PathBuf, Option<usize>)>;

/// Collects the errors of one file, each at a line.
pub(crate) struct FileErrors<'a> {
    src: &'a SourceFile,
    pub(crate) errors: Vec<ConfigError>,
}

impl<'a> FileErrors<'a> {
    pub(crate) fn new(src: &'a SourceFile) -> Self {
        Self { src, errors: Vec::new() }
    }

    pub(crate) fn at(&mut self, line: Option<usize>, message: impl Into<String>) {
        self.errors.push(ConfigError { file: self.src.path.clone(), line, message: message.into() });
    }

    /// Keeps the value, or records the error at `line` and gives `None`.
    pub(crate) fn check<T>(&mut self, line: usize, r: Result<T, ValidationError>) -> Option<T> {
        r.map_err(|e| self.at(Some(line), e.to_string())).ok()
    }

    pub(crate) fn finish(self) -> Result<(), Vec<ConfigError>> {
        if self.errors.is_empty() { Ok(()) } else { Err(self.errors) }
    }
}

pub(crate) fn parse_toml<T: DeserializeOwned>(src: &SourceFile) -> Result<T, Vec<ConfigError>> {
    toml::from_str(&src.text).map_err(|e| {
        vec![ConfigError {
            file: src.path.clone(),
            line: e.span().map(|s| line_of(&src.text, s.start)),
            message: e.message().trim().to_owned(),
        }]
    })
}

pub(crate) fn line<T>(src: &SourceFile, item: &Spanned<T>) -> usize {
    line_of(&src.text, item.span().start)
}

pub(crate) fn optional<T>(
    raw: Option<String>,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    raw.map(|s| parse(&s)).transpose()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BureauFile {
    #[serde(default)]
    bureau: Vec<Spanned<RawBureau>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBureau {
    code: String,
    name: String,
    name_en: Option<String>,
    kind: BureauKind,
    area: Option<String>,
}

pub(crate) fn parse_bureaus(
    src: &SourceFile,
    parts: &mut DistrictParts,
    origins: &mut Origins,
) -> Result<(), Vec<ConfigError>> {
    let file: BureauFile = parse_toml(src)?;
    let mut errs = FileErrors::new(src);
    for item in file.bureau {
        let at = line(src, &item);
        let raw = item.into_inner();
        let code = errs.check(at, BureauCode::parse(&raw.code));
        let area = errs.check(at, optional(raw.area, AreaCode::parse));
        if let (Some(code), Some(area)) = (code, area) {
            origins.entry(Subject::Bureau(code.clone())).or_insert((src.path.clone(), Some(at)));
            parts.bureaus.push(Bureau { code, name: raw.name, name_en: raw.name_en, kind: raw.kind, area });
        }
    }
    errs.finish()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryFile {
    #[serde(default)]
    category: Vec<Spanned<RawCategory>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    code: String,
    name: String,
    name_en: Option<String>,
    kind: Option<String>,
    description: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    attribute: Vec<RawAttribute>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttribute {
    code: String,
    datatype: Datatype,
    #[serde(default)]
    required: bool,
    description: String,
    datatype_description: Option<String>,
    #[serde(default)]
    order: u32,
    #[serde(default)]
    values: Vec<RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    key: String,
    name: String,
}

impl From<RawAttribute> for AttributeDef {
    fn from(a: RawAttribute) -> Self {
        AttributeDef {
            code: a.code,
            datatype: a.datatype,
            required: a.required,
            description: a.description,
            datatype_description: a.datatype_description,
            order: a.order,
            values: a.values.into_iter().map(|v| (v.key, v.name)).collect(),
        }
    }
}

pub(crate) fn parse_categories(
    src: &SourceFile,
    parts: &mut DistrictParts,
    origins: &mut Origins,
) -> Result<(), Vec<ConfigError>> {
    let file: CategoryFile = parse_toml(src)?;
    let mut errs = FileErrors::new(src);
    for item in file.category {
        let at = line(src, &item);
        let raw = item.into_inner();
        let code = errs.check(at, CategoryCode::parse(&raw.code));
        let kind = match raw.kind.as_deref().map(|k| (k, Kind::parse(k))) {
            Some((k, None)) => {
                errs.at(Some(at), format!("unknown kind `{k}` (expected one of consultation, help, complaint, report, suggestion, praise)"));
                continue;
            }
            Some((_, kind)) => kind,
            None => None,
        };
        if let Some(code) = code {
            origins.entry(Subject::Category(code.clone())).or_insert((src.path.clone(), Some(at)));
            parts.categories.push(Category {
                code,
                name: raw.name,
                name_en: raw.name_en,
                kind,
                description: raw.description,
                keywords: raw.keywords,
                attributes: raw.attribute.into_iter().map(AttributeDef::from).collect(),
            });
        }
    }
    errs.finish()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GazetteerFile {
    #[serde(default)]
    place: Vec<Spanned<RawPlace>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlace {
    area: String,
    keywords: Vec<String>,
}

pub(crate) fn parse_gazetteer(
    src: &SourceFile,
    parts: &mut DistrictParts,
    origins: &mut Origins,
) -> Result<(), Vec<ConfigError>> {
    let file: GazetteerFile = parse_toml(src)?;
    let mut errs = FileErrors::new(src);
    for item in file.place {
        let at = line(src, &item);
        let raw = item.into_inner();
        if let Some(area) = errs.check(at, AreaCode::parse(&raw.area)) {
            for k in raw.keywords {
                origins.entry(Subject::Place(k.clone())).or_insert((src.path.clone(), Some(at)));
                parts.gazetteer.push((k, area.clone()));
            }
        }
    }
    errs.finish()
}
