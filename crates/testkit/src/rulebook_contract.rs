//! The rulebook port's contract: proposals stored once per meeting, listed and read back, decided
//! once (the edits written, the event appended to the request in the same transaction), and the
//! accepted ones listed in acceptance order with a revision that follows them. Every adapter runs
//! every case through `rulebook_contract!`.

use jiesu_domain::area::AreaCode;
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::escalation::{
    ProposalDecision, ProposalEdits, ProposalId, ProposalState, ProposedRule, Verdict,
};
use jiesu_domain::event::EventKind;
use jiesu_domain::overlay::{DayKind, DayOverride};
use jiesu_domain::ports::{Accounts, AuditQuery, Decided, Page, RuleBook, Store, StoredDay};
use jiesu_domain::workflow::Note;

use crate::fixtures::{admission, new_request};
use crate::meetings::MeetingFixture;

/// Instantiates the contract for an adapter: `rulebook_contract!(jiesu_testkit::sqlite_store);`.
#[macro_export]
macro_rules! rulebook_contract {
    ($factory:path) => {
        $crate::rulebook_contract!(@cases $factory;
            a_meeting_proposes_one_rule_and_it_reads_back_whole,
            proposals_are_listed_by_state_oldest_first,
            an_acceptance_writes_the_edits_and_an_event_in_the_same_transaction,
            a_decline_writes_its_event_and_leaves_the_rulebook_as_it_was,
            a_proposal_is_decided_once_and_an_unknown_one_not_at_all,
            of_two_concurrent_decisions_exactly_one_is_written,
            accepted_rules_come_in_acceptance_order_and_the_revision_follows_them,
            calendar_days_are_set_once_per_date_with_their_entry_and_move_the_revision,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::rulebook_contract::$case(store).await;
            }
        )*
    };
}

/// A stored request, its meeting, and the meeting's (unstored) proposal: street lights in
/// Kengzi go to transport.
pub async fn proposal_for<S: Store + MeetingFixture>(store: &S) -> ProposedRule {
    let a = admission(new_request());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    let request_id = a.request.submitted.id;
    let meeting_id = store.insert_meeting(request_id).await;
    ProposedRule {
        id: ProposalId::generate(),
        request_id,
        meeting_id,
        categories: vec![CategoryCode::parse("010101").expect("code")],
        areas: vec![AreaCode::parse("pingshan.kengzi").expect("area")],
        lead: BureauCode::parse("transport").expect("bureau"),
        assists: vec![BureauCode::parse("urban-management").expect("bureau")],
        note: Some(Note::parse("桥下通道照明由交通运输局负责").expect("note")),
        state: ProposalState::Proposed,
        proposed_at: jiesu_domain::time::now(),
        decision: None,
    }
}

async fn stored<S: Store + RuleBook + MeetingFixture>(store: &S) -> ProposedRule {
    let p = proposal_for(store).await;
    assert!(store.insert_proposal(&p).await.expect("insert"), "stored");
    p
}

fn decision(verdict: Verdict, by: &str) -> ProposalDecision {
    ProposalDecision {
        verdict,
        by: by.to_owned(),
        note: Some(Note::parse("依协调会纪要").expect("note")),
        at: jiesu_domain::time::now(),
    }
}

fn accept() -> Verdict {
    Verdict::Accept(ProposalEdits::default())
}

fn decided(d: Decided) -> ProposedRule {
    match d {
        Decided::Yes(p) => *p,
        other => panic!("expected the decision to be written, got {other:?}"),
    }
}

pub async fn a_meeting_proposes_one_rule_and_it_reads_back_whole<S: Store + RuleBook + MeetingFixture>(
    store: S,
) {
    let p = stored(&store).await;
    assert_eq!(store.proposal(p.id).await.expect("read"), Some(p.clone()));
    assert!(!store.insert_proposal(&p).await.expect("again"), "a redelivered decision inserts nothing");
    let other = ProposedRule { id: ProposalId::generate(), ..p.clone() };
    assert!(!store.insert_proposal(&other).await.expect("another"), "one proposal per meeting");
    assert_eq!(store.proposal(other.id).await.expect("read"), None);
    assert_eq!(store.proposals(None, 10).await.expect("list"), [p]);
}

pub async fn proposals_are_listed_by_state_oldest_first<S: Store + RuleBook + MeetingFixture>(store: S) {
    let first = stored(&store).await;
    let second = stored(&store).await;
    let third = stored(&store).await;
    decided(store.decide_proposal(second.id, &decision(Verdict::Decline, "boss")).await.expect("decline"));
    let ids = |v: Vec<ProposedRule>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
    let proposed = store.proposals(Some(ProposalState::Proposed), 10).await.expect("list");
    assert_eq!(ids(proposed), [first.id, third.id]);
    let declined = store.proposals(Some(ProposalState::Declined), 10).await.expect("list");
    assert_eq!(ids(declined), [second.id]);
    assert!(store.proposals(Some(ProposalState::Accepted), 10).await.expect("list").is_empty());
    assert_eq!(ids(store.proposals(None, 2).await.expect("list")), [first.id, second.id], "limited");
}

pub async fn an_acceptance_writes_the_edits_and_an_event_in_the_same_transaction<
    S: Store + RuleBook + MeetingFixture,
>(
    store: S,
) {
    let p = stored(&store).await;
    let before = store.rulebook_revision().await.expect("revision");
    let edits = ProposalEdits {
        areas: Some(vec![AreaCode::parse("pingshan.kengzi.xiuxin").expect("area")]),
        assists: Some(vec![]),
        ..ProposalEdits::default()
    };
    let accepted = decided(
        store.decide_proposal(p.id, &decision(Verdict::Accept(edits), "boss")).await.expect("accept"),
    );
    assert_eq!(accepted.state, ProposalState::Accepted);
    assert_eq!(accepted.areas, [AreaCode::parse("pingshan.kengzi.xiuxin").expect("area")]);
    assert!(accepted.assists.is_empty());
    assert_eq!(accepted.decision.as_ref().map(|d| d.by.as_str()), Some("boss"));
    assert_eq!(store.proposal(p.id).await.expect("read"), Some(accepted.clone()), "as written");
    assert_eq!(store.accepted_rules().await.expect("accepted"), [accepted]);
    assert_ne!(store.rulebook_revision().await.expect("revision"), before);

    let events = store.request_events(p.request_id).await.expect("history");
    let last = events.last().expect("events");
    assert!(
        matches!(&last.kind, EventKind::RuleAccepted { proposal, edited: true, .. } if *proposal == p.id)
    );
    let now = jiesu_domain::time::now();
    let outbox = store.lease_outbox(1000, now, now + chrono::Duration::seconds(30)).await.expect("lease");
    assert!(outbox.iter().any(|o| o.event.id == last.id), "the outbox carries it");
}

pub async fn a_decline_writes_its_event_and_leaves_the_rulebook_as_it_was<
    S: Store + RuleBook + MeetingFixture,
>(
    store: S,
) {
    let p = stored(&store).await;
    let before = store.rulebook_revision().await.expect("revision");
    let declined =
        decided(store.decide_proposal(p.id, &decision(Verdict::Decline, "boss")).await.expect("decline"));
    assert_eq!(declined.state, ProposalState::Declined);
    assert_eq!((declined.categories.clone(), declined.lead.clone()), (p.categories, p.lead), "unchanged");
    assert_eq!(
        declined.decision.and_then(|d| d.note).map(|n| n.to_string()).as_deref(),
        Some("依协调会纪要")
    );
    assert!(store.accepted_rules().await.expect("accepted").is_empty());
    assert_eq!(store.rulebook_revision().await.expect("revision"), before);
    let events = store.request_events(p.request_id).await.expect("history");
    assert_eq!(events.last().map(|e| e.kind.name()), Some("rule_declined"));
}

pub async fn a_proposal_is_decided_once_and_an_unknown_one_not_at_all<
    S: Store + RuleBook + MeetingFixture,
>(
    store: S,
) {
    let p = stored(&store).await;
    decided(store.decide_proposal(p.id, &decision(accept(), "boss")).await.expect("accept"));
    let events = store.request_events(p.request_id).await.expect("history").len();
    for verdict in [accept(), Verdict::Decline] {
        let again = store.decide_proposal(p.id, &decision(verdict, "other-boss")).await.expect("again");
        assert_eq!(again, Decided::AlreadyDecided(ProposalState::Accepted));
    }
    assert_eq!(store.request_events(p.request_id).await.expect("history").len(), events, "nothing written");
    let stored_now = store.proposal(p.id).await.expect("read").expect("there");
    assert_eq!(stored_now.decision.map(|d| d.by), Some("boss".to_owned()));
    let unknown = store.decide_proposal(ProposalId::generate(), &decision(accept(), "boss")).await;
    assert_eq!(unknown.expect("answered"), Decided::NotFound);
}

pub async fn of_two_concurrent_decisions_exactly_one_is_written<S: Store + RuleBook + MeetingFixture>(
    store: S,
) {
    let p = stored(&store).await;
    let (a, b) = (decision(accept(), "boss-a"), decision(Verdict::Decline, "boss-b"));
    let (x, y) = tokio::join!(store.decide_proposal(p.id, &a), store.decide_proposal(p.id, &b));
    let outcomes = [x.expect("a"), y.expect("b")];
    let written = outcomes.iter().filter(|o| matches!(o, Decided::Yes(_))).count();
    assert_eq!(written, 1, "{outcomes:?}");
    let events = store.request_events(p.request_id).await.expect("history");
    let decisions = events.iter().filter(|e| e.kind.name().starts_with("rule_")).count();
    assert_eq!(decisions, 1, "one event");
}

pub async fn accepted_rules_come_in_acceptance_order_and_the_revision_follows_them<
    S: Store + RuleBook + MeetingFixture,
>(
    store: S,
) {
    let empty = store.rulebook_revision().await.expect("revision");
    assert_eq!(empty.accepted, 0);
    let (older, newer) = (stored(&store).await, stored(&store).await);
    decided(store.decide_proposal(newer.id, &decision(accept(), "boss")).await.expect("accept"));
    let one = store.rulebook_revision().await.expect("revision");
    assert_eq!(one.accepted, 1);
    assert_eq!(store.rulebook_revision().await.expect("revision"), one, "stable while nothing changes");
    decided(store.decide_proposal(older.id, &decision(accept(), "boss")).await.expect("accept"));
    let two = store.rulebook_revision().await.expect("revision");
    assert_eq!(two.accepted, 2);
    assert_ne!(two, one);
    let order: Vec<ProposalId> =
        store.accepted_rules().await.expect("accepted").iter().map(|p| p.id).collect();
    assert_eq!(order, [newer.id, older.id], "accepted first composes first");
}

pub async fn calendar_days_are_set_once_per_date_with_their_entry_and_move_the_revision<
    S: Store + RuleBook + Accounts,
>(
    store: S,
) {
    let before = store.rulebook_revision().await.expect("revision");
    let now = jiesu_domain::time::now();
    let date = |raw: &str| chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").expect("date");
    let set = |raw: &str, kind: DayKind, name: &str, minutes: i64| StoredDay {
        day: DayOverride { date: date(raw), kind, name: name.to_owned() },
        set_by: Some("admin.wang".to_owned()),
        set_at: now + chrono::Duration::minutes(minutes),
    };
    let entry = |d: &StoredDay| {
        AuditEntry::new(
            None,
            AuditAction::CalendarChanged,
            &d.day.date.to_string(),
            d.day.kind.as_str(),
            d.set_at,
        )
    };
    for d in
        [set("2027-02-06", DayKind::Workday, "春节调休", 1), set("2027-01-01", DayKind::Holiday, "元旦", 2)]
    {
        store.set_calendar_day(&d, &entry(&d)).await.expect("set");
    }
    let days = store.calendar_days().await.expect("days");
    let dates: Vec<String> = days.iter().map(|d| d.day.date.to_string()).collect();
    assert_eq!(dates, ["2027-01-01", "2027-02-06"], "by date");
    assert_eq!(days[1], set("2027-02-06", DayKind::Workday, "春节调休", 1), "read back whole");
    let two = store.rulebook_revision().await.expect("revision");
    assert_ne!(two, before);
    assert_eq!((two.calendar_days, two.calendar_set_at), (2, Some(now + chrono::Duration::minutes(2))));

    // The same date again replaces the first setting and still moves the revision.
    let back = set("2027-01-01", DayKind::Ordinary, "", 3);
    store.set_calendar_day(&back, &entry(&back)).await.expect("set again");
    let days = store.calendar_days().await.expect("days");
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].day.kind, DayKind::Ordinary);
    let three = store.rulebook_revision().await.expect("revision");
    assert_eq!(three.calendar_days, 2);
    assert_ne!(three, two, "a change in place moves it too");
    let log =
        store.audit_log(&AuditQuery { page: Page::first(10), ..AuditQuery::default() }).await.expect("log");
    assert_eq!(log.len(), 3, "each setting with its entry");
    assert!(log.iter().all(|e| e.action == AuditAction::CalendarChanged));
}
