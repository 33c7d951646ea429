//! The citizen's timeline (`jiesu_words::timeline`) of histories the workflow really writes: a
//! plain life is a few steps; disclaims and re-dispatches are one hand-over line; a request every
//! candidate declined reads as a coordination meeting with its time and place, the units that
//! declined travel with it (once), and the decision says who does what. No ids, no routing.

mod support;

use jiesu_domain::escalation::Share;
use jiesu_domain::staff::StaffRole;
use jiesu_domain::workflow::{Command, DecisionInput, Satisfaction, Stars};
use jiesu_words::Lang;
use jiesu_words::timeline::{Step, for_citizen};
use support::{Clock, at, disclaim, district, note, of, staff};

fn titles(steps: &[Step]) -> Vec<&str> {
    steps.iter().map(|s| s.title.as_str()).collect()
}

fn timeline(c: &Clock) -> Vec<Step> {
    for_citizen(&c.history, c.meetings(), district(), Lang::Zh)
}

#[test]
fn a_plain_life_is_received_sent_taken_on_done_checked_rated_and_closed() {
    let mut c = Clock::dispatched(at(12, 1, 9, 0));
    let (task, bureau) = c.lead();
    c.by(&of(&bureau), Command::Claim { task }, at(12, 1, 10, 0));
    c.by(
        &of(&bureau),
        Command::Progress { task, note: note("已联系供电所"), photos: vec![] },
        at(12, 1, 11, 0),
    );
    c.by(
        &of(&bureau),
        Command::Resolve { task, result: note("灯具已更换"), photos: vec![] },
        at(12, 2, 10, 0),
    );
    let desk = staff(StaffRole::Operator, None);
    c.by(&desk, Command::ReviewResolution { approve: true, note: None }, at(12, 2, 11, 0));
    let visit = Command::RecordVisit {
        solved: true,
        satisfaction: Some(Satisfaction::Satisfied),
        stars: Some(Stars::new(4).expect("stars")),
        comment: None,
    };
    c.attempt(jiesu_domain::workflow::Caller::Citizen, visit, at(12, 3, 9, 0)).expect("the visit");
    let steps = timeline(&c);
    let name = jiesu_words::bureau_name(district(), &bureau, Lang::Zh);
    assert_eq!(
        titles(&steps),
        [
            "已受理".to_owned(),
            format!("已交由{name}办理"),
            format!("{name}已签收，正在办理"),
            format!("{name}已办理完毕"),
            "办理结果已审核，请您评价".to_owned(),
            "您的评价：已解决，满意，★★★★☆".to_owned(),
            "已结案".to_owned(),
        ]
    );
    assert_eq!(steps[3].detail.as_deref(), Some("灯具已更换"), "the result is the citizen's to read");
    assert!(steps.iter().all(|s| s.detail.as_deref() != Some("已联系供电所")), "progress notes stay inside");
}

#[test]
fn every_unit_declining_reads_as_one_hand_over_then_the_meeting_with_who_declined_and_why() {
    let mut c = Clock::dispatched(at(12, 1, 9, 0));
    let candidates = c.case.routing.candidates.len();
    c.exhaust(at(12, 1, 10, 0));
    c.review(at(12, 1, 10, 30));
    let steps = timeline(&c);
    let all = titles(&steps).join("\n");
    assert_eq!(all.matches("现已交由").count(), 1, "one hand-over line: {all}");
    let meeting = steps.last().expect("a step");
    assert!(
        meeting.title.starts_with("多个部门对职责有不同意见，") && meeting.title.contains("已召集协调会（"),
        "{}",
        meeting.title
    );
    assert!(
        meeting.title.contains("现场") && meeting.title.contains(':'),
        "when and where: {}",
        meeting.title
    );
    assert_eq!(meeting.declined.len(), candidates, "every unit that declined, with it");
    assert!(meeting.declined.iter().all(|d| !d.reason.is_empty()));
    assert_eq!(steps.iter().filter(|s| !s.declined.is_empty()).count(), 1, "listed once");
    let id = c.meetings()[0].id.to_string();
    assert!(!all.contains(&id), "no meeting id: {all}");
}

#[test]
fn the_meetings_decision_says_who_leads_and_who_assists_and_its_tasks_add_no_lines() {
    let mut c = Clock::dispatched(at(12, 1, 9, 0));
    c.exhaust(at(12, 1, 10, 0));
    c.review(at(12, 1, 10, 30));
    let m = c.meetings()[0].clone();
    let convener = staff(StaffRole::BureauStaff, Some(&m.convener));
    let lead = c.case.routing.candidates[0].bureau.clone();
    let assist = c.case.routing.candidates[1].bureau.clone();
    let due = at(12, 20, 18, 0);
    let decision = DecisionInput {
        lead: Share { bureau: lead.clone(), scope: note("更换灯具"), due },
        assists: vec![Share { bureau: assist.clone(), scope: note("排查线路"), due }],
        minutes: note("会议决定"),
        attended: vec![lead.clone(), assist.clone()],
        propose_rule: false,
    };
    let before = timeline(&c).len();
    c.by(&convener, Command::DecideMeeting { meeting: m.id, decision }, at(12, 3, 10, 0));
    let steps = timeline(&c);
    assert_eq!(steps.len(), before + 1, "{:?}", titles(&steps));
    let name = |b| jiesu_words::bureau_name(district(), b, Lang::Zh);
    assert_eq!(steps[before].title, format!("协调会决定：由{}牵头办理，{}协助", name(&lead), name(&assist)));
}

#[test]
fn a_single_disclaim_names_the_unit_that_has_it_now() {
    let mut c = Clock::dispatched(at(12, 1, 9, 0));
    let (task, first) = c.lead();
    c.by(&of(&first), disclaim(task), at(12, 1, 10, 0));
    let (_, second) = c.lead();
    let steps = timeline(&c);
    let last = steps.last().expect("a step");
    let name = jiesu_words::bureau_name(district(), &second, Lang::Zh);
    assert_eq!(last.title, format!("1个单位认为不属于其职责，现已交由{name}办理"));
    assert_eq!(last.declined.len(), 1);
    assert_eq!(last.declined[0].bureau, jiesu_words::bureau_name(district(), &first, Lang::Zh));
}
