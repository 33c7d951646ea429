//! What each event tells whom (the notify role's decisions, issue 16), without IO: the citizen
//! hears that the request was received (立案, with its tracking number), to whom it went, that a
//! coordination meeting was called on it, that it was resolved, reopened or closed; bureaus hear
//! of a new task, a clock three quarters gone (the pre-breach warning), a meeting they are
//! invited to and its changes, an extension decided; a missed
//! deadline reaches whom its escalation chain names (the bureau's administrators, then the
//! supervisors). How each notice travels (SMS, WeChat, 企业微信, email) and when (quiet hours)
//! is the delivery's business; this says who and what, and whether it may wait.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::escalation::Meeting;
use crate::workflow::Case;
use jiesu_calendar::sla::DeadlineKind;
use jiesu_events::event::{AssignedWhy, Event, EventKind, ReminderTo};
use jiesu_model::bureau::BureauCode;
use jiesu_model::contact::{OpenId, PhoneNumber};
use jiesu_model::ids::{ExtensionId, MeetingId, TaskId};
use jiesu_model::request::{Channel, Request, Urgency};
use jiesu_model::staff::{StaffRole, Username};
use jiesu_model::task::TaskRole;
use jiesu_model::webhook::Webhook;

/// Who a notice is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Audience {
    /// The citizen who made the request.
    Citizen,
    /// The staff of a bureau (its task, its meeting).
    Bureau(BureauCode),
    /// A bureau's administrators (a deadline it missed).
    BureauAdmins(BureauCode),
    /// The district's supervisors.
    Supervisors,
    /// The dispatch desk's operators.
    Desk,
    /// A client application's webhook (`jiesu_model::webhook`), by its id.
    Webhook(uuid::Uuid),
    /// One staff member, by email (their own choice of how to hear: `StaffNotices`).
    Person(Username),
}

impl Audience {
    /// As stored: `citizen`, `bureau:water`, `bureau_admins:water`, `supervisors`, `desk`,
    /// `webhook:<id>`.
    pub fn key(&self) -> String {
        match self {
            Self::Citizen => "citizen".to_owned(),
            Self::Bureau(b) => format!("bureau:{b}"),
            Self::BureauAdmins(b) => format!("bureau_admins:{b}"),
            Self::Supervisors => "supervisors".to_owned(),
            Self::Desk => "desk".to_owned(),
            Self::Webhook(id) => format!("webhook:{id}"),
            Self::Person(u) => format!("person:{u}"),
        }
    }

    /// Whether a staff member of `role` (in `bureau`) is one of this audience: a bureau's staff
    /// are its staff and administrators; the desk is the operators.
    pub fn includes(&self, role: StaffRole, bureau: Option<&BureauCode>) -> bool {
        match self {
            Self::Bureau(b) => role.belongs_to_bureau() && bureau == Some(b),
            Self::BureauAdmins(b) => role == StaffRole::BureauAdmin && bureau == Some(b),
            Self::Supervisors => role == StaffRole::Supervisor,
            Self::Desk => role == StaffRole::Operator,
            Self::Citizen | Self::Webhook(_) | Self::Person(_) => false,
        }
    }

    /// Whether it is a group of staff (what `includes` answers for).
    pub fn is_staff_group(&self) -> bool {
        matches!(self, Self::Bureau(_) | Self::BureauAdmins(_) | Self::Supervisors | Self::Desk)
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let bureau = |code: &str| BureauCode::parse(code).ok();
        Some(match raw.split_once(':') {
            None if raw == "citizen" => Self::Citizen,
            None if raw == "supervisors" => Self::Supervisors,
            None if raw == "desk" => Self::Desk,
            Some(("bureau", code)) => Self::Bureau(bureau(code)?),
            Some(("bureau_admins", code)) => Self::BureauAdmins(bureau(code)?),
            Some(("webhook", id)) => Self::Webhook(uuid::Uuid::parse_str(id).ok()?),
            Some(("person", name)) => Self::Person(Username::parse(name).ok()?),
            _ => return None,
        })
    }
}

/// What a notice says (stored with the notification as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "topic", rename_all = "snake_case")]
pub enum Topic {
    /// 立案: received, with the tracking number the citizen will ask by.
    Received,
    /// Sent to the bureau that will handle it.
    Dispatched {
        bureau: BureauCode,
    },
    /// Several bureaus disagreed; a coordination meeting is called for this time.
    Coordinating {
        at: DateTime<Utc>,
    },
    /// Resolved: the result, and the link to answer the return visit.
    Resolved,
    /// Back to the bureau after the citizen said "not solved".
    Reopened,
    Closed,
    /// A task for the bureau to claim.
    NewTask {
        task: TaskId,
        role: TaskRole,
    },
    /// A clock of the bureau's task is three quarters gone: act before it runs out.
    DeadlineNear {
        kind: DeadlineKind,
        due_at: DateTime<Utc>,
    },
    /// A deadline the bureau missed.
    MissedDeadline {
        bureau: BureauCode,
        kind: DeadlineKind,
        due_at: DateTime<Utc>,
    },
    /// An invitation to a coordination meeting, or its new time or place.
    Meeting {
        meeting: MeetingId,
        at: DateTime<Utc>,
        changed: bool,
    },
    /// The bureau's request for more time was decided.
    ExtensionDecided {
        extension: ExtensionId,
        approved: bool,
    },
}

impl Topic {
    /// Every topic's key, as the history's notice events name it.
    pub const KEYS: [&'static str; 11] = [
        "received",
        "dispatched",
        "coordinating",
        "resolved",
        "reopened",
        "closed",
        "new_task",
        "deadline_near",
        "missed_deadline",
        "meeting",
        "extension_decided",
    ];

    /// Its name without its fields (`received`, `new_task`): the JSON's `topic` tag.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Dispatched { .. } => "dispatched",
            Self::Coordinating { .. } => "coordinating",
            Self::Resolved => "resolved",
            Self::Reopened => "reopened",
            Self::Closed => "closed",
            Self::NewTask { .. } => "new_task",
            Self::DeadlineNear { .. } => "deadline_near",
            Self::MissedDeadline { .. } => "missed_deadline",
            Self::Meeting { .. } => "meeting",
            Self::ExtensionDecided { .. } => "extension_decided",
        }
    }
}

/// A notice to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub audience: Audience,
    pub topic: Topic,
    /// Sent even in quiet hours: the citizen has just written (立案), the request is urgent, or a
    /// deadline was missed.
    pub urgent: bool,
}

/// How the citizen can be reached: by the channel they came by where it can answer (a WeChat
/// citizen through WeChat), else by SMS to the phone they gave; not at all without either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitizenRoute {
    WeChat(OpenId),
    Sms(PhoneNumber),
}

pub fn citizen_route(request: &Request) -> Option<CitizenRoute> {
    let s = &request.submitted;
    match (&s.contact.openid, &s.contact.phone) {
        (Some(openid), _) if s.channel == Channel::Wechat => Some(CitizenRoute::WeChat(openid.clone())),
        (_, Some(phone)) => Some(CitizenRoute::Sms(phone.clone())),
        _ => None,
    }
}

/// The notices `event` calls for, given the case as it stands after it.
pub fn notices(event: &Event, case: &Case) -> Vec<Notice> {
    notices_of(event, &case.request, &case.meetings)
}

/// The event kinds (`EventKind::name`) `notices_of` can answer with a notice: every other kind
/// tells nobody anything, so the notify role need not even receive it. The workflow's notice
/// tests check every event they see against it.
pub const NOTIFYING: [&str; 11] = [
    "request_received",
    "task_dispatched",
    "task_assigned",
    "meeting_called",
    "meeting_rescheduled",
    "request_resolved",
    "request_reopened",
    "request_closed",
    "extension_decided",
    "deadline_approaching",
    "deadline_reminder",
];

/// The webhooks' share of `notices`: each notice to the citizen, of a topic a webhook asked for,
/// to that webhook too, at once (a machine has no quiet hours). Nothing of a request the public
/// may not see (保密): a webhook is a third party.
pub fn for_webhooks(notices: &[Notice], request: &Request, hooks: &[Webhook]) -> Vec<Notice> {
    if !request.submitted.is_public() {
        return Vec::new();
    }
    let citizen = notices.iter().filter(|n| n.audience == Audience::Citizen);
    citizen
        .flat_map(|n| {
            hooks.iter().filter(|h| h.wants(n.topic.key())).map(|h| Notice {
                audience: Audience::Webhook(h.id),
                topic: n.topic.clone(),
                urgent: true,
            })
        })
        .collect()
}

/// Whether `notices_of` needs the request's meetings for `event` (a meeting's new time goes to
/// its invitees); for every other event the request alone decides, so a consumer can read only
/// the request.
pub fn needs_meetings(event: &Event) -> bool {
    matches!(event.kind, EventKind::MeetingRescheduled { .. })
}

/// The notices `event` calls for, given its request as it stands after it and, where
/// `needs_meetings` says so, the request's meetings.
pub fn notices_of(event: &Event, request: &Request, meetings: &[Meeting]) -> Vec<Notice> {
    let pressing = request.submitted.details.urgency != Urgency::Normal;
    let to = |audience: Audience, topic: Topic, urgent: bool| Notice {
        audience,
        topic,
        urgent: urgent || pressing,
    };
    let citizen = |topic: Topic, urgent: bool| to(Audience::Citizen, topic, urgent);
    let dispatched = |bureau: &BureauCode, role: TaskRole, told: bool| {
        let Some(task) = event.task_id else { return Vec::new() };
        let mut out = vec![to(Audience::Bureau(bureau.clone()), Topic::NewTask { task, role }, false)];
        if told && role == TaskRole::Lead {
            out.push(citizen(Topic::Dispatched { bureau: bureau.clone() }, false));
        }
        out
    };
    match &event.kind {
        EventKind::RequestReceived { .. } => vec![citizen(Topic::Received, true)],
        EventKind::TaskDispatched { bureau, role, .. } => dispatched(bureau, *role, true),
        // A reopened request's new task: the citizen hears "reopened", not "dispatched" again.
        EventKind::TaskAssigned { bureau, role, why, .. } => {
            dispatched(bureau, *role, !matches!(why, AssignedWhy::Reopened))
        }
        EventKind::MeetingCalled { meeting, scheduled_at, invitees, convener, .. } => {
            let mut out = vec![citizen(Topic::Coordinating { at: *scheduled_at }, false)];
            let topic = Topic::Meeting { meeting: *meeting, at: *scheduled_at, changed: false };
            for b in std::iter::once(convener).chain(invitees).collect::<std::collections::BTreeSet<_>>() {
                out.push(to(Audience::Bureau(b.clone()), topic.clone(), false));
            }
            out
        }
        EventKind::MeetingRescheduled { meeting, scheduled_at, .. } => {
            let Some(m) = meetings.iter().find(|m| m.id == *meeting) else { return Vec::new() };
            let topic = Topic::Meeting { meeting: *meeting, at: *scheduled_at, changed: true };
            let mut bureaus: Vec<&BureauCode> = m.invitees.iter().map(|i| &i.bureau).collect();
            bureaus.push(&m.convener);
            bureaus.sort();
            bureaus.dedup();
            bureaus.into_iter().map(|b| to(Audience::Bureau(b.clone()), topic.clone(), false)).collect()
        }
        EventKind::RequestResolved => vec![citizen(Topic::Resolved, false)],
        EventKind::RequestReopened { .. } => vec![citizen(Topic::Reopened, false)],
        EventKind::RequestClosed => vec![citizen(Topic::Closed, false)],
        EventKind::ExtensionDecided { bureau, extension, approved, .. } => {
            let topic = Topic::ExtensionDecided { extension: *extension, approved: *approved };
            vec![to(Audience::Bureau(bureau.clone()), topic, false)]
        }
        EventKind::DeadlineApproaching { bureau, kind, due_at, .. } => {
            let topic = Topic::DeadlineNear { kind: *kind, due_at: *due_at };
            vec![to(Audience::Bureau(bureau.clone()), topic, false)]
        }
        EventKind::DeadlineReminder { bureau, kind, due_at, to: whom, .. } => {
            let audience = match whom {
                ReminderTo::BureauAdmins { bureau } => Audience::BureauAdmins(bureau.clone()),
                ReminderTo::Supervisors => Audience::Supervisors,
                ReminderTo::Desk => Audience::Desk,
            };
            let topic = Topic::MissedDeadline { bureau: bureau.clone(), kind: *kind, due_at: *due_at };
            vec![to(audience, topic, true)]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bureaus_staff_are_its_staff_and_administrators_and_the_desk_its_operators() {
        let water = BureauCode::parse("water").expect("code");
        let roads = BureauCode::parse("roads").expect("code");
        let bureau = Audience::Bureau(water.clone());
        assert!(bureau.includes(StaffRole::BureauStaff, Some(&water)));
        assert!(bureau.includes(StaffRole::BureauAdmin, Some(&water)));
        assert!(!bureau.includes(StaffRole::BureauStaff, Some(&roads)));
        assert!(!bureau.includes(StaffRole::Supervisor, None));
        let admins = Audience::BureauAdmins(water.clone());
        assert!(admins.includes(StaffRole::BureauAdmin, Some(&water)));
        assert!(!admins.includes(StaffRole::BureauStaff, Some(&water)));
        assert!(Audience::Desk.includes(StaffRole::Operator, None));
        assert!(!Audience::Desk.includes(StaffRole::Admin, None));
        assert!(Audience::Supervisors.includes(StaffRole::Supervisor, None));
        assert!(!Audience::Citizen.includes(StaffRole::Operator, None));
    }

    #[test]
    fn audiences_and_topics_read_back_as_stored() {
        let water = BureauCode::parse("water").expect("code");
        for a in [
            Audience::Citizen,
            Audience::Bureau(water.clone()),
            Audience::BureauAdmins(water.clone()),
            Audience::Supervisors,
            Audience::Desk,
            Audience::Webhook(uuid::Uuid::now_v7()),
            Audience::Person(Username::parse("li.lei").expect("name")),
        ] {
            assert_eq!(Audience::parse(&a.key()), Some(a));
        }
        assert_eq!(Audience::parse("bureau:"), None);
        assert_eq!(Audience::parse("everyone"), None);
        assert_eq!(Audience::parse("webhook:42"), None);
        let due_at = DateTime::from_timestamp(1_765_069_323, 0).expect("time");
        for t in [
            Topic::Dispatched { bureau: water.clone() },
            Topic::MissedDeadline { bureau: water, kind: DeadlineKind::Resolution, due_at },
            Topic::NewTask { task: TaskId::generate(), role: TaskRole::Assist },
            Topic::ExtensionDecided { extension: ExtensionId::generate(), approved: false },
        ] {
            let json = serde_json::to_value(&t).expect("JSON");
            assert_eq!(json["topic"], t.key(), "the key is the JSON's tag");
            assert!(Topic::KEYS.contains(&t.key()));
            assert_eq!(serde_json::from_value::<Topic>(json).expect("back"), t);
        }
    }
}
