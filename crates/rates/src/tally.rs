//! A case worked out into its tallies (see `Counts` for what each counter counts, on which day and
//! for which bureau).

use chrono::{DateTime, NaiveDate, Utc};

use jiesu_calendar::deadline::{Deadline, DeadlineState};
use jiesu_calendar::left::working_time;
use jiesu_calendar::sla::DeadlineKind;
use jiesu_decisions::workflow::{Case, Satisfaction};
use jiesu_model::area::{AreaCode, AreaLevel};
use jiesu_model::bureau::BureauCode;
use jiesu_model::request::RequestStatus;
use jiesu_model::task::{Task, TaskState, current_lead};
use jiesu_model::time::LOCAL;
use jiesu_routing::district::District;

use crate::counts::{Counts, Key, Tallies};

/// The district-local day of an instant.
pub(crate) fn day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&LOCAL).date_naive()
}

/// The request's street and community: its area's ancestors (or itself) at those levels.
fn places(d: &District, area: Option<&AreaCode>) -> (Option<AreaCode>, Option<AreaCode>) {
    let Some(area) = area else { return (None, None) };
    let ancestry = d.areas().ancestry(area);
    let at = |level| ancestry.iter().find(|a| a.level == level).map(|a| a.code.clone());
    (at(AreaLevel::Street), at(AreaLevel::Community))
}

/// The task's latest clock of a kind.
fn clock<'a>(case: &'a Case, task: &Task, kind: DeadlineKind) -> Option<&'a Deadline> {
    case.deadlines.iter().rev().find(|x| x.task_id == task.id && x.kind == kind)
}

/// Met, and by its due time.
fn met_in_time(x: &Deadline) -> Option<DateTime<Utc>> {
    x.settled_at.filter(|at| x.state == DeadlineState::Met && *at <= x.due_at)
}

/// What the case counts towards, per key.
pub fn tally(case: &Case, d: &District) -> Tallies {
    let r = &case.request;
    let (street, community) = places(d, r.area.as_ref());
    let lead = current_lead(&case.tasks).map(|t| t.bureau.clone());
    let key = |at: DateTime<Utc>, bureau: Option<&BureauCode>| Key {
        day: day(at),
        bureau: bureau.cloned(),
        street: street.clone(),
        community: community.clone(),
        category: r.submitted.category.clone(),
        channel: r.submitted.channel,
        kind: r.submitted.kind,
    };
    let mut out = Tallies::new();
    // An exempted request counts nothing for its bureau but the exemption itself.
    let exempted: Vec<&BureauCode> = case.exempted().collect();
    for b in &exempted {
        *out.entry(key(r.submitted.received_at, Some(b))).or_default() +=
            Counts { exempted: 1, ..Counts::default() };
    }
    let mut add = |k: Key, c: Counts| {
        if !k.bureau.as_ref().is_some_and(|b| exempted.contains(&b)) {
            *out.entry(k).or_default() += c;
        }
    };

    let direct = i64::from(r.submitted.details.answer.is_some());
    add(key(r.submitted.received_at, lead.as_ref()), Counts { received: 1, direct, ..Counts::default() });
    // Closing and reopening are counted with the request's own cohort (the day received).
    let reopened = case.visits.iter().filter(|v| !v.solved).count() as i64;
    let closed = i64::from(r.status == RequestStatus::Closed);
    if closed + reopened > 0 {
        add(key(r.submitted.received_at, lead.as_ref()), Counts { closed, reopened, ..Counts::default() });
    }
    for t in &case.tasks {
        let responded = clock(case, t, DeadlineKind::Response).and_then(met_in_time).is_some();
        let c = Counts { dispatched: 1, responded: i64::from(responded), ..Counts::default() };
        add(key(t.dispatched_at, Some(&t.bureau)), c);
        if t.state == TaskState::Resolved {
            let resolution = clock(case, t, DeadlineKind::Resolution);
            let at = resolution.and_then(|x| x.settled_at).unwrap_or(t.updated_at);
            let worked = working_time(d.calendar(), t.dispatched_at, at);
            let minutes =
                (i64::from(worked.days) * 24 + i64::from(worked.hours)) * 60 + i64::from(worked.minutes);
            let on_time = resolution.and_then(met_in_time).is_some();
            let c = Counts {
                resolved: 1,
                resolved_on_time: i64::from(on_time),
                handling_minutes: minutes,
                ..Counts::default()
            };
            add(key(at, Some(&t.bureau)), c);
        }
    }
    for x in &case.disclaims {
        add(key(x.at, Some(&x.bureau)), Counts { disclaimed: 1, ..Counts::default() });
    }
    for v in &case.visits {
        let is = |s| i64::from(v.satisfaction == Some(s));
        let c = Counts {
            visits: 1,
            solved: i64::from(v.solved),
            satisfied: is(Satisfaction::Satisfied),
            basically_satisfied: is(Satisfaction::BasicallySatisfied),
            dissatisfied: is(Satisfaction::Dissatisfied),
            rated: i64::from(v.stars.is_some()),
            stars: v.stars.map_or(0, |s| i64::from(s.get())),
            ..Counts::default()
        };
        add(key(v.at, lead.as_ref()), c);
    }
    out
}
