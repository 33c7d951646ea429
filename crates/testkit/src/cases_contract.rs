//! The cases port's contract: loading a case, committing the workflow's changes with the version
//! check, and the scope-filtered reads; `lease` holds the escalation scanner's part, `keyset` the
//! listings' pages, `inbox` a bureau inbox's filters, clock windows and counts. Every adapter
//! runs every case through `cases_contract!`.

use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ports::{Cases, ClockWindow, Committed, Page, Store, StoreError, TaskQuery};
use jiesu_domain::request::RequestStatus;
use jiesu_domain::staff::{Principal, Scope, StaffRole, UserId, Username};
use jiesu_domain::task::TaskState;
use jiesu_domain::workflow::{
    Caller, Case, Change, Command, Ctx, DisclaimReason, Note, Policy, Satisfaction, decide,
};

use crate::fixtures::{admission, district, new_request};

mod batch;
mod desk;
mod exemptions;
mod inbox;
mod keyset;
mod lease;
mod listing;
pub use batch::*;
pub use desk::*;
pub use exemptions::*;
pub use inbox::*;
pub use keyset::*;
pub use lease::*;
pub use listing::*;

/// Instantiates the contract for an adapter: `cases_contract!(jiesu_testkit::sqlite_store);`.
#[macro_export]
macro_rules! cases_contract {
    ($factory:path) => {
        $crate::cases_contract!(@cases $factory;
            a_case_loads_with_its_tasks_clocks_and_routing,
            a_commit_writes_the_change_and_bumps_the_version,
            a_commit_on_an_old_version_is_stale_and_writes_nothing,
            of_two_concurrent_commits_on_one_version_exactly_one_wins,
            a_second_disclaim_by_the_same_bureau_is_refused_by_the_database,
            a_whole_lifecycle_round_trips,
            many_cases_read_together_are_each_as_read_alone,
            a_category_the_desk_corrects_is_stored_and_routes_again,
            tasks_are_found_only_within_the_scope,
            task_lists_filter_by_scope_state_and_overdue_clocks,
            the_desk_lists_requests_by_status,
            pending_extensions_are_listed_and_lead_to_their_request,
            appeals_and_final_replies_round_trip_and_pending_ones_are_listed,
            a_due_clock_is_leased_once_until_its_lease_runs_out,
            a_moved_chain_is_due_again_only_at_its_next_step,
            settled_clocks_are_never_leased,
            a_request_with_several_due_rows_is_leased_once,
            a_meeting_past_its_time_to_decide_is_leased,
            concurrent_leases_share_out_disjoint_rows,
            a_deadline_escalation_opened_again_for_a_later_clock_reads_back,
            a_listing_of_500_tasks_issues_a_bounded_number_of_queries,
            task_pages_after_cursors_hold_every_task_once_in_order,
            overdue_pages_hold_each_late_task_once_longest_overdue_first,
            a_bureaus_task_pages_hold_its_own_tasks_whatever_cursor_it_passes,
            desk_pages_after_cursors_hold_every_request_once_in_order,
            escalation_pages_after_cursors_hold_every_escalation_once_in_order,
            task_filters_each_narrow_the_listing_and_combine_with_the_rest,
            clock_windows_hold_tasks_by_their_first_running_clock_soonest_first,
            task_counts_stop_at_their_cap,
            a_bureaus_counts_never_include_another_bureaus_tasks,
            an_unplaced_request_is_stored_with_its_desk_clock_and_leased_when_due,
            desk_queues_list_running_clocks_soonest_due_first_in_keyset_pages,
            a_missed_desk_clock_opens_a_desk_overdue_escalation_that_reads_back,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::cases_contract::$case(store).await;
            }
        )*
    };
}

fn staff(bureau: &BureauCode) -> Principal {
    Principal {
        user_id: UserId::generate(),
        username: Username::parse("staff-member").expect("username"),
        role: StaffRole::BureauStaff,
        bureau: Some(bureau.clone()),
    }
}

fn operator() -> Principal {
    Principal {
        user_id: UserId::generate(),
        username: Username::parse("operator").expect("username"),
        role: StaffRole::Operator,
        bureau: None,
    }
}

fn note(s: &str) -> Note {
    Note::parse(s).expect("note")
}

/// Decides a command on the stored case.
fn decided(case: &Case, who: Caller<'_>, command: Command) -> Change {
    let ctx = Ctx { district: district(), policy: &Policy::default(), now: jiesu_domain::time::now() };
    decide(case.clone(), who, command, &ctx).expect("the command is legal")
}

/// Stores a fresh request and loads its case.
async fn stored<S: Store + Cases>(store: &S) -> Case {
    let a = admission(new_request());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    store.load_case(a.request.submitted.id).await.expect("load").expect("stored")
}

async fn commit_ok<S: Cases>(store: &S, c: &Change) -> Case {
    assert_eq!(store.commit(c).await.expect("commit"), Committed::Yes);
    store.load_case(c.request_id).await.expect("load").expect("stored")
}

/// As `commit_ok`, and the case the workflow works out without reading it back
/// (`Case::committed`) is exactly the one the store reads back.
async fn commit_known<S: Cases>(store: &S, before: &Case, c: &Change) -> Case {
    let after = commit_ok(store, c).await;
    let worked_out = before.clone().committed(c).expect("a change without escalations is known here");
    assert_eq!(worked_out, after, "worked out = read back");
    after
}

/// Every candidate disclaims, so the request waits at the desk; the operator corrects its category
/// and the rules place it again. The corrected category is what the store reads back (the worked
/// out case, which applies the change's category, equals the loaded one).
pub async fn a_category_the_desk_corrects_is_stored_and_routes_again<S: Store + Cases>(store: S) {
    let mut case = stored(&store).await;
    while let Some(lead) = case.active_lead().cloned() {
        let disclaim = Command::Disclaim {
            task: lead.id,
            reason: DisclaimReason::NotOurFunction,
            explanation: note("不属于本单位职能"),
        };
        let c = decided(&case, Caller::Staff(&staff(&lead.bureau)), disclaim);
        case = commit_known(&store, &case, &c).await;
    }
    assert_eq!(case.request.status, RequestStatus::Escalated);
    let was = case.request.submitted.category.clone();
    let corrected = district()
        .taxonomy()
        .leaves()
        .map(|c| c.code.clone())
        .find(|c| Some(c) != was.as_ref())
        .expect("another category");
    let place = Command::Dispatch { bureau: None, area: None, category: Some(corrected.clone()), note: None };
    let c = decided(&case, Caller::Staff(&operator()), place);
    let after = commit_known(&store, &case, &c).await;
    assert_eq!(after.request.submitted.category, Some(corrected));
    assert!(
        c.events
            .iter()
            .any(|e| matches!(e.kind, jiesu_domain::event::EventKind::RequestRecategorized { .. }))
    );
}

pub async fn a_case_loads_with_its_tasks_clocks_and_routing<S: Store + Cases>(store: S) {
    let a = admission(new_request());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    let case = store.load_case(a.request.submitted.id).await.expect("load").expect("stored");
    assert_eq!(case, Case::admitted(&a), "exactly what was admitted, at version 0");
    assert_eq!(case.deadlines.len(), 2 * a.tasks.len(), "a response and a resolution clock per task");
    assert!(!case.routing.candidates.is_empty());
}

pub async fn a_commit_writes_the_change_and_bumps_the_version<S: Store + Cases>(store: S) {
    let case = stored(&store).await;
    let lead = case.active_lead().expect("lead").clone();
    let c = decided(&case, Caller::Staff(&staff(&lead.bureau)), Command::Claim { task: lead.id });
    let after = commit_ok(&store, &c).await;
    assert_eq!(after.version, case.version + 1);
    assert_eq!(after.request.status, RequestStatus::InProgress);
    assert_eq!(after.task(lead.id).map(|t| t.state), Some(TaskState::Claimed));
    let mut expected = case.clone();
    expected.apply(&c);
    assert_eq!(after, expected, "the store reads back what the change said");
    let events = store.request_events(case.id()).await.expect("events");
    assert_eq!(events.last().map(|e| e.kind.name()), Some("task_claimed"));
}

pub async fn a_commit_on_an_old_version_is_stale_and_writes_nothing<S: Store + Cases>(store: S) {
    let case = stored(&store).await;
    let lead = case.active_lead().expect("lead").clone();
    let who = staff(&lead.bureau);
    let first = decided(&case, Caller::Staff(&who), Command::Claim { task: lead.id });
    let late = decided(&case, Caller::Staff(&who), Command::Claim { task: lead.id });
    commit_ok(&store, &first).await;
    let events_before = store.request_events(case.id()).await.expect("events").len();
    assert_eq!(store.commit(&late).await.expect("commit"), Committed::Stale);
    assert_eq!(
        store.request_events(case.id()).await.expect("events").len(),
        events_before,
        "no event written"
    );
}

pub async fn of_two_concurrent_commits_on_one_version_exactly_one_wins<S: Store + Cases>(store: S) {
    let case = stored(&store).await;
    let lead = case.active_lead().expect("lead").clone();
    let who = staff(&lead.bureau);
    let claim = decided(&case, Caller::Staff(&who), Command::Claim { task: lead.id });
    let disclaim = decided(
        &case,
        Caller::Staff(&who),
        Command::Disclaim {
            task: lead.id,
            reason: DisclaimReason::NotOurArea,
            explanation: note("不在辖区"),
        },
    );
    let (a, b) = tokio::join!(store.commit(&claim), store.commit(&disclaim));
    let outcomes = [a.expect("commit"), b.expect("commit")];
    assert_eq!(outcomes.iter().filter(|o| **o == Committed::Yes).count(), 1, "{outcomes:?}");
    let after = store.load_case(case.id()).await.expect("load").expect("stored");
    assert_eq!(after.version, case.version + 1);
}

pub async fn a_second_disclaim_by_the_same_bureau_is_refused_by_the_database<S: Store + Cases>(store: S) {
    let case = stored(&store).await;
    let lead = case.active_lead().expect("lead").clone();
    let who = staff(&lead.bureau);
    let command = Command::Disclaim {
        task: lead.id,
        reason: DisclaimReason::NotOurFunction,
        explanation: note("非本单位职能"),
    };
    let first = decided(&case, Caller::Staff(&who), command);
    let after = commit_ok(&store, &first).await;
    // A buggy or forged change repeating the disclaim under a new id, on the current version.
    let mut forged = first.clone();
    forged.expected_version = after.version;
    forged.events.clear();
    forged.tasks.clear();
    forged.deadlines.clear();
    forged.disclaims[0].id = jiesu_domain::workflow::DisclaimId::generate();
    match store.commit(&forged).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let reread = store.load_case(case.id()).await.expect("load").expect("stored");
    assert_eq!(reread.disclaims.len(), 1);
    assert_eq!(reread.version, after.version, "the refused commit wrote nothing");
}

/// Every step also checks that the case worked out after a commit is the one read back.
pub async fn a_whole_lifecycle_round_trips<S: Store + Cases>(store: S) {
    let case = lived(&store).await;
    assert_eq!(case.request.status, RequestStatus::Closed);
    assert_eq!(case.disclaims.len(), 1);
    assert!(case.extensions[0].new_due.is_some());
    assert_eq!(case.visits.len(), 1);
    assert_eq!(case.visits[0].satisfaction, Some(Satisfaction::BasicallySatisfied));
    assert!(case.deadlines.is_sorted_by_key(|d| (d.due_at, d.id.as_uuid())), "clocks in the store's order");
}

/// A request taken through a whole life: disclaimed once, claimed, extended, resolved, reviewed,
/// visited and closed.
async fn lived<S: Store + Cases>(store: &S) -> Case {
    let mut case = stored(store).await;
    let first = case.active_lead().expect("lead").clone();
    let steps: Vec<(Principal, Command)> = vec![(
        staff(&first.bureau),
        Command::Disclaim {
            task: first.id,
            reason: DisclaimReason::NotOurFunction,
            explanation: note("非本单位"),
        },
    )];
    for (who, command) in steps {
        let c = decided(&case, Caller::Staff(&who), command);
        case = commit_known(store, &case, &c).await;
    }
    let lead = case.active_lead().expect("next lead").clone();
    let who = staff(&lead.bureau);
    for command in [
        Command::Claim { task: lead.id },
        Command::RequestExtension { task: lead.id, days: 2, reason: note("等配件") },
    ] {
        let c = decided(&case, Caller::Staff(&who), command);
        case = commit_known(store, &case, &c).await;
    }
    let supervisor = Principal { role: StaffRole::Supervisor, bureau: None, ..operator() };
    let ext = case.extensions[0].id;
    let c = decided(
        &case,
        Caller::Staff(&supervisor),
        Command::DecideExtension { extension: ext, approve: true, note: None },
    );
    case = commit_known(store, &case, &c).await;
    let c = decided(
        &case,
        Caller::Staff(&who),
        Command::Resolve { task: lead.id, result: note("已修复"), photos: vec![] },
    );
    case = commit_known(store, &case, &c).await;
    let c =
        decided(&case, Caller::Staff(&operator()), Command::ReviewResolution { approve: true, note: None });
    case = commit_known(store, &case, &c).await;
    let visit = Command::RecordVisit {
        solved: true,
        satisfaction: Some(Satisfaction::BasicallySatisfied),
        stars: Some(jiesu_domain::workflow::Stars::new(4).expect("four stars")),
        comment: Some(note("修好了")),
    };
    let c = decided(&case, Caller::Citizen, visit);
    commit_known(store, &case, &c).await
}

pub async fn tasks_are_found_only_within_the_scope<S: Store + Cases>(store: S) {
    let case = stored(&store).await;
    let lead = case.active_lead().expect("lead").clone();
    let other = BureauCode::parse("market-regulation").expect("code");
    assert_eq!(
        store.task_request(lead.id, &Scope::Bureau(lead.bureau.clone())).await.expect("read"),
        Some(case.id())
    );
    assert_eq!(store.task_request(lead.id, &Scope::All).await.expect("read"), Some(case.id()));
    assert_eq!(store.task_request(lead.id, &Scope::Bureau(other.clone())).await.expect("read"), None);
    let tracking = &case.request.submitted.tracking;
    assert_eq!(store.request_in_scope(tracking, &Scope::Bureau(other)).await.expect("read"), None);
    assert_eq!(
        store.request_in_scope(tracking, &Scope::Bureau(lead.bureau.clone())).await.expect("read"),
        Some(case.id())
    );
}

pub async fn task_lists_filter_by_scope_state_and_overdue_clocks<S: Store + Cases>(store: S) {
    let one = stored(&store).await;
    let two = stored(&store).await;
    let lead = one.active_lead().expect("lead").clone();
    let c = decided(&one, Caller::Staff(&staff(&lead.bureau)), Command::Claim { task: lead.id });
    commit_ok(&store, &c).await;
    let q = |states: Vec<TaskState>| TaskQuery { states, page: Page::first(50), ..TaskQuery::default() };
    let mine = Scope::Bureau(lead.bureau.clone());
    let all = store.list_tasks(&mine, &q(vec![])).await.expect("list");
    assert!(all.len() >= 2 && all.iter().all(|l| l.task.bureau == lead.bureau));
    let claimed = store.list_tasks(&mine, &q(vec![TaskState::Claimed])).await.expect("list");
    assert_eq!(claimed.iter().map(|l| l.task.id).collect::<Vec<_>>(), vec![lead.id]);
    assert_eq!(claimed[0].deadlines.len(), 2);
    assert_eq!(claimed[0].request.submitted.id, one.id());
    let other = Scope::Bureau(BureauCode::parse("market-regulation").expect("code"));
    assert!(store.list_tasks(&other, &q(vec![])).await.expect("list").is_empty());
    let widen = TaskQuery { bureau: Some(lead.bureau.clone()), ..q(vec![]) };
    assert!(
        store.list_tasks(&other, &widen).await.expect("list").is_empty(),
        "a filter cannot widen a scope"
    );
    // Nothing is overdue now; a year from now, the unclaimed task's response clock has run out.
    let now = TaskQuery { clock: Some(ClockWindow::overdue(jiesu_domain::time::now())), ..q(vec![]) };
    assert!(store.list_tasks(&mine, &now).await.expect("list").is_empty());
    let a_year_on = jiesu_domain::time::now() + chrono::Duration::days(365);
    let later = TaskQuery { clock: Some(ClockWindow::overdue(a_year_on)), ..q(vec![]) };
    let overdue: Vec<_> =
        store.list_tasks(&mine, &later).await.expect("list").into_iter().map(|l| l.task.id).collect();
    assert!(overdue.contains(&two.active_lead().expect("lead").id));
}

pub async fn the_desk_lists_requests_by_status<S: Store + Cases>(store: S) {
    let mut case = stored(&store).await;
    let n = case.routing.candidates.len();
    for _ in 0..n {
        let t = case.active_lead().expect("lead").clone();
        let command = Command::Disclaim {
            task: t.id,
            reason: DisclaimReason::UnclearOwnership,
            explanation: note("权属不清"),
        };
        let c = decided(&case, Caller::Staff(&staff(&t.bureau)), command);
        case = commit_ok(&store, &c).await;
    }
    assert_eq!(case.request.status, RequestStatus::Escalated);
    let listed = store.requests_in_status(&[RequestStatus::Escalated], Page::first(10)).await.expect("list");
    assert_eq!(listed.iter().map(|v| v.request.submitted.id).collect::<Vec<_>>(), vec![case.id()]);
    assert!(
        store
            .requests_in_status(&[RequestStatus::AwaitingDispatch], Page::first(10))
            .await
            .expect("list")
            .is_empty()
    );
}

pub async fn pending_extensions_are_listed_and_lead_to_their_request<S: Store + Cases>(store: S) {
    let case = stored(&store).await;
    let lead = case.active_lead().expect("lead").clone();
    let command = Command::RequestExtension { task: lead.id, days: 5, reason: note("需要审批") };
    let c = decided(&case, Caller::Staff(&staff(&lead.bureau)), command);
    let case = commit_ok(&store, &c).await;
    let pending = store.pending_extensions(10).await.expect("list");
    assert_eq!(pending, case.extensions);
    assert_eq!(store.extension_request(pending[0].id).await.expect("read"), Some(case.id()));
}
