//! What each event tells whom: a request's whole life tells the citizen exactly received,
//! dispatched, resolved and closed, and the bureau of its new task; a reopened request says so
//! once; a meeting invites each bureau once and tells the citizen in plain words; a missed
//! deadline reaches the bureau's administrators at once; an urgent request's notices never wait.

mod support;

use chrono::Duration;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::event::Event;
use jiesu_domain::notices::{Audience, CitizenRoute, NOTIFYING, Notice, Topic, citizen_route, notices};
use jiesu_domain::request::{Channel, NewRequest, Urgency};
use jiesu_domain::staff::StaffRole;
use jiesu_domain::task::TaskRole;
use jiesu_domain::workflow::{Caller, Command, Satisfaction};
use support::{Clock, at, district, new_request, note, of, staff};

/// The request admitted at `t`, and the notices its admission calls for.
fn admitted(new: NewRequest) -> (Clock, Vec<Notice>) {
    let t = new.received_at;
    let a = jiesu_domain::admission::admit(new, district(), t);
    let c = Clock::from(&a, district(), Default::default());
    let said = told(&c, &a.events);
    (c, said)
}

/// The notices `events` call for; each event that calls for one is of a kind the notify queue is
/// bound to (`NOTIFYING`), or it would never reach the notify role.
fn told(c: &Clock, events: &[Event]) -> Vec<Notice> {
    let said: Vec<(&Event, Vec<Notice>)> = events.iter().map(|e| (e, notices(e, &c.case))).collect();
    for (e, n) in &said {
        assert!(
            n.is_empty() || NOTIFYING.contains(&e.kind.name()),
            "{} notifies: add it to NOTIFYING",
            e.kind.name()
        );
    }
    said.into_iter().flat_map(|(_, n)| n).collect()
}

fn topics_for(said: &[Notice], audience: &Audience) -> Vec<Topic> {
    said.iter().filter(|n| &n.audience == audience).map(|n| n.topic.clone()).collect()
}

/// Works the lead through claim, resolve, review and a visit with `solved`; the notices said.
fn worked(c: &mut Clock, solved: bool) -> Vec<Notice> {
    let (task, bureau) = c.lead();
    let operator = staff(StaffRole::Operator, None);
    let steps = [
        (of(&bureau), Command::Claim { task }),
        (of(&bureau), Command::Resolve { task, result: note("路灯已修复"), photos: vec![] }),
        (operator.clone(), Command::ReviewResolution { approve: true, note: None }),
    ];
    let mut said = Vec::new();
    let mut t = at(12, 2, 9, 0);
    for (who, command) in steps {
        let events = c.events(Caller::Staff(&who), command, t).expect("legal");
        said.extend(told(c, &events));
        t += Duration::hours(1);
    }
    let visit = Command::RecordVisit {
        solved,
        satisfaction: Some(Satisfaction::Satisfied),
        stars: None,
        comment: None,
    };
    let events = c.events(Caller::Citizen, visit, t).expect("visit");
    said.extend(told(c, &events));
    said
}

#[test]
fn a_whole_life_tells_the_citizen_four_things_and_the_bureau_of_its_task() {
    let (mut c, mut said) = admitted(NewRequest { received_at: at(12, 1, 9, 0), ..new_request() });
    let (task, bureau) = c.lead();
    said.extend(worked(&mut c, true));
    assert_eq!(
        topics_for(&said, &Audience::Citizen),
        vec![Topic::Received, Topic::Dispatched { bureau: bureau.clone() }, Topic::Resolved, Topic::Closed]
    );
    assert_eq!(
        topics_for(&said, &Audience::Bureau(bureau)),
        vec![Topic::NewTask { task, role: TaskRole::Lead }]
    );
    assert_eq!(said.len(), 5, "nothing else: {said:?}");
    let urgent: Vec<&Topic> = said.iter().filter(|n| n.urgent).map(|n| &n.topic).collect();
    assert_eq!(urgent, vec![&Topic::Received], "立案 at once; the rest may wait out quiet hours");
}

#[test]
fn a_reopened_request_says_reopened_once_and_gives_the_bureau_its_new_task() {
    let (mut c, _) = admitted(NewRequest { received_at: at(12, 1, 9, 0), ..new_request() });
    let (_, bureau) = c.lead();
    let said = worked(&mut c, false);
    assert_eq!(topics_for(&said, &Audience::Citizen), vec![Topic::Resolved, Topic::Reopened]);
    let (again, _) = c.lead();
    assert_eq!(
        topics_for(&said, &Audience::Bureau(bureau)),
        vec![Topic::NewTask { task: again, role: TaskRole::Lead }]
    );
}

#[test]
fn an_urgent_requests_notices_never_wait_and_the_route_follows_the_channel() {
    let mut urgent = NewRequest { received_at: at(12, 1, 23, 30), ..new_request() };
    urgent.details.urgency = Urgency::Critical;
    let (c, said) = admitted(urgent);
    assert!(said.iter().all(|n| n.urgent), "{said:?}");
    assert!(
        matches!(citizen_route(&c.case.request), Some(CitizenRoute::Sms(_))),
        "a web citizen with a phone: SMS"
    );
    let mut wechat = NewRequest { received_at: at(12, 1, 9, 0), channel: Channel::Wechat, ..new_request() };
    wechat.contact.openid =
        Some(jiesu_domain::contact::OpenId::parse("oX3Ny5TVpX4d4WJRtYAxbNxyCAxw").expect("openid"));
    let (w, _) = admitted(wechat.clone());
    assert!(
        matches!(citizen_route(&w.case.request), Some(CitizenRoute::WeChat(_))),
        "a WeChat citizen: WeChat"
    );
    wechat.contact.phone = None;
    wechat.channel = Channel::Open311;
    let (o, _) = admitted(wechat);
    assert_eq!(
        citizen_route(&o.case.request),
        None,
        "an OpenID outside WeChat and no phone: no way to reach them"
    );
}

#[test]
fn a_meeting_invites_each_bureau_once_and_a_missed_deadline_reaches_the_bureaus_admins() {
    let (mut c, _) = admitted(NewRequest { received_at: at(12, 1, 9, 0), ..new_request() });
    c.exhaust(at(12, 1, 10, 0));
    let events = c.events(Caller::System, Command::ReviewEscalations, at(12, 1, 11, 0)).expect("review");
    let said = told(&c, &events);
    let meeting = c.meetings().first().expect("a meeting").clone();
    assert!(
        matches!(topics_for(&said, &Audience::Citizen)[..], [Topic::Coordinating { at }] if at == meeting.scheduled_at)
    );
    let invited: Vec<&Audience> = said
        .iter()
        .filter(|n| matches!(n.topic, Topic::Meeting { changed: false, .. }))
        .map(|n| &n.audience)
        .collect();
    let mut expected: Vec<BureauCode> = meeting.invitees.iter().map(|i| i.bureau.clone()).collect();
    expected.push(meeting.convener.clone());
    expected.sort();
    expected.dedup();
    assert_eq!(
        invited,
        expected.into_iter().map(Audience::Bureau).collect::<Vec<_>>().iter().collect::<Vec<_>>()
    );

    // Another request left unclaimed past its response deadline: the bureau's admins hear at once.
    let (mut late, _) = admitted(NewRequest { received_at: at(12, 1, 9, 0), ..new_request() });
    let (_, bureau) = late.lead();
    let events = late.events(Caller::System, Command::CheckClocks, at(12, 4, 9, 0)).expect("check");
    let said = told(&late, &events);
    let missed: Vec<&Notice> =
        said.iter().filter(|n| matches!(n.topic, Topic::MissedDeadline { .. })).collect();
    assert!(!missed.is_empty(), "{said:?}");
    assert!(missed.iter().all(|n| n.urgent));
    assert_eq!(missed[0].audience, Audience::BureauAdmins(bureau));
}

#[test]
fn three_quarters_of_a_clock_gone_warns_the_bureau_once_and_may_wait_for_the_morning() {
    // Received Tue 1 Dec 09:00: claim by the end of Wed 2, so warned at 14:15 Wed 2 (three
    // quarters of 39 hours).
    let (mut late, _) = admitted(NewRequest { received_at: at(12, 1, 9, 0), ..new_request() });
    let (task, bureau) = late.lead();
    let due = late.clock(task, jiesu_domain::sla::DeadlineKind::Response).due_at;
    let early = late.events(Caller::System, Command::CheckClocks, at(12, 2, 14, 14)).expect("check");
    assert!(told(&late, &early).is_empty(), "nothing before three quarters");
    let events = late.events(Caller::System, Command::CheckClocks, at(12, 2, 14, 15)).expect("check");
    let said = told(&late, &events);
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].audience, Audience::Bureau(bureau));
    assert!(
        matches!(said[0].topic, Topic::DeadlineNear { kind: jiesu_domain::sla::DeadlineKind::Response, due_at } if due_at == due)
    );
    assert!(!said[0].urgent, "a warning may wait out the quiet hours");
    let again = late.events(Caller::System, Command::CheckClocks, at(12, 2, 16, 0)).expect("check");
    assert!(told(&late, &again).is_empty(), "warned once");
}
