//! The responsibility-list files, `rules/*.toml`: a top-level `version` (provenance of every rule
//! in the file) and `[[rule]]` tables, read strictly into the domain's `Rule`. The meaning of each
//! field and the specificity order are explained in the sample file's header.

use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::district::{DistrictParts, Subject};
use jiesu_domain::request::{Channel, Kind, Urgency};
use jiesu_domain::routing::{Hours, Rule, RuleId, RuleVersion};
use jiesu_domain::sla::TimeLimitClass;
use serde::Deserialize;
use toml::Spanned;

use crate::raw::{FileErrors, Origins, line, optional, parse_toml};
use crate::{ConfigError, SourceFile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    version: Spanned<String>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    exclude_keywords: Vec<String>,
    #[serde(default)]
    areas: Vec<String>,
    // Enums deserialize directly, so a misspelt kind is reported at its own line by the parser.
    #[serde(default)]
    kinds: Vec<Kind>,
    #[serde(default)]
    channels: Vec<Channel>,
    hours: Option<String>,
    lead: String,
    #[serde(default)]
    assists: Vec<String>,
    urgency: Option<Urgency>,
    time_limit: Option<String>,
    note: Option<String>,
}

pub(crate) fn parse_rules(
    src: &SourceFile,
    parts: &mut DistrictParts,
    origins: &mut Origins,
) -> Result<(), Vec<ConfigError>> {
    let file: RuleFile = parse_toml(src)?;
    let mut errs = FileErrors::new(src);
    let Some(version) = errs.check(line(src, &file.version), RuleVersion::parse(file.version.get_ref()))
    else {
        return errs.finish();
    };
    for item in file.rule {
        let at = line(src, &item);
        let raw = item.into_inner();
        let id = errs.check(at, RuleId::parse(&raw.id));
        let categories = errs.check(at, raw.categories.iter().map(|c| CategoryCode::parse(c)).collect());
        let areas = errs.check(at, raw.areas.iter().map(|a| AreaCode::parse(a)).collect());
        let hours = errs.check(at, optional(raw.hours, Hours::parse));
        let lead = errs.check(at, BureauCode::parse(&raw.lead));
        let assists = errs.check(at, raw.assists.iter().map(|b| BureauCode::parse(b)).collect());
        let time_limit = errs.check(at, optional(raw.time_limit, TimeLimitClass::parse));
        let (
            Some(id),
            Some(categories),
            Some(areas),
            Some(hours),
            Some(lead),
            Some(assists),
            Some(time_limit),
        ) = (id, categories, areas, hours, lead, assists, time_limit)
        else {
            continue;
        };
        // A duplicated id is reported here, at its second definition, and that definition is
        // dropped: the first keeps its origin, so its own errors still point at it.
        if let Some((file, first)) = origins.get(&Subject::Rule(id.clone())) {
            let first = first.map_or(String::new(), |l| format!(":{l}"));
            errs.at(
                Some(at),
                format!("rule id `{id}` is defined twice (first at {}{first})", file.display()),
            );
            continue;
        }
        origins.insert(Subject::Rule(id.clone()), (src.path.clone(), Some(at)));
        parts.rules.push(Rule {
            id,
            version: version.clone(),
            categories,
            keywords: raw.keywords,
            exclude_keywords: raw.exclude_keywords,
            areas,
            kinds: raw.kinds,
            channels: raw.channels,
            hours,
            lead,
            assists,
            urgency: raw.urgency,
            time_limit,
            note: raw.note,
            meeting: None,
            source: Some(format!("{}:{at}", src.path.display())),
        });
    }
    errs.finish()
}
