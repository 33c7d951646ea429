//! Appeals and final replies: stored with their photos and decisions, read back as the workflow
//! works them out, listed while pending, and traced to their request.

use jiesu_domain::ports::{Cases, Store};
use jiesu_domain::request::{MediaUrl, RequestStatus};
use jiesu_domain::staff::{Principal, StaffRole};
use jiesu_domain::workflow::{Caller, Case, Command, ExemptionState, Satisfaction};

use super::{commit_known, decided, note, operator, staff, stored};

fn photo(n: u32) -> MediaUrl {
    MediaUrl::parse(&format!("https://jiesu.example.cn/media/evidence-{n}.jpg")).expect("url")
}

async fn step<S: Cases>(store: &S, case: Case, who: Caller<'_>, command: Command) -> Case {
    let c = decided(&case, who, command);
    commit_known(store, &case, &c).await
}

pub async fn appeals_and_final_replies_round_trip_and_pending_ones_are_listed<S: Store + Cases>(store: S) {
    let mut case = stored(&store).await;
    let lead = case.active_lead().expect("lead").clone();
    let worker = staff(&lead.bureau);
    let supervisor = Principal { role: StaffRole::Supervisor, bureau: None, ..operator() };
    case = step(&store, case, Caller::Staff(&worker), Command::Claim { task: lead.id }).await;
    let reply =
        Command::ProposeFinalReply { task: lead.id, reply: note("已多次答复"), photos: vec![photo(1)] };
    case = step(&store, case, Caller::Staff(&worker), reply).await;
    let pending = store.pending_exemptions(10).await.expect("list");
    assert_eq!(pending, case.exemptions, "pending, with its photo");
    assert_eq!(store.exemption_request(pending[0].id).await.expect("read"), Some(case.id()));
    let refuse =
        Command::DecideExemption { exemption: pending[0].id, grant: false, note: note("继续办理") };
    case = step(&store, case, Caller::Staff(&supervisor), refuse).await;
    assert!(store.pending_exemptions(10).await.expect("list").is_empty());

    let resolve = Command::Resolve { task: lead.id, result: note("已答复"), photos: vec![] };
    case = step(&store, case, Caller::Staff(&worker), resolve).await;
    let review = Command::ReviewResolution { approve: true, note: None };
    case = step(&store, case, Caller::Staff(&operator()), review).await;
    let visit = Command::RecordVisit {
        solved: true,
        satisfaction: Some(Satisfaction::Dissatisfied),
        stars: None,
        comment: None,
    };
    case = step(&store, case, Caller::Citizen, visit).await;
    assert_eq!(case.request.status, RequestStatus::Closed);
    let appeal = Command::Appeal {
        task: lead.id,
        visit: case.visits[0].id,
        reason: note("评价针对其他事项"),
        photos: vec![photo(2), photo(3)],
    };
    case = step(&store, case, Caller::Staff(&worker), appeal).await;
    let id = case.exemptions[1].id;
    let uphold = Command::DecideExemption { exemption: id, grant: true, note: note("申诉成立") };
    case = step(&store, case, Caller::Staff(&supervisor), uphold).await;
    assert_eq!(case.exemptions.len(), 2);
    assert_eq!(case.exemptions[0].state, ExemptionState::Refused);
    assert_eq!(case.exemptions[1].state, ExemptionState::Granted);
    assert_eq!(case.exemptions[1].visit, Some(case.visits[0].id));
    assert_eq!(case.exemptions[1].photos, vec![photo(2), photo(3)]);
    assert_eq!(case.exempted().collect::<Vec<_>>(), vec![&lead.bureau]);
}
