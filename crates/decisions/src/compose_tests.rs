//! Composing the district in force from the small test district of `district_tests` (streets
//! `d.west` and `d.east`, community `d.west.c1`; rules `city`: 01 → urban, `roads`: 010102 →
//! transport) and rules accepted from meetings.

use chrono::{TimeZone, Utc};

use super::*;
use crate::district_tests::{ac, bc, cc, district, route};
use crate::escalation::{MeetingId, ProposalState};
use jiesu_model::ids::RequestId;
use jiesu_routing::RouteReason;

fn accepted(categories: &[&str], areas: &[&str], lead: &str) -> ProposedRule {
    ProposedRule {
        id: ProposalId::generate(),
        request_id: RequestId::generate(),
        meeting_id: MeetingId::generate(),
        categories: categories.iter().map(|c| cc(c)).collect(),
        areas: areas.iter().map(|a| ac(a)).collect(),
        lead: bc(lead),
        assists: vec![],
        note: None,
        state: ProposalState::Accepted,
        proposed_at: Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap(),
        decision: None,
    }
}

#[test]
fn an_accepted_rule_routes_its_category_in_its_area_to_its_lead_and_says_it_came_from_a_meeting() {
    let files = district();
    let p = accepted(&["010101"], &["d.west"], "transport");
    let composed = compose(&files, std::slice::from_ref(&p));
    assert!(composed.skipped.is_empty(), "{:?}", composed.skipped);
    let r = route(&composed.district, "010101", Some("d.west.c1"));
    assert_eq!(r.lead().bureau, bc("transport"), "the meeting's rule is more specific than `city`");
    let RouteReason::Rule { rule, meeting, version, .. } = &r.lead().reason else { panic!("{r:?}") };
    assert_eq!((rule, *meeting), (&p.rule_id(), Some(p.meeting_id)));
    assert_eq!(version.as_ref().map(|v| v.as_str()), Some("meeting-2026-11-30"));
    assert!(r.lead().reason.explain().contains(&format!("coordination meeting {}", p.meeting_id)));
    assert!(r.lead().reason.explain_zh().starts_with("协调会"));
    // Elsewhere the files decide, and the files' district itself is untouched.
    assert_eq!(route(&composed.district, "010101", Some("d.east")).lead().bureau, bc("urban"));
    assert_eq!(route(&files, "010101", Some("d.west")).lead().bureau, bc("urban"));
}

#[test]
fn a_rule_that_ties_with_a_file_rule_is_refused_with_the_compile_message_and_a_narrower_one_fits() {
    let files = district();
    let p = accepted(&["010102"], &[], "urban");
    let problems = check_acceptance(&files, &[], &p).expect_err("ties with `roads`");
    assert!(problems.iter().any(|m| m.contains("ties with rule `roads`")), "{problems:?}");
    let narrower = ProposedRule { areas: vec![ac("d.west")], ..p };
    let rule = check_acceptance(&files, &[], &narrower).expect("a street's rule beats the district's");
    assert_eq!(rule.areas, vec![ac("d.west")]);
}

#[test]
fn a_rule_naming_what_the_district_lacks_is_refused() {
    let files = district();
    let p = ProposedRule { areas: vec![ac("d.north")], ..accepted(&["010101"], &[], "nobody") };
    let problems = check_acceptance(&files, &[], &p).expect_err("unknown references");
    assert!(problems.iter().any(|m| m.contains("unknown bureau `nobody`")), "{problems:?}");
    assert!(problems.iter().any(|m| m.contains("unknown area `d.north`")), "{problems:?}");
}

#[test]
fn a_candidate_is_checked_against_the_rules_already_accepted() {
    let files = district();
    let first = accepted(&["010101"], &["d.west"], "transport");
    let second =
        ProposedRule { state: ProposalState::Proposed, ..accepted(&["010101"], &["d.west"], "urban") };
    let problems = check_acceptance(&files, std::slice::from_ref(&first), &second).expect_err("a tie");
    assert!(problems.iter().any(|m| m.contains(first.rule_id().as_str())), "{problems:?}");
    let agreeing = ProposedRule { lead: bc("transport"), ..second };
    check_acceptance(&files, &[first], &agreeing).expect("the same outcome is no conflict");
}

#[test]
fn rules_that_no_longer_fit_are_left_out_and_named_and_the_rest_stay_in_force() {
    let files = district();
    let gone = accepted(&["010101"], &["d.east"], "dropped-bureau");
    let first = accepted(&["010101"], &["d.west"], "transport");
    let tie = accepted(&["010101"], &["d.west"], "street-west");
    let composed = compose(&files, &[gone.clone(), first.clone(), tie.clone()]);
    let skipped: Vec<_> = composed.skipped.iter().map(|s| (s.proposal, s.rule.clone())).collect();
    assert_eq!(skipped, [(gone.id, gone.rule_id()), (tie.id, tie.rule_id())], "the later of two that tie");
    assert!(composed.skipped[0].problems[0].contains("unknown bureau `dropped-bureau`"));
    assert_eq!(route(&composed.district, "010101", Some("d.west")).lead().bureau, bc("transport"));
    assert_eq!(composed.district.rules().len(), files.rules().len() + 1);
}

#[test]
fn with_rules_adds_rules_after_the_files_own() {
    let files = district();
    let rule = accepted(&["010101"], &["d.east"], "street-east").to_rule().expect("rule");
    let d = files.with_rules(vec![rule.clone()]).expect("fits");
    assert_eq!(d.rules().iter().last(), Some(&rule));
    let errs = files.with_rules(vec![rule.clone(), rule]).expect_err("defined twice");
    assert!(errs[0].message.contains("defined twice"), "{errs:?}");
}
