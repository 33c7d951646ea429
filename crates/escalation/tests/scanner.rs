//! The escalation scanner over the real store, on both backends: missed deadlines are found from
//! the rows' stored due times, so a scanner that was stopped catches up without firing a step
//! twice, two scanners at once fire each step once, and a restarted scanner (a new process, a new
//! connection) continues where the rows say.
//!
//! Requests are dispatched at 10:00 Mon 21 Sep 2026: the response clock runs out at the end of Tue
//! 22; the supervisors are due at the end of Wed 23, the district at the end of Thu 24 (Mid-Autumn
//! then takes Fri 25 to Sun 27 off).

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiesu_domain::escalation::{EscalationState, MeetingState};
use jiesu_domain::ports::{Cases, Store};
use jiesu_domain::time::LOCAL;
use jiesu_escalation::{Scanner, ScannerSettings};
use support::{CHAIN, Db, count, dispatched, workflow};

crate::on_both_databases!(
    a_scanner_stopped_for_an_hour_catches_up_without_firing_twice,
    two_scanners_scanning_at_once_fire_each_step_once,
    a_restarted_scanner_continues_where_the_rows_say,
    a_request_whose_case_cannot_be_read_does_not_hold_up_the_others,
    a_meeting_not_decided_in_time_lapses_once_with_two_scanners,
    a_held_disclaim_the_desk_forgets_reaches_the_supervisors_once,
);

fn local(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    LOCAL
        .with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .single()
        .expect("a valid time")
        .with_timezone(&Utc)
}

fn end_of(month: u32, day: u32) -> DateTime<Utc> {
    local(month, day, 23, 59) + Duration::seconds(59) + Duration::microseconds(999_999)
}

fn scanner<S: Cases>(store: S) -> Scanner<S> {
    Scanner::new(workflow(store), ScannerSettings { batch: 3, ..ScannerSettings::default() })
}

/// Scans at `t` until nothing more is due.
async fn scan_all<S: Cases>(s: &Scanner<S>, t: DateTime<Utc>) -> usize {
    let mut total = 0;
    loop {
        let n = s.scan(t).await.expect("scan");
        if n == 0 {
            return total;
        }
        total += n;
    }
}

async fn a_scanner_stopped_for_an_hour_catches_up_without_firing_twice<S: Store + Cases>(db: Db<S>) {
    let store = db.open().await;
    let ids = dispatched(&store, 4, local(9, 21, 10, 0)).await;
    let s = scanner(store.clone());
    let due = end_of(9, 22);
    // A minute before: the response clocks' warnings (due three quarters of the way, 06:30 Tue).
    assert_eq!(scan_all(&s, due - Duration::minutes(1)).await, 4, "each request's warning");
    assert_eq!(scan_all(&s, due - Duration::minutes(1)).await, 0, "nothing more before the due time");
    for id in &ids {
        assert_eq!(count(&store, *id, &["deadline_approaching"]).await, [1], "warned once");
    }
    // Stopped for an hour: the first scan after it fires every request's first step.
    assert_eq!(scan_all(&s, due + Duration::minutes(59)).await, 4);
    for again in [59, 60, 62] {
        assert_eq!(scan_all(&s, due + Duration::minutes(again)).await, 0, "each step once");
    }
    for id in &ids {
        assert_eq!(count(&store, *id, CHAIN).await, [1, 0, 0, 0], "the admins are reminded once");
    }
    // Stopped again, from Wednesday to Monday 10:00: one scan fires both steps due meanwhile, in
    // order, once each; the meeting goes to the first slot two hours ahead, 14:30 Monday.
    let monday = local(9, 28, 10, 0);
    assert_eq!(scan_all(&s, monday).await, 4);
    assert_eq!(scan_all(&s, monday + Duration::minutes(5)).await, 0);
    for id in &ids {
        assert_eq!(count(&store, *id, CHAIN).await, [2, 1, 1, 1], "supervisors; opened, raised, a meeting");
        // The resolution clock's warning: its three-quarter point (Sun 27) is a holiday, so
        // 09:00 Mon 28.
        assert_eq!(count(&store, *id, &["deadline_approaching"]).await, [2]);
        let case = store.load_case(*id).await.expect("load").expect("stored");
        assert_eq!(case.meetings[0].scheduled_at, local(9, 28, 14, 30));
    }
}

async fn two_scanners_scanning_at_once_fire_each_step_once<S: Store + Cases>(db: Db<S>) {
    // Two workers, each with its own connections.
    let (one, two) = (db.open().await, db.open().await);
    let ids = dispatched(&one, 8, local(9, 21, 10, 0)).await;
    let (a, b) = (scanner(one.clone()), scanner(two));
    for t in [end_of(9, 22), end_of(9, 23), end_of(9, 24)] {
        loop {
            let (x, y) = tokio::join!(a.scan(t), b.scan(t));
            if x.expect("scan") + y.expect("scan") == 0 {
                break;
            }
        }
        // A row whose decision was lost (a stale commit given up) comes back after its lease.
        let later = t + Duration::minutes(2);
        let (x, y) = tokio::join!(scan_all(&a, later), scan_all(&b, later));
        assert_eq!(x + y, 0, "every due row was moved the first time");
    }
    for id in &ids {
        assert_eq!(count(&one, *id, CHAIN).await, [2, 1, 1, 1], "each step once");
        let case = one.load_case(*id).await.expect("load").expect("stored");
        assert_eq!(case.meetings.len(), 1);
        assert_eq!(case.escalations.len(), 1);
    }
}

async fn a_restarted_scanner_continues_where_the_rows_say<S: Store + Cases>(db: Db<S>) {
    let first = db.open().await;
    let ids = dispatched(&first, 2, local(9, 21, 10, 0)).await;
    assert_eq!(scan_all(&scanner(first.clone()), end_of(9, 22)).await, 2);
    drop(first);
    // A new process: new connections, a new scanner, nothing in memory.
    let store = db.open().await;
    let s = scanner(store.clone());
    assert_eq!(scan_all(&s, end_of(9, 22) + Duration::minutes(3)).await, 0, "done is done");
    assert_eq!(scan_all(&s, end_of(9, 23) - Duration::microseconds(1)).await, 0);
    assert_eq!(scan_all(&s, end_of(9, 23)).await, 2);
    for id in &ids {
        assert_eq!(count(&store, *id, CHAIN).await, [2, 1, 0, 0], "admins, then supervisors and the street");
    }
}

async fn a_request_whose_case_cannot_be_read_does_not_hold_up_the_others<S: Store + Cases>(db: Db<S>) {
    let store = db.open().await;
    let ids = dispatched(&store, 2, local(9, 21, 10, 0)).await;
    // The scanner takes due requests in id order: spoil the first.
    let broken = *ids.iter().min().expect("two");
    let fine = *ids.iter().max().expect("two");
    db.corrupt(broken).await;
    let s = scanner(store.clone());
    s.scan(end_of(9, 22)).await.expect("the scan goes on past a request it cannot move");
    assert_eq!(count(&store, fine, CHAIN).await, [1, 0, 0, 0]);
}

async fn a_meeting_not_decided_in_time_lapses_once_with_two_scanners<S: Store + Cases>(db: Db<S>) {
    let (one, two) = (db.open().await, db.open().await);
    let ids = dispatched(&one, 3, local(9, 21, 10, 0)).await;
    let (a, b) = (scanner(one.clone()), scanner(two));
    // The chain reaches the district on Monday: a meeting at 14:30, to be decided within a working
    // day (by the end of Tuesday 29 September).
    assert_eq!(scan_all(&a, local(9, 28, 10, 0)).await, 3);
    let case = one.load_case(ids[0]).await.expect("load").expect("stored");
    let decide_by = case.meetings[0].decide_by;
    assert_eq!(decide_by, end_of(9, 29));
    let lapse = ["meeting_lapsed", "escalation_overdue"];
    for t in [decide_by - Duration::microseconds(1), decide_by, decide_by + Duration::hours(1)] {
        loop {
            let (x, y) = tokio::join!(a.scan(t), b.scan(t));
            if x.expect("scan") + y.expect("scan") == 0 {
                break;
            }
        }
        let expected = if t < decide_by { [0, 0] } else { [1, 1] };
        for id in &ids {
            assert_eq!(count(&one, *id, &lapse).await, expected, "at {t}: lapsed once, when due");
        }
    }
    // Lapsed at the district, the top: nothing more is called; the supervisors have it. Weeks
    // later (the resolution clocks have run out too, and their chains moved on), still one
    // meeting, lapsed once.
    for id in &ids {
        let case = one.load_case(*id).await.expect("load").expect("stored");
        assert_eq!(case.meetings[0].state, MeetingState::Lapsed);
        assert!(case.escalations.iter().all(|e| e.state == EscalationState::Open), "left to the supervisors");
    }
    scan_all(&a, end_of(10, 12)).await;
    for id in &ids {
        assert_eq!(count(&one, *id, &lapse).await, [1, 1], "a lapsed meeting is not taken up again");
        let case = one.load_case(*id).await.expect("load").expect("stored");
        assert_eq!(case.meetings.len(), 1, "the district has met on it (or failed to): no second call");
    }
}

/// The district holds disclaims for the desk; the desk forgets one. The scanner reminds the desk
/// when its working day is up (the end of Tue 22), then the supervisors with a district
/// escalation a working day later (the end of Wed 23), each once with two scanners at it.
async fn a_held_disclaim_the_desk_forgets_reaches_the_supervisors_once<S: Store + Cases>(db: Db<S>) {
    use jiesu_domain::desk::DeskClockKind;
    use jiesu_domain::escalation::Trigger;
    use jiesu_domain::workflow::{Caller, Command, DisclaimReason, DisclaimReview, Note, Policy};
    let store = db.open().await;
    let policy = Policy { disclaim_review: DisclaimReview::Operator, ..Policy::default() };
    let wf = jiesu_workflow::Workflow::new(
        store.clone(),
        jiesu_domain::live_district::LiveDistrict::new(jiesu_testkit::fixtures::district().clone()),
        policy,
    );
    let id = dispatched(&store, 1, local(9, 21, 10, 0)).await[0];
    let lead =
        store.load_case(id).await.expect("load").expect("stored").active_lead().cloned().expect("lead");
    let disclaim = Command::Disclaim {
        task: lead.id,
        reason: DisclaimReason::NotOurFunction,
        explanation: Note::parse("不属本单位职责").expect("note"),
    };
    wf.act_at(Caller::Staff(&support::staff(&lead.bureau)), id, disclaim, local(9, 21, 11, 0))
        .await
        .expect("disclaim");
    let (a, b) = (
        Scanner::new(wf.clone(), ScannerSettings { batch: 3, ..ScannerSettings::default() }),
        Scanner::new(wf, ScannerSettings { batch: 3, ..ScannerSettings::default() }),
    );
    let desk = ["desk_reminder", "escalation_opened"];
    for (t, expected) in [
        (end_of(9, 22) - Duration::minutes(1), [0, 0]),
        (end_of(9, 22), [1, 0]),
        (end_of(9, 23), [2, 1]),
        // Through the Mid-Autumn holiday, before the task's own resolution clock (end of Mon 28).
        (end_of(9, 27), [2, 1]),
    ] {
        let _ = tokio::join!(scan_all(&a, t), scan_all(&b, t));
        assert_eq!(count(&store, id, &desk).await, expected, "at {t}");
    }
    let case = store.load_case(id).await.expect("load").expect("stored");
    let e = case.escalations.iter().find(|e| e.trigger == Trigger::DeskOverdue).expect("escalated");
    assert_eq!(e.level, jiesu_domain::area::AreaLevel::District);
    let clock = case.desk_clocks.iter().find(|k| k.kind == DeskClockKind::DisclaimReview).expect("clock");
    assert_eq!((clock.stage, clock.next_action_at), (2, None));
}
