//! Loads the district's data from a config folder:
//!
//! ```text
//! bureaus.toml                 [[bureau]] code, name, name_en, kind, area
//! categories.toml              [[category]] code, name, name_en, kind, description, keywords
//! areas/*.geojson              one FeatureCollection per file; properties code, name, name_en, level, default_owner
//! areas/gazetteer.toml         [[place]] area, keywords
//! rules/*.toml                 version; [[rule]] id, categories, keywords, exclude_keywords, areas,
//!                              kinds, channels, hours, lead, assists, urgency, time_limit, note
//! time-limits.toml             [[class]] code, name, name_en, response, resolution; [defaults] normal, urgent, critical;
//!                              [desk] placement, disclaim_review, closure_review (optional)
//! calendar/<year>.toml         year; [[holiday]] and [[workday]] name, days or from/to (optional folder)
//! ```
//!
//! Parsing is strict (unknown keys are errors) and every error names its file and, where it can,
//! its line, so `jiesu check-config` can point an editor at it. The sample district is also built
//! into the binary, so `jiesu serve` works from any directory.

mod calendar;
mod geojson;
mod raw;
mod rules;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use jiesu_domain::district::{District, DistrictParts, Subject};

pub use calendar::calendar_warnings;

/// One problem found in the config, located as precisely as we can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Every problem found, not just the first: fixing a config file should take one round.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A config file's path (as shown in errors) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// The sample district (Pingshan), compiled in from `config/`.
pub fn sample_sources() -> Vec<SourceFile> {
    macro_rules! embedded {
        ($($path:literal),* $(,)?) => {
            vec![$(SourceFile {
                path: PathBuf::from(concat!("config/", $path)),
                text: include_str!(concat!("../../../config/", $path)).to_owned(),
            }),*]
        };
    }
    embedded!(
        "bureaus.toml",
        "categories.toml",
        "areas/pingshan.geojson",
        "areas/gazetteer.toml",
        "rules/responsibility-list.toml",
        "time-limits.toml",
        "calendar/2025.toml",
        "calendar/2026.toml",
    )
}

/// Reads the district files under `dir`. Missing required files are errors like any other.
pub fn read_sources(dir: &Path) -> Result<Vec<SourceFile>, ConfigErrors> {
    let mut paths = vec![
        dir.join("bureaus.toml"),
        dir.join("categories.toml"),
        dir.join("areas/gazetteer.toml"),
        dir.join(calendar::TIME_LIMITS),
    ];
    let mut errors = Vec::new();
    // Optional: without it working days are Monday to Friday (see `calendar_warnings`).
    match list(&dir.join(calendar::CALENDAR_DIR), "toml") {
        Ok(found) => paths.extend(found),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => errors.push(ConfigError {
            file: dir.join(calendar::CALENDAR_DIR),
            line: None,
            message: format!("cannot list: {e}"),
        }),
    }
    for (sub, ext) in [("areas", "geojson"), ("rules", "toml")] {
        let message = match list(&dir.join(sub), ext) {
            Ok(found) if !found.is_empty() => {
                paths.extend(found);
                continue;
            }
            Ok(_) => format!("no *.{ext} file found"),
            Err(e) => format!("cannot list: {e}"),
        };
        errors.push(ConfigError { file: dir.join(sub), line: None, message });
    }
    let mut files = Vec::new();
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push(SourceFile { path, text }),
            Err(e) => {
                errors.push(ConfigError { file: path, line: None, message: format!("cannot read: {e}") })
            }
        }
    }
    if errors.is_empty() { Ok(files) } else { Err(ConfigErrors(errors)) }
}

fn list(dir: &Path, ext: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Loads the district from its folder on disk.
pub fn load_dir(dir: &Path) -> Result<District, ConfigErrors> {
    load(&read_sources(dir)?)
}

/// Parses and cross-checks the district from its files.
pub fn load(sources: &[SourceFile]) -> Result<District, ConfigErrors> {
    let mut parts = DistrictParts::default();
    let mut origins: HashMap<Subject, (PathBuf, Option<usize>)> = HashMap::new();
    let mut errors: Vec<ConfigError> = calendar::require_time_limits(sources).into_iter().collect();
    for src in sources {
        let name = src.path.to_string_lossy();
        let result = if name.ends_with(".geojson") {
            geojson::parse_areas(src, &mut parts, &mut origins)
        } else if name.ends_with("bureaus.toml") {
            raw::parse_bureaus(src, &mut parts, &mut origins)
        } else if name.ends_with("categories.toml") {
            raw::parse_categories(src, &mut parts, &mut origins)
        } else if name.ends_with("gazetteer.toml") {
            raw::parse_gazetteer(src, &mut parts, &mut origins)
        } else if name.ends_with(calendar::TIME_LIMITS) {
            calendar::parse_time_limits(src, &mut parts)
        } else if calendar::is_calendar_year(&src.path) {
            calendar::parse_calendar_year(src, &mut parts)
        } else {
            rules::parse_rules(src, &mut parts, &mut origins)
        };
        if let Err(mut e) = result {
            errors.append(&mut e);
        }
    }
    if !errors.is_empty() {
        return Err(ConfigErrors(errors));
    }
    District::assemble(parts).map_err(|errs| {
        ConfigErrors(
            errs.into_iter()
                .map(|e| {
                    let (file, line) =
                        origins.get(&e.subject).cloned().unwrap_or_else(|| (PathBuf::from("config"), None));
                    // Point at the other definition too (the rule this one ties with).
                    let message = match e.related.as_ref().and_then(|r| origins.get(r)) {
                        Some((f, Some(l))) => format!("{} (see {}:{l})", e.message, f.display()),
                        _ => e.message,
                    };
                    ConfigError { file, line, message }
                })
                .collect(),
        )
    })
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod rules_tests;
#[cfg(test)]
mod tests;
