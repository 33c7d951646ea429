//! `check-config` on rule files: every problem at its file and line.

use std::path::{Path, PathBuf};

use super::*;

const RULES: &str = "config/rules/responsibility-list.toml";

/// The sample with its rule file replaced by `text` and, optionally, a second rule file.
fn rules(text: &str, extra: Option<&str>) -> Result<District, ConfigErrors> {
    let mut sources = sample_sources();
    let file = sources.iter_mut().find(|s| s.path == Path::new(RULES)).expect("sample rules");
    file.text = text.to_owned();
    if let Some(extra) = extra {
        sources
            .push(SourceFile { path: PathBuf::from("config/rules/zz-street.toml"), text: extra.to_owned() });
    }
    load(&sources)
}

/// The errors as `file:line: message` lines.
fn errors(text: &str) -> Vec<String> {
    rules(text, None).expect_err("invalid").0.iter().map(ToString::to_string).collect()
}

fn has(errs: &[String], line: usize, needle: &str) -> bool {
    errs.iter().any(|e| e.starts_with(&format!("{RULES}:{line}: ")) && e.contains(needle))
}

#[test]
fn a_tie_is_reported_at_the_later_rule_with_the_other_s_location() {
    let text = r#"version = "v1"

[[rule]]
id = "noise"
categories = ["0301"]
keywords = ["夜间"]
lead = "ecology-environment"

[[rule]]
id = "night-work"
categories = ["0301"]
keywords = ["夜间施工"]
lead = "urban-management"
"#;
    let errs = errors(text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(has(&errs, 9, "rule `night-work` ties with rule `noise`"), "{errs:?}");
    assert!(
        errs[0].contains("text containing 「夜间施工」") && errs[0].ends_with(&format!("(see {RULES}:3)")),
        "{errs:?}"
    );
}

#[test]
fn a_tie_across_two_files_names_both() {
    let base = "version = \"2026-11-30\"\n[[rule]]\nid = \"garbage\"\ncategories = [\"0102\"]\nareas = [\"pingshan.shijing\"]\nlead = \"urban-management\"\n";
    let street = "version = \"shijing-2\"\n\n[[rule]]\nid = \"shijing-garbage\"\ncategories = [\"0102\"]\nareas = [\"pingshan.shijing\"]\nlead = \"street-shijing\"\n";
    let err = rules(base, Some(street)).expect_err("tie");
    let e = &err.0[0];
    assert_eq!((e.file.as_path(), e.line), (Path::new("config/rules/zz-street.toml"), Some(3)), "{err}");
    assert!(
        e.message.contains("ties with rule `garbage`") && e.message.contains(&format!("(see {RULES}:2)")),
        "{err}"
    );
    // The same rule at another street does not tie.
    let other = street.replace("pingshan.shijing", "pingshan.kengzi");
    assert!(rules(base, Some(&other)).is_ok());
}

#[test]
fn every_rule_problem_is_reported_at_its_rule() {
    let text = r#"version = "v1"
[[rule]]
id = "a"
areas = ["pingshan.atlantis"]
lead = "water"

[[rule]]
id = "b"
categories = ["7777"]
lead = "water"
assists = ["water"]

[[rule]]
id = "c"
categories = ["01"]
hours = "22:00-7:00"
lead = "water"

[[rule]]
id = "a"
keywords = [""]
lead = "water"

[[rule]]
id = "e"
kinds = ["complaint"]
lead = "water"
"#;
    // Parsing comes first: a bad window, and a second `a` refused where it stands.
    let errs = errors(text);
    assert!(has(&errs, 13, "`22:00-7:00` is not a window like 22:00-07:00"), "{errs:?}");
    assert!(has(&errs, 19, &format!("rule id `a` is defined twice (first at {RULES}:2)")), "{errs:?}");
    // With those fixed, the cross-checks and each rule's own checks run.
    let text =
        text.replace("22:00-7:00", "22:00-07:00").replace("id = \"a\"\nkeywords", "id = \"d\"\nkeywords");
    let errs = errors(&text);
    assert!(has(&errs, 2, "unknown area `pingshan.atlantis`"), "{errs:?}");
    assert!(has(&errs, 7, "unknown category 7777"), "{errs:?}");
    assert!(has(&errs, 7, "lists its lead `water` among the assists"), "{errs:?}");
    assert!(has(&errs, 19, "rule `d` has an empty keyword"), "{errs:?}");
    assert!(has(&errs, 24, "names no category, keyword or area"), "{errs:?}");
}

#[test]
fn unknown_keys_and_values_are_reported_at_their_line() {
    let errs = errors(
        "version = \"v1\"\n[[rule]]\nid = \"a\"\ncategories = [\"01\"]\nkeyword = [\"夜间\"]\nlead = \"water\"\n",
    );
    assert!(has(&errs, 5, "keyword"), "{errs:?}");
    let errs = errors(
        "version = \"v1\"\n[[rule]]\nid = \"a\"\ncategories = [\"01\"]\nkinds = [\"grumble\"]\nlead = \"water\"\n",
    );
    assert!(has(&errs, 5, "grumble"), "{errs:?}");
    let errs = errors(
        "version = \"v1\"\n[[rule]]\nid = \"a\"\ncategories = [\"01\"]\nurgency = \"asap\"\nlead = \"water\"\n",
    );
    assert!(has(&errs, 5, "asap"), "{errs:?}");
    let errs = errors(
        "version = \"v1\"\n[[rule]]\nid = \"a\"\ncategories = [\"01\"]\ntime_limit = \"Soon!\"\nlead = \"water\"\n",
    );
    assert!(has(&errs, 2, "time_limit"), "{errs:?}");
}

#[test]
fn a_rule_file_needs_a_version() {
    let errs = errors("[[rule]]\nid = \"a\"\ncategories = [\"01\"]\nlead = \"water\"\n");
    assert!(errs.iter().any(|e| e.contains("version")), "{errs:?}");
    let errs = errors("version = \"the first one\"\n");
    assert!(has(&errs, 1, "a version has no spaces"), "{errs:?}");
}

#[test]
fn every_rule_carries_its_file_s_version() {
    let d = rules("version = \"v7\"\n[[rule]]\nid = \"a\"\ncategories = [\"01\"]\nlead = \"water\"\n", None)
        .expect("valid");
    assert!(d.rules().iter().all(|r| r.version.as_str() == "v7"));
}
