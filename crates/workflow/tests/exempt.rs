//! Appeals (申诉) and final replies (最终答复): who may ask, when, what a supervisor's decision
//! does to the request, and that a granted one leaves the request out of the bureau's tallies.

mod support;

use jiesu_domain::bureau::BureauCode;
use jiesu_domain::event::EventKind;
use jiesu_domain::ids::TaskId;
use jiesu_domain::rates::{Counts, tally};
use jiesu_domain::request::RequestStatus;
use jiesu_domain::staff::StaffRole;
use jiesu_domain::task::{TaskState, current_lead};
use jiesu_domain::workflow::{
    Caller, Command, ExemptionKind, ExemptionState, Satisfaction, VisitId, WorkflowError,
};
use support::{Clock, at, district, note, of, staff};

fn supervisor() -> jiesu_domain::staff::Principal {
    staff(StaffRole::Supervisor, None)
}

/// Dispatched, claimed, resolved, reviewed and visited with these answers on 1–3 December.
fn visited(solved: bool, satisfaction: Satisfaction) -> (Clock, TaskId, BureauCode, VisitId) {
    let mut c = Clock::dispatched(at(12, 1, 9, 0));
    let (task, bureau) = c.lead();
    c.by(&of(&bureau), Command::Claim { task }, at(12, 1, 10, 0));
    c.by(&of(&bureau), Command::Resolve { task, result: note("已处理"), photos: vec![] }, at(12, 2, 10, 0));
    let operator = staff(StaffRole::Operator, None);
    c.by(&operator, Command::ReviewResolution { approve: true, note: None }, at(12, 2, 11, 0));
    let visit = Command::RecordVisit {
        solved,
        satisfaction: Some(satisfaction),
        stars: None,
        comment: Some(note("要求赔偿十万元")),
    };
    c.by(&operator, visit, at(12, 3, 9, 0));
    let id = c.case.visits[0].id;
    (c, task, bureau, id)
}

fn appeal(task: TaskId, visit: VisitId) -> Command {
    Command::Appeal { task, visit, reason: note("诉求超出法定赔偿范围"), photos: vec![] }
}

/// The counts tallied under a bureau, summed over its keys.
fn counted(c: &Clock, bureau: &BureauCode) -> Counts {
    let mut sum = Counts::default();
    for (k, v) in tally(&c.case, district()) {
        if k.bureau.as_ref() == Some(bureau) {
            sum += v;
        }
    }
    sum
}

#[test]
fn an_upheld_appeal_leaves_the_request_out_of_the_bureaus_rates_and_is_asked_once() {
    let (mut c, task, bureau, visit) = visited(true, Satisfaction::Dissatisfied);
    assert_eq!(c.case.request.status, RequestStatus::Closed);
    let before = counted(&c, &bureau);
    assert_eq!((before.received, before.visits, before.dissatisfied, before.exempted), (1, 1, 1, 0));

    let t = at(12, 4, 9, 0);
    let other = district().bureaus().find(|b| b.code != bureau).expect("another bureau").code.clone();
    let refused = c.attempt(Caller::Staff(&of(&other)), appeal(task, visit), t);
    assert_eq!(refused, Err(WorkflowError::NotFound("task")), "another bureau never sees the task");
    let desk = staff(StaffRole::Operator, None);
    assert!(matches!(
        c.attempt(Caller::Staff(&desk), appeal(task, visit), t),
        Err(WorkflowError::Forbidden(_))
    ));

    let said = c.attempt(Caller::Staff(&of(&bureau)), appeal(task, visit), t).expect("appealed");
    assert!(matches!(
        said[..],
        [EventKind::ExemptionRequested { exemption_kind: ExemptionKind::Appeal, .. }]
    ));
    let again = c.attempt(Caller::Staff(&of(&bureau)), appeal(task, visit), t);
    assert!(matches!(again, Err(WorkflowError::ExemptionConflict(_))), "one at a time: {again:?}");
    assert_eq!(counted(&c, &bureau), before, "asking changes nothing");

    let id = c.case.exemptions[0].id;
    let decide =
        Command::DecideExemption {
            exemption: id, grant: true, note: note("诉求超出职责，申诉成立")
        };
    let by_bureau = c.attempt(Caller::Staff(&of(&bureau)), decide.clone(), t);
    assert!(matches!(by_bureau, Err(WorkflowError::Forbidden(_))), "a bureau never decides its own appeal");
    c.attempt(Caller::Staff(&supervisor()), decide.clone(), t).expect("decided");
    let e = &c.case.exemptions[0];
    assert_eq!(e.state, ExemptionState::Granted);
    assert_eq!(
        e.decision.as_ref().and_then(|d| d.note.as_ref()).map(|n| n.as_str()),
        Some("诉求超出职责，申诉成立")
    );
    assert_eq!(
        counted(&c, &bureau),
        Counts { exempted: 1, ..Counts::default() },
        "only the exemption counts"
    );
    assert_eq!(
        c.attempt(Caller::Staff(&supervisor()), decide, t),
        Err(WorkflowError::NotFound("pending exemption"))
    );
    assert!(matches!(
        c.attempt(Caller::Staff(&of(&bureau)), appeal(task, visit), t),
        Err(WorkflowError::ExemptionConflict(_))
    ));
}

#[test]
fn a_rejected_appeal_leaves_the_figures_and_a_satisfied_visit_cannot_be_appealed() {
    let (mut c, task, bureau, visit) = visited(false, Satisfaction::Dissatisfied);
    assert_eq!(c.case.request.status, RequestStatus::Dispatched, "not solved: sent back");
    // The reopened task answers for the request now; the appeal may come from either task.
    let reopened = current_lead(&c.case.tasks).expect("a lead").id;
    assert_ne!(reopened, task);
    let t = at(12, 4, 9, 0);
    c.attempt(Caller::Staff(&of(&bureau)), appeal(reopened, visit), t).expect("appealed");
    let before = counted(&c, &bureau);
    let id = c.case.exemptions[0].id;
    let reject = Command::DecideExemption { exemption: id, grant: false, note: note("回访结果属实") };
    c.attempt(Caller::Staff(&supervisor()), reject, t).expect("decided");
    assert_eq!(c.case.exemptions[0].state, ExemptionState::Refused);
    assert_eq!(counted(&c, &bureau), before);
    assert_eq!(c.case.request.status, RequestStatus::Dispatched, "an appeal never moves the request");
    let again = c.attempt(Caller::Staff(&of(&bureau)), appeal(reopened, visit), t);
    assert!(matches!(again, Err(WorkflowError::ExemptionConflict(_))), "a visit is appealed once");

    let (mut fine, task, bureau, visit) = visited(true, Satisfaction::BasicallySatisfied);
    let refused = fine.attempt(Caller::Staff(&of(&bureau)), appeal(task, visit), t);
    assert!(matches!(refused, Err(WorkflowError::Invalid(_))), "{refused:?}");
}

#[test]
fn an_approved_final_reply_closes_the_request_and_a_refused_one_lets_work_go_on() {
    let mut c = Clock::dispatched(at(12, 1, 9, 0));
    let (task, bureau) = c.lead();
    let worker = of(&bureau);
    let reply = |text: &str| Command::ProposeFinalReply { task, reply: note(text), photos: vec![] };
    let early = c.attempt(Caller::Staff(&worker), reply("已多次答复"), at(12, 1, 9, 30));
    assert!(matches!(early, Err(WorkflowError::WrongStatus(..))), "claim first: {early:?}");
    c.by(&worker, Command::Claim { task }, at(12, 1, 10, 0));
    let helper = district().bureaus().find(|b| b.code != bureau).expect("another bureau").code.clone();
    c.by(&worker, Command::AddAssist { bureau: helper.clone(), note: None }, at(12, 1, 11, 0));

    c.attempt(Caller::Staff(&worker), reply("已多次答复，无法满足"), at(12, 2, 9, 0)).expect("proposed");
    let first = c.case.exemptions[0].id;
    let refuse =
        Command::DecideExemption { exemption: first, grant: false, note: note("请再与群众沟通") };
    c.attempt(Caller::Staff(&supervisor()), refuse, at(12, 2, 10, 0)).expect("refused");
    assert_eq!(c.case.request.status, RequestStatus::InProgress);

    c.attempt(Caller::Staff(&worker), reply("经三次现场核查，诉求无法律依据"), at(12, 3, 9, 0))
        .expect("again");
    let second = c.case.exemptions[1].id;
    let approve =
        Command::DecideExemption { exemption: second, grant: true, note: note("同意最终答复") };
    let said = c.attempt(Caller::Staff(&supervisor()), approve, at(12, 3, 10, 0)).expect("approved");
    assert_eq!(c.case.request.status, RequestStatus::Closed);
    assert_eq!(
        c.case.task(task).map(|t| t.state),
        Some(TaskState::Resolved),
        "the reply stands as its answer"
    );
    let assist = c.case.tasks.iter().find(|t| t.bureau == helper).expect("the assist");
    assert_eq!(assist.state, TaskState::Cancelled, "nothing more is owed");
    assert!(said.iter().any(|k| matches!(k, EventKind::RequestClosed)));
    assert!(c.case.deadlines.iter().all(|d| d.settled_at.is_some()), "no clock runs on a closed request");
    assert_eq!(counted(&c, &bureau), Counts { exempted: 1, ..Counts::default() });
    assert!(counted(&c, &helper).dispatched == 1, "the assisting bureau is not exempted");
}
