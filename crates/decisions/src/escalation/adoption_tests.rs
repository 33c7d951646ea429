//! A proposal becomes a rule with its meeting as provenance; a supervisor's decision is taken
//! once and recorded as an event.

use chrono::{TimeZone, Utc};

use super::*;
use crate::escalation::{MeetingId, ProposalId};
use jiesu_model::ids::RequestId;
use jiesu_routing::RouteReason;

fn proposal() -> ProposedRule {
    ProposedRule {
        id: ProposalId::from_uuid("0193a0b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b".parse().expect("uuid")),
        request_id: RequestId::generate(),
        meeting_id: MeetingId::generate(),
        categories: vec![CategoryCode::parse("010101").expect("code")],
        areas: vec![AreaCode::parse("pingshan.kengzi").expect("area")],
        lead: BureauCode::parse("urban-management").expect("bureau"),
        assists: vec![BureauCode::parse("transport").expect("bureau")],
        note: Some(Note::parse("桥下通道照明由城管局负责").expect("note")),
        state: ProposalState::Proposed,
        // 20:00 UTC is already the next day in the district.
        proposed_at: Utc.with_ymd_and_hms(2026, 11, 29, 20, 0, 0).unwrap(),
        decision: None,
    }
}

fn decision(verdict: Verdict) -> ProposalDecision {
    ProposalDecision {
        verdict,
        by: "boss".into(),
        note: Some(Note::parse("同意").expect("note")),
        at: Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap(),
    }
}

#[test]
fn a_proposal_becomes_a_rule_named_after_its_meeting_with_a_stable_id() {
    let p = proposal();
    let rule = p.to_rule().expect("a rule");
    assert_eq!(rule.id.as_str(), "meeting-1c2d3e4f5a6b", "the random tail of the proposal id");
    assert_eq!(rule.version.as_str(), "meeting-2026-11-30", "the meeting's day in district time");
    assert_eq!((rule.categories.clone(), rule.areas.clone()), (p.categories.clone(), p.areas.clone()));
    assert_eq!((rule.lead.clone(), rule.assists.clone()), (p.lead.clone(), p.assists.clone()));
    assert_eq!(rule.note.as_deref(), Some("桥下通道照明由城管局负责"));
    assert_eq!(rule.meeting, Some(p.meeting_id));
    assert_eq!(p.to_rule().expect("again"), rule, "the same rule every time it is composed");
}

#[test]
fn a_proposal_without_a_category_or_with_its_lead_assisting_is_no_rule() {
    let none = ProposedRule { categories: vec![], ..proposal() };
    assert_eq!(none.to_rule().expect_err("no category").field(), "categories");
    let p = proposal();
    let lead_assists = ProposedRule { assists: vec![p.lead.clone()], ..p };
    assert_eq!(lead_assists.to_rule().expect_err("lead assists").field(), "assists");
}

#[test]
fn an_acceptance_with_edits_records_them_and_says_it_was_edited() {
    let p = proposal();
    let edits = ProposalEdits {
        areas: Some(vec![AreaCode::parse("pingshan.kengzi.xiuxin").expect("area")]),
        ..ProposalEdits::default()
    };
    let (accepted, event) = p.decide(&decision(Verdict::Accept(edits))).expect("decided");
    assert_eq!(accepted.state, ProposalState::Accepted);
    assert_eq!(accepted.areas[0].as_str(), "pingshan.kengzi.xiuxin");
    assert_eq!(accepted.categories, p.categories, "what was not edited stays");
    assert_eq!(accepted.decision.as_ref().map(|d| d.by.as_str()), Some("boss"));
    assert_eq!(event.request_id, p.request_id);
    assert_eq!(event.kind.name(), "rule_accepted");
    let EventKind::RuleAccepted { rule, edited, areas, .. } = &event.kind else { panic!("{event:?}") };
    assert_eq!((rule, *edited, areas), (&p.rule_id(), true, &accepted.areas));
    let (_, plain) = p.decide(&decision(Verdict::Accept(ProposalEdits::default()))).expect("decided");
    assert!(matches!(plain.kind, EventKind::RuleAccepted { edited: false, .. }));
}

#[test]
fn a_decision_is_taken_once() {
    let (declined, event) = proposal().decide(&decision(Verdict::Decline)).expect("declined");
    assert_eq!(declined.state, ProposalState::Declined);
    assert_eq!(event.kind.name(), "rule_declined");
    assert_eq!(
        declined.decide(&decision(Verdict::Accept(ProposalEdits::default()))),
        Err(ProposalRefused::AlreadyDecided(ProposalState::Declined))
    );
}

#[test]
fn a_reason_from_a_meeting_round_trips_and_old_reasons_still_read() {
    let meeting = MeetingId::generate();
    let reason = RouteReason::Rule {
        rule: proposal().rule_id(),
        version: Some(proposal().rule_version()),
        category: proposal().categories.pop(),
        keywords: vec![],
        area: proposal().areas.pop(),
        kind: None,
        channel: None,
        hours: None,
        meeting: Some(meeting),
    };
    let json = serde_json::to_string(&reason).expect("json");
    assert_eq!(serde_json::from_str::<RouteReason>(&json).expect("back"), reason);
    assert_eq!(
        reason.explain(),
        format!(
            "rule `meeting-1c2d3e4f5a6b` (list meeting-2026-11-30), decided by coordination meeting \
             {meeting}: category 010101, area pingshan.kengzi"
        )
    );
    assert_eq!(
        reason.explain_zh(),
        format!(
            "协调会（会议 {meeting}）议定的职责清单（meeting-2026-11-30版）规则 meeting-1c2d3e4f5a6b\
             （问题分类 010101，区域 pingshan.kengzi）"
        )
    );
    let old: RouteReason = serde_json::from_str(r#"{"by":"rule","rule":"road-damage","version":"v1"}"#)
        .expect("a reason stored before meetings");
    assert!(matches!(old, RouteReason::Rule { meeting: None, .. }));
}
