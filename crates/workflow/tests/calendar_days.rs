//! Calendar days set by an administrator through one process's rulebook service are in force
//! there at once, and in another process's (sharing the database) at its next poll; the files'
//! calendar is kept apart, so taking the day back restores what the files say.

use chrono::NaiveDate;
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::overlay::{DayKind, DayOverride};
use jiesu_domain::staff::Username;
use jiesu_workflow::CalendarError;
use jiesu_workflow::RulebookService;

fn date(raw: &str) -> NaiveDate {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").expect("date")
}

fn entry(d: &DayOverride) -> AuditEntry {
    let admin = Username::parse("admin.wang").expect("name");
    AuditEntry::new(
        Some(&admin),
        AuditAction::CalendarChanged,
        &d.date.to_string(),
        "",
        jiesu_domain::time::now(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_set_in_one_process_is_in_force_there_at_once_and_in_the_other_at_its_poll() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let district = jiesu_testkit::fixtures::district().clone();
    let here = RulebookService::new(store.clone(), LiveDistrict::new(district.clone()));
    let there = RulebookService::new(store.clone(), LiveDistrict::new(district));
    here.refresh().await.expect("compose");
    there.refresh().await.expect("compose");
    let admin = Username::parse("admin.wang").expect("name");
    // 2026-12-30 is a Wednesday: a working day in the files.
    let wednesday = date("2026-12-30");
    assert!(here.district().calendar().is_working_day(wednesday));

    let closed = DayOverride { date: wednesday, kind: DayKind::Holiday, name: "台风停工".to_owned() };
    here.set_calendar_day(closed.clone(), &admin, &entry(&closed)).await.expect("set");
    assert!(!here.district().calendar().is_working_day(wednesday), "in force here at once");
    assert!(there.district().calendar().is_working_day(wednesday), "not yet there");
    assert!(there.refresh_if_changed().await.expect("poll"), "the poll sees a change");
    assert!(!there.district().calendar().is_working_day(wednesday), "there after its poll");
    assert!(!there.refresh_if_changed().await.expect("poll"), "and nothing more to do");
    assert!(there.files().calendar().is_working_day(wednesday), "the files' calendar is untouched");

    let back = DayOverride { date: wednesday, kind: DayKind::Ordinary, name: String::new() };
    here.set_calendar_day(back.clone(), &admin, &entry(&back)).await.expect("set back");
    assert!(there.refresh_if_changed().await.expect("poll"));
    assert!(there.district().calendar().is_working_day(wednesday), "taken back");

    // A make-up working day on a weekday is refused and nothing is stored.
    let wrong = DayOverride { date: wednesday, kind: DayKind::Workday, name: "调休".to_owned() };
    let refused = here.set_calendar_day(wrong.clone(), &admin, &entry(&wrong)).await;
    assert!(matches!(refused, Err(CalendarError::Invalid(ref why)) if why.contains("Saturday or Sunday")));
    assert!(!there.refresh_if_changed().await.expect("poll"), "nothing changed");
}
