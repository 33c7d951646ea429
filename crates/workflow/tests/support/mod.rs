//! What the clock tests share: a request dispatched at a chosen local time on the sample district,
//! commands decided at chosen instants (the change applied in memory, as the store would commit
//! it), and each escalation event written as one short line so a test can spell out, by hand,
//! exactly what should happen when.

#![allow(dead_code)] // each test file uses its own part of this

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::deadline::Deadline;
use jiesu_domain::district::District;
use jiesu_domain::escalation::{Escalation, Meeting, Trigger};
use jiesu_domain::event::{EventKind, ReminderTo};
use jiesu_domain::ids::TaskId;
use jiesu_domain::sla::DeadlineKind;
use jiesu_domain::staff::{Principal, StaffRole, UserId, Username};
use jiesu_domain::time::LOCAL;
use jiesu_domain::workflow::{
    Caller, Case, Command, Ctx, DisclaimReason, Note, Policy, WorkflowError, decide,
};
pub use jiesu_testkit::fixtures::district;
pub use jiesu_testkit::fixtures::new_request;

/// The storage precision: the smallest step between two instants.
pub const MICRO: Duration = Duration::microseconds(1);

/// A district-local time in 2026.
pub fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    LOCAL
        .with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .single()
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// The last instant of a district-local day in 2026, where working-day limits end.
pub fn end_of(month: u32, day: u32) -> DateTime<Utc> {
    at(month, day, 23, 59) + Duration::seconds(59) + Duration::microseconds(999_999)
}

fn show(t: &DateTime<Utc>) -> String {
    t.with_timezone(&LOCAL).format("%m-%d %H:%M").to_string()
}

/// One escalation-related event as a line; `None` for the others (claims, disclaims, ...).
pub fn line(kind: &EventKind) -> Option<String> {
    Some(match kind {
        EventKind::DeadlineApproaching { bureau, kind, due_at, .. } => {
            format!("warn {bureau} about its {} due {}", kind.as_str(), show(due_at))
        }
        EventKind::DeadlineReminder { bureau, kind, due_at, to, .. } => {
            let who = match to {
                ReminderTo::BureauAdmins { .. } => "admins",
                ReminderTo::Supervisors => "supervisors",
                ReminderTo::Desk => "desk",
            };
            format!("remind {who} about {bureau}'s {} due {}", kind.as_str(), show(due_at))
        }
        EventKind::DeskReminder { kind, due_at, to, .. } => {
            let who = match to {
                ReminderTo::Supervisors => "supervisors",
                _ => "desk",
            };
            format!("remind {who} about the desk's {} due {}", kind.as_str(), show(due_at))
        }
        EventKind::EscalationOpened { trigger, level, owner, .. } => {
            format!("open {} at {}: {}", trigger.as_str(), level.as_str(), owner_of(owner.as_ref()))
        }
        EventKind::EscalationRaised { level, owner, .. } => {
            format!("raise to {}: {}", level.as_str(), owner_of(owner.as_ref()))
        }
        EventKind::EscalationOverdue { .. } => "overdue: supervisors act".into(),
        EventKind::EscalationClosed { outcome, .. } => format!("close: {outcome}"),
        EventKind::MeetingCalled { level, convener, scheduled_at, .. } => {
            format!("call a {} meeting by {convener} at {}", level.as_str(), show(scheduled_at))
        }
        EventKind::MeetingLapsed { level, .. } => format!("lapse the {} meeting", level.as_str()),
        _ => return None,
    })
}

fn owner_of(owner: Option<&BureauCode>) -> String {
    owner.map_or_else(|| "nobody".into(), ToString::to_string)
}

pub fn staff(role: StaffRole, bureau: Option<&BureauCode>) -> Principal {
    let name = bureau.map_or_else(|| role.as_str().to_owned(), |b| format!("staff-{b}"));
    Principal {
        user_id: UserId::generate(),
        username: Username::parse(&name).expect("username"),
        role,
        bureau: bureau.cloned(),
    }
}

pub fn of(bureau: &BureauCode) -> Principal {
    staff(StaffRole::BureauStaff, Some(bureau))
}

pub fn note(s: &str) -> Note {
    Note::parse(s).expect("note")
}

pub fn disclaim(task: TaskId) -> Command {
    Command::Disclaim { task, reason: DisclaimReason::UnclearOwnership, explanation: note("权属不清") }
}

/// The sample district with one community that has a default owner (坑梓社区工作站, over the
/// community the sample request falls in), so a chain can go community → street → district.
pub fn community_district() -> &'static District {
    static DISTRICT: std::sync::OnceLock<District> = std::sync::OnceLock::new();
    DISTRICT.get_or_init(|| {
        let community = r#""name_en": "Kengzi Community", "level": "community""#;
        let owned = format!("{community}, \"default_owner\": \"community-kengzi\"");
        let workstation = "\n[[bureau]]\ncode = \"community-kengzi\"\nname = \"坑梓社区工作站\"\n\
                           name_en = \"Kengzi Community Workstation\"\nkind = \"community\"\n\
                           area = \"pingshan.kengzi.kengzi\"\n";
        let mut sources = jiesu_district::sample_sources();
        for s in &mut sources {
            if s.path.ends_with("bureaus.toml") {
                s.text.push_str(workstation);
            } else if s.path.ends_with("pingshan.geojson") {
                assert!(s.text.contains(community), "the sample still has Kengzi community");
                s.text = s.text.replace(community, &owned);
            }
        }
        jiesu_district::load(&sources).unwrap_or_else(|e| panic!("the changed sample district: {e}"))
    })
}

/// One request and everything decided on it, at the instants the test chooses.
pub struct Clock {
    pub case: Case,
    pub policy: Policy,
    district: &'static District,
    /// Every event so far, oldest first, as the store would list them.
    pub history: Vec<jiesu_domain::event::Event>,
}

impl Clock {
    /// The sample street-light request, dispatched at `t` on the sample district.
    pub fn dispatched(t: DateTime<Utc>) -> Self {
        Self::on(district(), Policy::default(), t)
    }

    pub fn on(district: &'static District, policy: Policy, t: DateTime<Utc>) -> Self {
        Self::of(jiesu_domain::request::NewRequest { received_at: t, ..new_request() }, district, policy)
    }

    /// A request of the test's own making, dispatched when it was received.
    pub fn of(new: jiesu_domain::request::NewRequest, district: &'static District, policy: Policy) -> Self {
        let t = new.received_at;
        Self::from(&jiesu_domain::admission::admit(new, district, t), district, policy)
    }

    /// The case of an admission the test holds (with its events).
    pub fn from(a: &jiesu_domain::admission::Admission, district: &'static District, policy: Policy) -> Self {
        Self { case: Case::admitted(a), policy, district, history: a.events.clone() }
    }

    /// The escalation service looks at the clocks at `now`; the lines of what it did.
    pub fn check(&mut self, now: DateTime<Utc>) -> Vec<String> {
        self.run(Caller::System, Command::CheckClocks, now)
    }

    /// The escalation service reviews the request after an event, at `now`.
    pub fn review(&mut self, now: DateTime<Utc>) -> Vec<String> {
        self.run(Caller::System, Command::ReviewEscalations, now)
    }

    /// A staff member's command at `now`.
    pub fn by(&mut self, who: &Principal, command: Command, now: DateTime<Utc>) -> Vec<String> {
        self.run(Caller::Staff(who), command, now)
    }

    /// A command decided at `now` and applied, or its refusal (the case unchanged).
    pub fn attempt(
        &mut self,
        caller: Caller<'_>,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventKind>, WorkflowError> {
        Ok(self.events(caller, command, now)?.into_iter().map(|e| e.kind).collect())
    }

    /// As `attempt`, the events whole.
    pub fn events(
        &mut self,
        caller: Caller<'_>,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<jiesu_domain::event::Event>, WorkflowError> {
        let ctx = Ctx { district: self.district, policy: &self.policy, now };
        let change = decide(self.case.clone(), caller, command, &ctx)?;
        self.case.apply(&change);
        self.history.extend(change.events.iter().cloned());
        Ok(change.events)
    }

    fn run(&mut self, caller: Caller<'_>, command: Command, now: DateTime<Utc>) -> Vec<String> {
        let ctx = Ctx { district: self.district, policy: &self.policy, now };
        let change = decide(self.case.clone(), caller, command.clone(), &ctx)
            .unwrap_or_else(|e| panic!("{command:?}: {e}"));
        self.case.apply(&change);
        self.history.extend(change.events.iter().cloned());
        change.events.iter().filter_map(|e| line(&e.kind)).collect()
    }

    pub fn lead(&self) -> (TaskId, BureauCode) {
        let t = self.case.active_lead().expect("an active lead");
        (t.id, t.bureau.clone())
    }

    pub fn clock(&self, task: TaskId, kind: DeadlineKind) -> &Deadline {
        self.case.deadlines.iter().rev().find(|d| d.task_id == task && d.kind == kind).expect("a clock")
    }

    pub fn escalation(&self, trigger: Trigger) -> &Escalation {
        self.case.escalations.iter().find(|e| e.trigger == trigger).expect("an escalation")
    }

    pub fn meetings(&self) -> &[Meeting] {
        &self.case.meetings
    }

    /// Every candidate disclaims in turn, a minute apart from `from`.
    pub fn exhaust(&mut self, from: DateTime<Utc>) {
        let mut t = from;
        while let Some(lead) = self.case.active_lead().cloned() {
            self.by(&of(&lead.bureau), disclaim(lead.id), t);
            t += Duration::minutes(1);
        }
    }
}
