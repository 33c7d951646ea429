//! The rules engine on its own: stored reasons from older versions, tie detection per dimension,
//! the order of matches, and the explanations.

use chrono::{DateTime, Utc};

use super::*;
use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::request::{Channel, Kind, Urgency};

fn rule(id: &str, lead: &str) -> Rule {
    Rule::new(
        RuleId::parse(id).expect("id"),
        RuleVersion::parse("v1").expect("version"),
        BureauCode::parse(lead).expect("bureau"),
    )
}

fn cats(codes: &[&str]) -> Vec<CategoryCode> {
    codes.iter().map(|c| CategoryCode::parse(c).expect("code")).collect()
}

fn areas(codes: &[&str]) -> Vec<AreaCode> {
    codes.iter().map(|c| AreaCode::parse(c).expect("code")).collect()
}

fn words(ws: &[&str]) -> Vec<String> {
    ws.iter().map(|w| w.to_string()).collect()
}

/// The messages of the ties found, or none.
fn ties(rules: Vec<Rule>) -> Vec<String> {
    match RuleSet::compile(rules) {
        Ok(_) => Vec::new(),
        Err(errs) => errs.into_iter().map(|e| format!("{}: {}", e.rule, e.message)).collect(),
    }
}

fn at(local: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-30T{local}:00+08:00")).expect("time").with_timezone(&Utc)
}

#[test]
fn routings_stored_by_the_first_version_still_read() {
    let rule: RouteReason = serde_json::from_str(r#"{"by":"rule","rule":"road-damage","matched":"010102"}"#)
        .expect("an old rule reason");
    let RouteReason::Rule { rule: id, version, category, keywords, area, .. } = &rule else {
        panic!("a rule reason: {rule:?}")
    };
    assert_eq!(id.as_str(), "road-damage");
    assert_eq!((version, category.as_ref().map(|c| c.as_str())), (&None, Some("010102")));
    assert!(keywords.is_empty() && area.is_none());
    assert_eq!(rule.explain(), "rule `road-damage`: category 010102");

    let owner: RouteReason =
        serde_json::from_str(r#"{"by":"area_default_owner","area":"pingshan.kengzi"}"#).expect("old owner");
    assert_eq!(owner, RouteReason::AreaDefaultOwner { area: areas(&["pingshan.kengzi"])[0].clone() });

    let routing: Routing = serde_json::from_str(
        r#"{"candidates":[{"bureau":"transport","assists":["urban-management"],"reason":{"by":"rule","rule":"road-damage","matched":"010102"}},{"bureau":"street-kengzi","reason":{"by":"area_default_owner","area":"pingshan.kengzi"}}]}"#,
    )
    .expect("an old routing");
    assert_eq!(routing.candidates.len(), 2);
    assert_eq!((routing.urgency, &routing.time_limit), (None, &None));
    assert_eq!(routing.lead().reason, rule);
}

#[test]
fn new_reasons_round_trip_and_name_what_matched() {
    let reason = RouteReason::Rule {
        rule: RuleId::parse("night-noise").expect("id"),
        version: RuleVersion::parse("2026-11-30").ok(),
        category: cats(&["0301"]).pop(),
        keywords: words(&["夜间"]),
        area: areas(&["pingshan.kengzi"]).pop(),
        kind: Some(Kind::Complaint),
        channel: Some(Channel::Hotline),
        hours: Hours::parse("22:00-07:00").ok(),
        meeting: None,
    };
    let json = serde_json::to_string(&reason).expect("json");
    assert!(json.contains(r#""category":"0301""#) && json.contains(r#""hours":"22:00-07:00""#), "{json}");
    assert_eq!(serde_json::from_str::<RouteReason>(&json).expect("back"), reason);
    assert_eq!(
        reason.explain(),
        "rule `night-noise` (list 2026-11-30): category 0301, keyword 「夜间」 found, area pingshan.kengzi, \
         kind complaint, channel hotline, hours 22:00-07:00"
    );
    assert_eq!(
        reason.explain_zh(),
        "职责清单（2026-11-30版）规则 night-noise（问题分类 0301，关键词「夜间」，区域 pingshan.kengzi，\
         诉求类型 投诉，渠道 12345热线，时段 22:00-07:00）"
    );
}

#[test]
fn equally_specific_rules_that_disagree_tie_and_the_later_one_is_named() {
    let a = Rule { categories: cats(&["0301"]), ..rule("a", "water") };
    let b = Rule { categories: cats(&["0301"]), ..rule("b", "police") };
    let found = ties(vec![a.clone(), b]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("b: rule `b` ties with rule `a`"), "{found:?}");
    assert!(found[0].contains("lead water vs police"), "{found:?}");
    // Agreeing rules do not tie; nor do rules of different depth.
    assert!(ties(vec![a.clone(), Rule { categories: cats(&["0301"]), ..rule("c", "water") }]).is_empty());
    assert!(ties(vec![a.clone(), Rule { categories: cats(&["03"]), ..rule("d", "police") }]).is_empty());
    // A rule with several codes ties through the one it shares.
    let e = Rule { categories: cats(&["02", "0301"]), ..rule("e", "police") };
    assert!(ties(vec![a, e])[0].contains("category 0301"));
}

#[test]
fn outcomes_include_urgency_time_limit_and_assists() {
    let a = Rule { categories: cats(&["0301"]), ..rule("a", "water") };
    let urgent =
        Rule { urgency: Some(Urgency::Urgent), ..Rule { id: RuleId::parse("b").expect("id"), ..a.clone() } };
    assert!(ties(vec![a.clone(), urgent])[0].contains("urgency none vs urgent"));
    let assisted = Rule {
        assists: vec![BureauCode::parse("police").expect("b")],
        id: RuleId::parse("c").expect("id"),
        ..a.clone()
    };
    assert!(ties(vec![a, assisted])[0].contains("assists none vs police"));
}

#[test]
fn kinds_channels_and_hours_that_cannot_meet_do_not_tie() {
    let base = Rule { categories: cats(&["0301"]), ..rule("a", "water") };
    let with = |id: &str, lead: &str, f: &dyn Fn(&mut Rule)| {
        let mut r = Rule {
            id: RuleId::parse(id).expect("id"),
            lead: BureauCode::parse(lead).expect("b"),
            ..base.clone()
        };
        f(&mut r);
        r
    };
    let complaint = with("a", "water", &|r| r.kinds = vec![Kind::Complaint]);
    let report = with("b", "police", &|r| r.kinds = vec![Kind::Report]);
    let both = with("c", "police", &|r| r.kinds = vec![Kind::Report, Kind::Complaint]);
    assert!(ties(vec![complaint.clone(), report]).is_empty());
    assert_eq!(ties(vec![complaint.clone(), both]).len(), 1);
    // A kind restriction and a channel restriction count the same and can meet.
    let hotline = with("d", "police", &|r| r.channels = vec![Channel::Hotline]);
    assert_eq!(ties(vec![complaint, hotline]).len(), 1);
    let night = with("e", "water", &|r| r.hours = Hours::parse("22:00-07:00").ok());
    let day = with("f", "police", &|r| r.hours = Hours::parse("07:00-22:00").ok());
    let dawn = with("g", "police", &|r| r.hours = Hours::parse("06:00-08:00").ok());
    assert!(ties(vec![night.clone(), day]).is_empty(), "they only touch at 07:00 and 22:00");
    assert_eq!(ties(vec![night, dawn]).len(), 1);
}

#[test]
fn areas_tie_only_at_the_same_area() {
    let at = |id: &str, lead: &str, area: &str| Rule {
        categories: cats(&["0102"]),
        areas: areas(&[area]),
        ..rule(id, lead)
    };
    assert!(ties(vec![at("a", "water", "d.east"), at("b", "police", "d.west")]).is_empty());
    assert!(ties(vec![at("a", "water", "d.east"), at("b", "police", "d.east.c1")]).is_empty(), "deeper wins");
    assert!(ties(vec![at("a", "water", "d.east"), at("b", "police", "d.east")])[0].contains("area d.east"));
}

#[test]
fn keyword_rules_tie_only_through_shared_or_nested_keywords() {
    let kw = |id: &str, lead: &str, ks: &[&str], ex: &[&str]| Rule {
        categories: cats(&["0301"]),
        keywords: words(ks),
        exclude_keywords: words(ex),
        ..rule(id, lead)
    };
    assert!(ties(vec![kw("a", "water", &["夜间"], &[]), kw("b", "police", &["噪音"], &[])]).is_empty());
    assert_eq!(
        ties(vec![kw("a", "water", &["凌晨", "夜间"], &[]), kw("b", "police", &["夜间"], &[])]).len(),
        1
    );
    let nested = ties(vec![kw("a", "water", &["夜间"], &[]), kw("b", "police", &["夜间施工"], &[])]);
    assert!(nested[0].contains("text containing 「夜间施工」"), "{nested:?}");
    // "夜间施工" always contains "施工", which rule a excludes: they cannot both match.
    assert!(
        ties(vec![kw("a", "water", &["夜间"], &["施工"]), kw("b", "police", &["夜间施工"], &[])]).is_empty()
    );
}

#[test]
fn rules_that_cannot_work_are_refused() {
    let errs = ties(vec![
        rule("nothing", "water"),
        Rule { keywords: words(&[" "]), ..rule("blank", "water") },
        Rule {
            categories: cats(&["01"]),
            assists: vec![BureauCode::parse("water").expect("b")],
            ..rule("self", "water")
        },
        Rule { categories: cats(&["02"]), ..rule("self", "police") },
    ]);
    assert!(errs.iter().any(|e| e.contains("names no category, keyword or area")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("empty keyword")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("its lead `water` among the assists")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("`self` is defined twice")), "{errs:?}");
}

fn input<'a>(
    category: Option<&'a CategoryCode>,
    text: &'a str,
    area: Option<&'a AreaCode>,
) -> RouteInput<'a> {
    RouteInput { category, text, area, kind: Kind::Complaint, channel: Channel::Web, at: at("12:00") }
}

fn order(set: &RuleSet, i: &RouteInput<'_>) -> Vec<String> {
    set.matching(i).iter().map(|m| m.rule.id.to_string()).collect()
}

#[test]
fn matches_come_most_specific_first_and_residual_ties_break_by_keywords_then_file_order() {
    let set = RuleSet::compile(vec![
        Rule { categories: cats(&["03"]), ..rule("branch", "water") },
        Rule { categories: cats(&["0301"]), keywords: words(&["噪音"]), ..rule("noise", "police") },
        Rule {
            categories: cats(&["0301"]),
            keywords: words(&["夜间", "施工"]),
            ..rule("night-work", "housing")
        },
        Rule { categories: cats(&["0301"]), keywords: words(&["深夜"]), ..rule("late", "health") },
        Rule { categories: cats(&["0301"]), areas: areas(&["d.east"]), ..rule("east", "transport") },
        Rule { keywords: words(&["燃气味"]), ..rule("gas", "gas") },
        Rule { areas: areas(&["d.east.c1"]), ..rule("c1", "street-east") },
    ])
    .expect("no ties");
    let leaf = cats(&["030101"]).pop().expect("code");
    let c1 = areas(&["d.east.c1"]).pop().expect("code");
    // The street's rule beats every keyword rule: area comes before keywords.
    assert_eq!(
        order(&set, &input(Some(&leaf), "夜间施工噪音", Some(&c1))),
        ["east", "night-work", "noise", "branch", "c1"]
    );
    // Two keywords of one rule beat one of another; then the longer keyword; then file order.
    assert_eq!(order(&set, &input(Some(&leaf), "夜间施工噪音", None)), ["night-work", "noise", "branch"]);
    assert_eq!(order(&set, &input(Some(&leaf), "噪音，深夜", None)), ["noise", "late", "branch"]);
    // A keyword-only rule matches whatever the category, below every category rule.
    assert_eq!(order(&set, &input(Some(&leaf), "有燃气味", None)), ["branch", "gas"]);
    assert_eq!(order(&set, &input(None, "有燃气味", Some(&c1))), ["c1", "gas"]);
    let m = &set.matching(&input(Some(&leaf), "夜间施工噪音", None))[0];
    assert_eq!(m.keywords, ["夜间", "施工"]);
    assert_eq!(
        m.specificity,
        Specificity { category_depth: 2, area_depth: 0, keywords: true, constraints: 0 }
    );
}

#[test]
fn exclusions_kinds_channels_and_hours_are_checked_at_match_time() {
    let leaf = cats(&["030102"]).pop().expect("code");
    let set = RuleSet::compile(vec![
        Rule {
            categories: cats(&["0301"]),
            keywords: words(&["噪音"]),
            exclude_keywords: words(&["装修"]),
            ..rule("noise", "police")
        },
        Rule {
            categories: cats(&["0301"]),
            hours: Hours::parse("22:00-07:00").ok(),
            ..rule("night", "police")
        },
        Rule {
            categories: cats(&["0301"]),
            kinds: vec![Kind::Report],
            channels: vec![Channel::Hotline],
            ..rule("hotline-report", "water")
        },
    ])
    .expect("no ties");
    assert_eq!(order(&set, &input(Some(&leaf), "装修噪音", None)), Vec::<String>::new());
    assert_eq!(order(&set, &input(Some(&leaf), "广场舞噪音", None)), ["noise"]);
    let late = RouteInput { at: at("23:30"), ..input(Some(&leaf), "", None) };
    let early = RouteInput { at: at("06:59"), ..late };
    let morning = RouteInput { at: at("07:00"), ..late };
    assert_eq!(
        (order(&set, &late), order(&set, &early), order(&set, &morning).len()),
        (vec!["night".to_owned()], vec!["night".to_owned()], 0)
    );
    let report = RouteInput { kind: Kind::Report, channel: Channel::Hotline, ..input(Some(&leaf), "", None) };
    assert_eq!(order(&set, &report), ["hotline-report"]);
    assert!(order(&set, &RouteInput { channel: Channel::Wechat, ..report }).is_empty());
}
