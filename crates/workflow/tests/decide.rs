//! The workflow's decisions on the sample district, case by case, without a store: each command
//! is decided on a case and the change applied in memory, as the store would commit it.

use jiesu_domain::bureau::BureauCode;
use jiesu_domain::deadline::DeadlineState;
use jiesu_domain::event::EventKind;
use jiesu_domain::request::RequestStatus;
use jiesu_domain::sla::DeadlineKind;
use jiesu_domain::staff::{Principal, StaffRole, UserId, Username};
use jiesu_domain::task::{TaskRole, TaskState};
use jiesu_domain::workflow::{
    Caller, Case, Change, Command, Ctx, DisclaimReason, DisclaimReview, Note, Policy, Satisfaction,
    WorkflowError, decide,
};
use jiesu_testkit::fixtures::{admission, district, new_request};

fn staff(username: &str, role: StaffRole, bureau: Option<&BureauCode>) -> Principal {
    Principal {
        user_id: UserId::generate(),
        username: Username::parse(username).expect("username"),
        role,
        bureau: bureau.cloned(),
    }
}

fn of(bureau: &BureauCode) -> Principal {
    staff(&format!("staff-{bureau}"), StaffRole::BureauStaff, Some(bureau))
}

fn operator() -> Principal {
    staff("operator", StaffRole::Operator, None)
}

fn note(s: &str) -> Note {
    Note::parse(s).expect("note")
}

struct Run {
    case: Case,
    policy: Policy,
    events: Vec<EventKind>,
}

impl Run {
    fn new() -> Self {
        Self::with(Policy::default())
    }

    fn with(policy: Policy) -> Self {
        Self { case: Case::admitted(&admission(new_request())), policy, events: Vec::new() }
    }

    fn try_do(&mut self, who: Caller<'_>, command: Command) -> Result<Change, WorkflowError> {
        let ctx = Ctx { district: district(), policy: &self.policy, now: jiesu_domain::time::now() };
        let change = decide(self.case.clone(), who, command, &ctx)?;
        self.case.apply(&change);
        self.events.extend(change.events.iter().map(|e| e.kind.clone()));
        Ok(change)
    }

    fn does(&mut self, who: &Principal, command: Command) -> Change {
        self.try_do(Caller::Staff(who), command.clone()).unwrap_or_else(|e| panic!("{command:?}: {e}"))
    }

    fn lead(&self) -> (jiesu_domain::ids::TaskId, BureauCode) {
        let t = self.case.active_lead().expect("an active lead");
        (t.id, t.bureau.clone())
    }

    fn status(&self) -> RequestStatus {
        self.case.request.status
    }
}

fn disclaim(task: jiesu_domain::ids::TaskId) -> Command {
    Command::Disclaim {
        task, reason: DisclaimReason::NotOurFunction, explanation: note("不属于本单位职能")
    }
}

#[test]
fn the_ordinary_path_from_claim_to_closure() {
    let mut r = Run::new();
    let (task, bureau) = r.lead();
    let staff = of(&bureau);
    r.does(&staff, Command::Claim { task });
    assert_eq!(r.status(), RequestStatus::InProgress);
    r.does(&staff, Command::Progress { task, note: note("已派人到现场"), photos: vec![] });
    r.does(&staff, Command::Resolve { task, result: note("路灯已修复"), photos: vec![] });
    assert_eq!(r.status(), RequestStatus::Resolved);
    r.does(&operator(), Command::ReviewResolution { approve: true, note: None });
    assert_eq!(r.status(), RequestStatus::Reviewed);
    r.try_do(
        Caller::Citizen,
        Command::RecordVisit {
            solved: true,
            satisfaction: Some(Satisfaction::Satisfied),
            stars: None,
            comment: None,
        },
    )
    .expect("visit");
    assert_eq!(r.status(), RequestStatus::Closed);
    assert_eq!(r.case.visits.len(), 1);
    let clocks: Vec<_> = r.case.deadlines.iter().filter(|d| d.task_id == task).collect();
    assert_eq!(clocks.len(), 2, "a response and a resolution clock");
    assert!(clocks.iter().all(|d| d.state == DeadlineState::Met && d.settled_at.is_some()));
}

#[test]
fn a_disclaimed_lead_goes_to_the_next_candidate_and_cannot_disclaim_again() {
    let mut r = Run::new();
    let (first, first_bureau) = r.lead();
    let second = r.case.routing.candidates[1].bureau.clone();
    r.does(&of(&first_bureau), disclaim(first));
    let (next, next_bureau) = r.lead();
    assert_eq!(next_bureau, second, "the next candidate in routing order");
    assert_eq!(r.status(), RequestStatus::Dispatched);
    assert_eq!(r.case.task(first).map(|t| t.state), Some(TaskState::Disclaimed));
    assert!(
        r.case.deadlines.iter().filter(|d| d.task_id == first).all(|d| d.state == DeadlineState::Cancelled),
        "the disclaimed task's clocks stop"
    );
    assert!(matches!(r.events.first(), Some(EventKind::TaskDisclaimed { pending_review: false, .. })));
    assert!(matches!(r.events.get(1), Some(EventKind::TaskDispatched { bureau, .. }) if *bureau == second));

    // The desk sends it back to the first bureau: it must now handle it.
    r.does(&operator(), Command::Transfer { to: first_bureau.clone(), note: None });
    let (back, _) = r.lead();
    assert_eq!(r.case.task(next).map(|t| t.state), Some(TaskState::Cancelled));
    let again = r.try_do(Caller::Staff(&of(&first_bureau)), disclaim(back));
    assert_eq!(again, Err(WorkflowError::AlreadyDisclaimed(first_bureau)));
}

#[test]
fn when_every_candidate_disclaims_the_request_is_escalated() {
    let mut r = Run::new();
    let n = r.case.routing.candidates.len();
    for _ in 0..n {
        let (task, bureau) = r.lead();
        r.does(&of(&bureau), disclaim(task));
    }
    assert_eq!(r.status(), RequestStatus::Escalated);
    assert!(r.case.active_lead().is_none());
    match r.events.last() {
        Some(EventKind::RequestEscalated { disclaimed, .. }) => assert_eq!(disclaimed.len(), n),
        other => panic!("expected an escalation, got {other:?}"),
    }
}

#[test]
fn with_desk_review_a_disclaim_waits_and_a_rejected_one_binds_the_bureau() {
    let mut r = Run::with(Policy { disclaim_review: DisclaimReview::Operator, ..Policy::default() });
    let (task, bureau) = r.lead();
    r.does(&of(&bureau), disclaim(task));
    assert_eq!(r.status(), RequestStatus::AwaitingDispatch);
    assert_eq!(r.case.task(task).map(|t| t.state), Some(TaskState::DisclaimRequested));
    r.does(
        &operator(),
        Command::ReviewDisclaim { task, accept: false, to: None, note: Some(note("属于你单位")) },
    );
    assert_eq!(r.status(), RequestStatus::InProgress);
    assert_eq!(r.case.task(task).map(|t| t.state), Some(TaskState::Claimed));
    let resolve = Command::Resolve { task, result: note("已处理"), photos: vec![] };
    r.does(&of(&bureau), resolve);
    assert_eq!(r.status(), RequestStatus::Resolved);
}

#[test]
fn with_desk_review_an_accepted_disclaim_goes_where_the_operator_says() {
    let mut r = Run::with(Policy { disclaim_review: DisclaimReview::Operator, ..Policy::default() });
    let (task, bureau) = r.lead();
    r.does(&of(&bureau), disclaim(task));
    let water = BureauCode::parse("water").expect("code");
    r.does(&operator(), Command::ReviewDisclaim { task, accept: true, to: Some(water.clone()), note: None });
    assert_eq!(r.lead().1, water);
    assert_eq!(r.status(), RequestStatus::Dispatched);
    assert!(matches!(r.events.last(), Some(EventKind::TaskAssigned { .. })));
}

#[test]
fn a_lead_resolution_waits_for_the_assisting_bureaus() {
    let mut r = Run::new();
    let (task, bureau) = r.lead();
    let police = BureauCode::parse("police").expect("code");
    r.does(&operator(), Command::AddAssist { bureau: police.clone(), note: None });
    let assist = r.case.active_assists().next().map(|t| t.id).expect("assist task");
    r.does(&of(&bureau), Command::Claim { task });
    r.does(&of(&bureau), Command::Resolve { task, result: note("主办已完成"), photos: vec![] });
    assert_eq!(r.status(), RequestStatus::InProgress, "the assist still owes work");
    r.does(&of(&police), Command::Claim { task: assist });
    r.does(&of(&police), Command::Resolve { task: assist, result: note("协办已完成"), photos: vec![] });
    assert_eq!(r.status(), RequestStatus::Resolved);
}

#[test]
fn a_lead_that_resolved_its_share_still_lets_an_assist_go() {
    let mut r = Run::new();
    let (task, bureau) = r.lead();
    let police = BureauCode::parse("police").expect("code");
    r.does(&of(&bureau), Command::AddAssist { bureau: police.clone(), note: None });
    let assist = r.case.active_assists().next().map(|t| t.id).expect("assist task");
    r.does(&of(&bureau), Command::Claim { task });
    r.does(&of(&bureau), Command::Resolve { task, result: note("主办已完成"), photos: vec![] });
    let own = Command::ReleaseAssist { task: assist, note: None };
    assert!(matches!(r.try_do(Caller::Staff(&of(&police)), own), Err(WorkflowError::Forbidden(_))));
    r.does(&of(&bureau), Command::ReleaseAssist { task: assist, note: Some(note("无需协办")) });
    assert_eq!(r.status(), RequestStatus::Resolved, "nobody owes work any more");
}

#[test]
fn staff_reach_only_their_bureau_and_roles_are_kept_apart() {
    let mut r = Run::new();
    let (task, _) = r.lead();
    let other = of(&BureauCode::parse("market-regulation").expect("code"));
    assert_eq!(
        r.try_do(Caller::Staff(&other), Command::Claim { task }),
        Err(WorkflowError::NotFound("task"))
    );
    assert!(matches!(
        r.try_do(Caller::Staff(&operator()), Command::Claim { task }),
        Err(WorkflowError::Forbidden(_))
    ));
    let review = Command::ReviewResolution { approve: true, note: None };
    assert!(matches!(r.try_do(Caller::Staff(&other), review), Err(WorkflowError::Forbidden(_))));
    let transfer = Command::Transfer { to: BureauCode::parse("water").expect("code"), note: None };
    assert!(matches!(r.try_do(Caller::Citizen, transfer), Err(WorkflowError::Forbidden(_))));
}

#[test]
fn an_approved_extension_moves_the_resolution_deadline() {
    let mut r = Run::new();
    let (task, bureau) = r.lead();
    let worker = of(&bureau);
    r.does(&worker, Command::Claim { task });
    r.does(&worker, Command::RequestExtension { task, days: 3, reason: note("需协调施工单位") });
    let again =
        r.try_do(Caller::Staff(&worker), Command::RequestExtension { task, days: 2, reason: note("再等") });
    assert_eq!(again, Err(WorkflowError::ExtensionPending));
    let ext = r.case.extensions[0].id;
    let decide_ext = Command::DecideExtension { extension: ext, approve: true, note: None };
    assert!(matches!(
        r.try_do(Caller::Staff(&operator()), decide_ext.clone()),
        Err(WorkflowError::Forbidden(_))
    ));
    let due = |r: &Run| {
        r.case
            .deadlines
            .iter()
            .find(|d| d.task_id == task && d.kind == DeadlineKind::Resolution)
            .map(|d| d.due_at)
    };
    let before = due(&r).expect("a resolution clock");
    r.does(&staff("supervisor", StaffRole::Supervisor, None), decide_ext);
    let after = due(&r).expect("a resolution clock");
    assert!(after > before, "approved: the deadline moves later");
    assert_eq!(r.case.extensions[0].new_due, Some(after));
}

#[test]
fn not_solved_on_the_return_visit_reopens_it_to_the_same_bureau() {
    let mut r = Run::new();
    let (task, bureau) = r.lead();
    r.does(&of(&bureau), Command::Claim { task });
    r.does(&of(&bureau), Command::Resolve { task, result: note("已修复"), photos: vec![] });
    r.does(&operator(), Command::ReviewResolution { approve: true, note: None });
    r.does(
        &operator(),
        Command::RecordVisit {
            solved: false,
            satisfaction: Some(Satisfaction::Dissatisfied),
            stars: None,
            comment: Some(note("还是不亮")),
        },
    );
    assert_eq!(r.status(), RequestStatus::Dispatched);
    let (again, again_bureau) = r.lead();
    assert_ne!(again, task, "a fresh task with fresh clocks");
    assert_eq!(again_bureau, bureau);
    assert_eq!(r.case.tasks.iter().filter(|t| t.role == TaskRole::Lead).count(), 2);
}

#[test]
fn the_closure_review_can_send_the_result_back() {
    let mut r = Run::new();
    let (task, bureau) = r.lead();
    r.does(&of(&bureau), Command::Claim { task });
    r.does(&of(&bureau), Command::Resolve { task, result: note("已修复"), photos: vec![] });
    r.does(&operator(), Command::ReviewResolution { approve: false, note: Some(note("缺少现场照片")) });
    assert_eq!(r.status(), RequestStatus::InProgress);
    assert_eq!(r.case.task(task).map(|t| t.state), Some(TaskState::Claimed));
    let clock = r.case.deadlines.iter().find(|d| d.task_id == task && d.kind == DeadlineKind::Resolution);
    assert_eq!(clock.map(|d| d.state), Some(DeadlineState::Pending), "the resolution clock runs again");
}

/// 2026 National Day: Oct 1–7 off, Sat Oct 10 a make-up working day (调休).
#[test]
fn clocks_count_working_days_across_national_day_and_its_make_up_saturday() {
    use chrono::TimeZone;
    let local = |d: u32, h: u32| {
        jiesu_domain::time::LOCAL.with_ymd_and_hms(2026, 10, d, h, 0, 0).single().expect("valid time")
    };
    let dispatched = jiesu_domain::time::LOCAL
        .with_ymd_and_hms(2026, 9, 30, 10, 0, 0)
        .single()
        .expect("valid time")
        .with_timezone(&chrono::Utc);
    let a = jiesu_domain::admission::admit(new_request(), district(), dispatched);
    let clock = |kind| a.deadlines.iter().find(|d| d.kind == kind).expect("a clock");
    let end_of = |day: u32| local(day, 23) + chrono::Duration::minutes(59) + chrono::Duration::seconds(59);
    // General class: claim within 1 working day, resolve within 5. Thu Oct 8 is the first
    // working day after the holiday; Sat Oct 10 counts, so the fifth is Tue Oct 13.
    assert_eq!(clock(DeadlineKind::Response).class.as_str(), "general");
    let response = clock(DeadlineKind::Response).due_at.with_timezone(&jiesu_domain::time::LOCAL);
    let resolution = clock(DeadlineKind::Resolution).due_at.with_timezone(&jiesu_domain::time::LOCAL);
    assert_eq!(response.date_naive(), local(8, 0).date_naive());
    assert_eq!(resolution.date_naive(), local(13, 0).date_naive());
    assert!(resolution >= end_of(13), "the whole last day counts");

    // An extension of 3 working days, approved: Wed 14, Thu 15, Fri 16.
    let mut case = Case::admitted(&a);
    let task = case.active_lead().expect("lead").id;
    let bureau = case.active_lead().expect("lead").bureau.clone();
    let ctx = Ctx { district: district(), policy: &Policy::default(), now: dispatched };
    let ask = Command::RequestExtension { task, days: 3, reason: note("节后材料到货") };
    let c = decide(case.clone(), Caller::Staff(&of(&bureau)), ask, &ctx).expect("asked");
    case.apply(&c);
    let approve = Command::DecideExtension { extension: case.extensions[0].id, approve: true, note: None };
    let c =
        decide(case.clone(), Caller::Staff(&staff("supervisor", StaffRole::Supervisor, None)), approve, &ctx)
            .expect("approved");
    case.apply(&c);
    let moved = case.extensions[0].new_due.expect("moved").with_timezone(&jiesu_domain::time::LOCAL);
    assert_eq!(moved.date_naive(), local(16, 0).date_naive());
}

#[test]
fn the_desk_and_the_lead_bureau_read_the_number_and_no_one_else() {
    let mut r = Run::new();
    let (_, lead) = r.lead();
    let next = r.case.routing.candidates[1].bureau.clone();
    assert!(r.case.request.submitted.contact.phone.is_some(), "the fixture has a phone");
    r.does(&of(&lead), Command::RevealPhone);
    r.does(&operator(), Command::RevealPhone);
    assert!(matches!(
        r.try_do(Caller::Staff(&of(&next)), Command::RevealPhone),
        Err(WorkflowError::Forbidden(_) | WorkflowError::NotFound(_))
    ));
    assert_eq!(
        r.events.iter().filter(|e| matches!(e, EventKind::PhoneRevealed)).count(),
        2,
        "each reading recorded"
    );

    // A confidential caller's number is the desk's alone.
    r.case.request.submitted.contact.confidential = true;
    assert!(matches!(
        r.try_do(Caller::Staff(&of(&lead)), Command::RevealPhone),
        Err(WorkflowError::Forbidden(_))
    ));
    r.does(&operator(), Command::RevealPhone);
}

#[test]
fn the_desk_places_with_a_corrected_category_and_refuses_one_the_district_lacks() {
    let mut r = Run::new();
    while let Some(t) = r.case.active_lead().cloned() {
        r.does(&of(&t.bureau), disclaim(t.id));
    }
    assert_eq!(r.status(), RequestStatus::Escalated, "every candidate disclaimed");
    let unknown = jiesu_domain::category::CategoryCode::parse("999999").expect("a code");
    let place =
        |category| Command::Dispatch { bureau: None, area: None, category: Some(category), note: None };
    assert!(matches!(r.try_do(Caller::Staff(&operator()), place(unknown)), Err(WorkflowError::Invalid(_))));
    let water = jiesu_domain::category::CategoryCode::parse("060101").expect("a code");
    r.does(&operator(), place(water.clone()));
    assert_eq!(r.case.request.submitted.category, Some(water.clone()));
    assert!(r.events.iter().any(|e| matches!(e, EventKind::RequestRecategorized { to, .. } if *to == water)));
    let lead = r.case.active_lead().expect("placed again");
    assert_eq!(
        Some(&lead.bureau),
        r.case.routing.candidates.first().map(|c| &c.bureau),
        "by the new category's rules"
    );
}
