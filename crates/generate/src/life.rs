//! One request's life: admitted as the dispatcher admits it, then every step decided by the
//! workflow (`decide`) at its simulated time, the way bureau staff, the dispatch desk, supervisors,
//! citizens and the escalation service would have acted, until the simulated present.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::admission::admit;
use jiesu_domain::event::Event;
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::History;
use jiesu_domain::request::RequestStatus;
use jiesu_domain::staff::{Principal, StaffRole, UserId, Username};
use jiesu_domain::task::TaskState;
use jiesu_domain::workflow::{
    Caller, Case, Command, Ctx, DisclaimReason, DisclaimState, Note, Satisfaction, Stars, decide,
};
use rand::Rng;
use rand::rngs::StdRng;

use crate::request::{Plan, pick};

/// A request being lived: its case, its events so far, and the simulated clock.
struct Life<'p> {
    plan: &'p Plan,
    rng: StdRng,
    case: Case,
    events: Vec<Event>,
    t: DateTime<Utc>,
}

/// Ran out of simulated time: the request stays where it is.
struct Now;

type Step = Result<(), Now>;

pub(crate) fn live(plan: &Plan, index: u64) -> History {
    let mut rng = plan.rng(index);
    let new = plan.new_request(index, &mut rng);
    let admitted_at = new.received_at + Duration::milliseconds(rng.random_range(200..20_000));
    let admission = admit(new, &plan.district, admitted_at.min(plan.end));
    let mut life = Life {
        plan,
        rng,
        case: Case::admitted(&admission),
        events: admission.events,
        t: admitted_at.min(plan.end),
    };
    let _ = life.run();
    // The escalation scanner has run up to the present: late clocks have had their reminders.
    life.t = plan.end;
    life.scan();
    let tallies = jiesu_domain::rates::tally(&life.case, &plan.district);
    History { case: life.case, events: life.events, admitted_at: admitted_at.min(plan.end), tallies }
}

fn principal(username: &str, role: StaffRole, bureau: Option<jiesu_domain::bureau::BureauCode>) -> Principal {
    Principal {
        user_id: UserId::from_uuid(uuid::Uuid::nil()),
        username: Username::parse(username).expect("a valid username"),
        role,
        bureau,
    }
}

fn note(text: &str) -> Note {
    Note::parse(text).expect("a valid note")
}

impl Life<'_> {
    fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::seconds(self.rng.random_range(lo * 60..hi * 60))
    }

    /// Waits, then acts at the new time, unless that is past the present.
    fn wait(&mut self, d: Duration) -> Step {
        self.t += d;
        if self.t > self.plan.end { Err(Now) } else { Ok(()) }
    }

    /// Decides a command at the current time and applies it, as a commit would.
    fn act(&mut self, caller: Caller<'_>, command: Command) -> bool {
        self.scan();
        let ctx = Ctx { district: &self.plan.district, policy: &self.plan.policy, now: self.t };
        match decide(self.case.clone(), caller, command, &ctx) {
            Ok(change) if !change.is_empty() => {
                self.case.apply(&change);
                self.events.extend(change.events);
                true
            }
            _ => false,
        }
    }

    /// The escalation scanner, when one of the case's clocks has a step due.
    fn scan(&mut self) {
        let due = self.case.deadlines.iter().any(|d| d.next_action_at.is_some_and(|at| at <= self.t))
            || self.case.meetings.iter().any(|m| m.decide_by <= self.t);
        if due {
            let ctx = Ctx { district: &self.plan.district, policy: &self.plan.policy, now: self.t };
            if let Ok(change) = decide(self.case.clone(), Caller::System, Command::CheckClocks, &ctx)
                && !change.is_empty()
            {
                self.case.apply(&change);
                self.events.extend(change.events);
            }
        }
    }

    fn staff_of(&self, task: TaskId) -> Option<Principal> {
        let bureau = self.case.task(task)?.bureau.clone();
        let name: String = format!("staff.{}", bureau.as_str()).chars().take(32).collect();
        Some(principal(&name, StaffRole::BureauStaff, Some(bureau)))
    }

    fn run(&mut self) -> Step {
        let operator = principal("desk.operator", StaffRole::Operator, None);
        if self.case.request.status == RequestStatus::AwaitingDispatch {
            // The desk finds where the request is, and the rules route it.
            let d = self.minutes(20, 600);
            self.wait(d)?;
            let area = self.plan.leaf_areas[self.rng.random_range(0..self.plan.leaf_areas.len())].clone();
            let placed = note("根据来电人描述确定位置");
            self.act(
                Caller::Staff(&operator),
                Command::Dispatch { bureau: None, area: Some(area), category: None, note: Some(placed) },
            );
        }
        for _round in 0..4 {
            self.handle()?;
            self.close(&operator)?;
            if self.case.request.status != RequestStatus::Dispatched {
                break;
            }
        }
        Ok(())
    }

    /// The bureaus' part: the lead is disclaimed onward now and then, then claimed, worked on
    /// (progress, an extension now and then), and resolved with its assists.
    fn handle(&mut self) -> Step {
        for _ in 0..3 {
            let Some(lead) =
                self.case.active_lead().filter(|t| t.state == TaskState::Dispatched).map(|t| t.id)
            else {
                break;
            };
            // Most bureaus claim within a few hours; some leave it overnight or longer.
            let d =
                if self.rng.random_bool(0.08) { self.minutes(180, 60 * 30) } else { self.minutes(5, 180) };
            self.wait(d)?;
            let may_disclaim = self.case.next_candidate().is_some() && self.case.disclaims.len() < 2;
            if may_disclaim && self.rng.random_bool(0.12) {
                self.disclaim(lead)?;
                continue;
            }
            let staff = self.staff_of(lead).expect("the lead task exists");
            self.act(Caller::Staff(&staff), Command::Claim { task: lead });
        }
        let Some(lead) = self.case.active_lead().map(|t| t.id) else { return Ok(()) };
        let assists: Vec<TaskId> = self.case.active_assists().map(|t| t.id).collect();
        for &a in &assists {
            let staff = self.staff_of(a).expect("the assist task exists");
            let d = self.minutes(5, 600);
            self.wait(d)?;
            self.act(Caller::Staff(&staff), Command::Claim { task: a });
        }
        let staff = self.staff_of(lead).expect("the lead task exists");
        if self.rng.random_bool(0.6) {
            let d = self.minutes(60, 60 * 30);
            self.wait(d)?;
            self.act(
                Caller::Staff(&staff),
                Command::Progress { task: lead, note: note("已派员到现场核实"), photos: Vec::new() },
            );
        }
        if self.rng.random_bool(0.05) {
            self.extension(lead, &staff)?;
        }
        for &a in &assists {
            let staff = self.staff_of(a).expect("the assist task exists");
            let d = self.minutes(60, 60 * 48);
            self.wait(d)?;
            self.act(
                Caller::Staff(&staff),
                Command::Resolve { task: a, result: note("协办部分已完成"), photos: vec![] },
            );
        }
        // Most within the limit; some late, and the scanner's reminders come first.
        let days = if self.rng.random_bool(0.1) { 12 * 24 * 60 } else { 4 * 24 * 60 };
        let d = self.minutes(60, days);
        self.wait(d)?;
        self.act(
            Caller::Staff(&staff),
            Command::Resolve {
                task: lead, result: note("已处理完毕，现场恢复正常"), photos: vec![]
            },
        );
        Ok(())
    }

    fn disclaim(&mut self, lead: TaskId) -> Step {
        let staff = self.staff_of(lead).expect("the lead task exists");
        let reason = pick(
            &mut self.rng,
            &[
                (DisclaimReason::NotOurFunction, 50),
                (DisclaimReason::NotOurArea, 30),
                (DisclaimReason::UnclearOwnership, 12),
                (DisclaimReason::OverlappingDuties, 8),
            ],
        );
        let explanation = note("经核实不属于本单位职责范围");
        self.act(Caller::Staff(&staff), Command::Disclaim { task: lead, reason, explanation });
        if self.case.disclaims.iter().any(|d| d.state == DisclaimState::Pending) {
            // The desk reviews it: mostly accepted (routed onward), sometimes rejected.
            let d = self.minutes(10, 240);
            self.wait(d)?;
            let operator = principal("desk.operator", StaffRole::Operator, None);
            let accept = self.rng.random_bool(0.85);
            self.act(
                Caller::Staff(&operator),
                Command::ReviewDisclaim { task: lead, accept, to: None, note: None },
            );
        }
        // The escalation service reads every disclaim.
        self.act(Caller::System, Command::ReviewEscalations);
        Ok(())
    }

    fn extension(&mut self, task: TaskId, staff: &Principal) -> Step {
        let d = self.minutes(60, 60 * 48);
        self.wait(d)?;
        let days = self.rng.random_range(2..=10);
        let asked = self.act(
            Caller::Staff(staff),
            Command::RequestExtension { task, days, reason: note("需协调施工单位，申请延期") },
        );
        let Some(extension) = self.case.extensions.last().filter(|_| asked).map(|e| e.id) else {
            return Ok(());
        };
        let d = self.minutes(30, 60 * 24);
        self.wait(d)?;
        let supervisor = principal("supervisor", StaffRole::Supervisor, None);
        let approve = self.rng.random_bool(0.8);
        self.act(Caller::Staff(&supervisor), Command::DecideExtension { extension, approve, note: None });
        Ok(())
    }

    /// The desk's closure review and the return visit; a rejected result goes back to the bureau
    /// and is resolved again; an unsolved visit reopens the request (left to the next round).
    fn close(&mut self, operator: &Principal) -> Step {
        for _ in 0..3 {
            if self.case.request.status != RequestStatus::Resolved {
                break;
            }
            let d = self.minutes(30, 60 * 36);
            self.wait(d)?;
            let approve = self.rng.random_bool(0.95);
            let why = (!approve).then(|| note("处理结果与现场情况不符，请重新处理"));
            self.act(Caller::Staff(operator), Command::ReviewResolution { approve, note: why });
            if !approve && let Some(lead) = self.case.lead().map(|t| t.id) {
                let staff = self.staff_of(lead).expect("the lead task exists");
                let d = self.minutes(60, 60 * 72);
                self.wait(d)?;
                self.act(
                    Caller::Staff(&staff),
                    Command::Resolve { task: lead, result: note("已重新处理"), photos: vec![] },
                );
            }
        }
        if self.case.request.status != RequestStatus::Reviewed {
            return Ok(());
        }
        let d = self.minutes(60, 60 * 72);
        self.wait(d)?;
        let solved = self.rng.random_bool(0.93);
        let satisfaction = Some(pick(
            &mut self.rng,
            &[
                (Satisfaction::Satisfied, if solved { 78 } else { 5 }),
                (Satisfaction::BasicallySatisfied, if solved { 17 } else { 25 }),
                (Satisfaction::Dissatisfied, if solved { 5 } else { 70 }),
            ],
        ));
        let by_citizen = self.rng.random_bool(0.35);
        let comment = (!solved).then(|| note("问题没有解决"));
        // Citizens rate with stars on the tracking page, in line with the scale they chose.
        let stars = by_citizen.then(|| match satisfaction {
            Some(Satisfaction::Satisfied) => 5 - u8::from(self.rng.random_bool(0.2)),
            Some(Satisfaction::BasicallySatisfied) => 3 + u8::from(self.rng.random_bool(0.5)),
            _ => 1 + u8::from(self.rng.random_bool(0.4)),
        });
        let stars = stars.and_then(|n| Stars::new(n).ok());
        let command = Command::RecordVisit { solved, satisfaction, stars, comment };
        if by_citizen {
            self.act(Caller::Citizen, command);
        } else {
            self.act(Caller::Staff(operator), command);
        }
        Ok(())
    }
}
