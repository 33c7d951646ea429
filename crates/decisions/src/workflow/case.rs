//! A case: one request with everything the workflow decides on (its tasks, disclaims, extensions,
//! deadlines, return visits and current routing) and the version the store checks on commit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::escalation::{Escalation, Meeting};
use jiesu_calendar::deadline::Deadline;
use jiesu_calendar::desk::DeskClock;
use jiesu_model::bureau::BureauCode;
pub use jiesu_model::exemption::{ExemptionKind, ExemptionState};
pub use jiesu_model::ids::{DisclaimId, ExemptionId, ExtensionId, VisitId};
use jiesu_model::ids::{RequestId, TaskId};
pub use jiesu_model::note::{Decision, DisclaimReason, Note, Satisfaction, Stars};
use jiesu_model::request::{MediaUrl, Request};
use jiesu_model::task::{Task, TaskRole};
use jiesu_routing::{Candidate, Routing};

/// Where a disclaim stands with the dispatch desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclaimState {
    /// Routed onward at once (the district's default).
    Automatic,
    /// Waits for an operator.
    Pending,
    Accepted,
    /// Refused: the bureau must handle the task.
    Rejected,
}

impl DisclaimState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Automatic => "automatic",
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Automatic, Self::Pending, Self::Accepted, Self::Rejected]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclaim {
    pub id: DisclaimId,
    pub request_id: RequestId,
    pub task_id: TaskId,
    pub bureau: BureauCode,
    pub reason: DisclaimReason,
    pub explanation: Note,
    /// The staff member's username.
    pub by: String,
    pub at: DateTime<Utc>,
    pub state: DisclaimState,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionState {
    Pending,
    Approved,
    Refused,
}

impl ExtensionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Refused => "refused",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Refused].into_iter().find(|s| s.as_str() == raw)
    }
}

/// A bureau's request for more time on a task (延期申请), for a supervisor to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub id: ExtensionId,
    pub request_id: RequestId,
    pub task_id: TaskId,
    pub bureau: BureauCode,
    /// Working days asked for, counted past the current resolution deadline.
    pub days: u32,
    pub reason: Note,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub state: ExtensionState,
    pub decision: Option<Decision>,
    /// The resolution deadline after approval.
    pub new_due: Option<DateTime<Utc>>,
}

/// A bureau's appeal of a return visit (申诉) or its final reply (最终答复), for a supervisor to
/// decide. Granted, the request counts nothing towards the bureau's rates (`jiesu_rates::tally`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    pub id: ExemptionId,
    pub request_id: RequestId,
    /// The bureau's task it was asked from (its lead task).
    pub task_id: TaskId,
    pub bureau: BureauCode,
    pub kind: ExemptionKind,
    /// The return visit appealed (an appeal only).
    pub visit: Option<VisitId>,
    /// The appeal's reasons, or the final reply's text (which the citizen reads).
    pub reason: Note,
    /// Evidence: photos already stored.
    pub photos: Vec<MediaUrl>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub state: ExemptionState,
    pub decision: Option<Decision>,
}

/// How a return visit was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum VisitBy {
    /// The citizen answered on the tracking page.
    Citizen,
    /// An operator called the citizen and recorded the answers.
    Operator { username: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnVisit {
    pub id: VisitId,
    pub request_id: RequestId,
    pub solved: bool,
    pub satisfaction: Option<Satisfaction>,
    pub stars: Option<Stars>,
    pub comment: Option<Note>,
    pub by: VisitBy,
    pub at: DateTime<Utc>,
}

/// Everything about one request that the workflow reads to decide.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub request: Request,
    /// Bumped by every committed change: a change decided on an older version is refused.
    pub version: i64,
    /// Oldest first.
    pub tasks: Vec<Task>,
    pub disclaims: Vec<Disclaim>,
    pub extensions: Vec<Extension>,
    /// Appeals and final replies, oldest first.
    pub exemptions: Vec<Exemption>,
    pub deadlines: Vec<Deadline>,
    /// What the dispatch desk owes on it, and by when; oldest started first.
    pub desk_clocks: Vec<DeskClock>,
    pub visits: Vec<ReturnVisit>,
    /// The candidates of the latest routing decision, in order.
    pub routing: Routing,
    /// At most one per trigger.
    pub escalations: Vec<Escalation>,
    /// Oldest first.
    pub meetings: Vec<Meeting>,
}

impl Case {
    pub fn id(&self) -> RequestId {
        self.request.submitted.id
    }

    pub fn task(&self, id: TaskId) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// The lead task that still owes work, if any.
    pub fn active_lead(&self) -> Option<&Task> {
        self.tasks.iter().rev().find(|t| t.role == TaskRole::Lead && t.state.is_active())
    }

    /// The lead task that answers for the request now: the active one, else the latest lead that
    /// was not sent back (a resolved one), else none.
    pub fn lead(&self) -> Option<&Task> {
        jiesu_model::task::current_lead(&self.tasks)
    }

    pub fn active_assists(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(|t| t.role == TaskRole::Assist && t.state.is_active())
    }

    pub fn has_disclaimed(&self, bureau: &BureauCode) -> bool {
        self.disclaims.iter().any(|d| &d.bureau == bureau)
    }

    /// The next candidate to try: the first in routing order that has not disclaimed and does not
    /// hold the lead now.
    pub fn next_candidate(&self) -> Option<&Candidate> {
        let holding = self.active_lead().map(|t| &t.bureau);
        self.routing.candidates.iter().find(|c| !self.has_disclaimed(&c.bureau) && Some(&c.bureau) != holding)
    }

    pub fn pending_disclaim(&self, task: TaskId) -> Option<&Disclaim> {
        self.disclaims.iter().find(|d| d.task_id == task && d.state == DisclaimState::Pending)
    }

    /// The bureaus a supervisor exempted this request for: it counts towards none of their rates.
    pub fn exempted(&self) -> impl Iterator<Item = &BureauCode> {
        self.exemptions.iter().filter(|e| e.state == ExemptionState::Granted).map(|e| &e.bureau)
    }
}

impl Case {
    /// The case as it will read back after `change` is committed (for callers that decide several
    /// commands in a row without a store, such as tests and simulations): every row of the change
    /// replaces the row with its id or joins the case, in the order the store lists them (by
    /// time, then id), and the version moves on by one.
    pub fn apply(&mut self, change: &super::Change) {
        self.version += 1;
        self.request.status = change.status;
        self.request.area = change.area.clone();
        self.request.submitted.category = change.category.clone();
        self.request.updated_at = change.updated_at;
        self.routing = change.routing.clone();
        upsert(&mut self.tasks, &change.tasks, |t| t.id, |t| (t.dispatched_at, t.id.as_uuid()));
        upsert(&mut self.disclaims, &change.disclaims, |d| d.id, |d| (d.at, d.id.as_uuid()));
        upsert(&mut self.extensions, &change.extensions, |e| e.id, |e| (e.requested_at, e.id.as_uuid()));
        upsert(&mut self.exemptions, &change.exemptions, |e| e.id, |e| (e.requested_at, e.id.as_uuid()));
        upsert(&mut self.deadlines, &change.deadlines, |d| d.id, |d| (d.due_at, d.id.as_uuid()));
        upsert(&mut self.desk_clocks, &change.desk_clocks, |k| k.id, |k| (k.started_at, k.id.as_uuid()));
        upsert(&mut self.visits, &change.visits, |v| v.id, |v| (v.at, v.id.as_uuid()));
        upsert(&mut self.escalations, &change.escalations, |e| e.id, |e| (e.opened_at, e.id.as_uuid()));
        upsert(&mut self.meetings, &change.meetings, |m| m.id, |m| (m.called_at, m.id.as_uuid()));
    }

    /// The case as the store holds it once `change` is committed, worked out without reading it
    /// back (`apply`). `None` where the store alone knows the outcome: a hotspot's linked
    /// requests (joins add members without this case), so any change to escalations, meetings,
    /// proposed rules or members; read the case again then. A contract test holds this equal to
    /// a fresh load on every adapter.
    pub fn committed(mut self, change: &super::Change) -> Option<Self> {
        let known_here = change.escalations.is_empty()
            && change.meetings.is_empty()
            && change.proposals.is_empty()
            && change.hotspot_members.is_empty();
        known_here.then(|| {
            self.apply(change);
            self
        })
    }

    /// The case of a request just admitted (nothing decided on it yet).
    pub fn admitted(a: &crate::admission::Admission) -> Self {
        Self {
            request: a.request.clone(),
            version: 0,
            tasks: a.tasks.clone(),
            disclaims: Vec::new(),
            extensions: Vec::new(),
            exemptions: Vec::new(),
            deadlines: a.deadlines.clone(),
            desk_clocks: a.desk_clocks.clone(),
            visits: Vec::new(),
            routing: a.routing.clone(),
            escalations: Vec::new(),
            meetings: Vec::new(),
        }
    }
}

/// Rows replaced or added by id, then ordered as the store lists them.
fn upsert<T: Clone, I: PartialEq, K: Ord>(
    rows: &mut Vec<T>,
    new: &[T],
    id: impl Fn(&T) -> I,
    key: impl Fn(&T) -> K,
) {
    if new.is_empty() {
        return;
    }
    for n in new {
        match rows.iter_mut().find(|r| id(r) == id(n)) {
            Some(r) => *r = n.clone(),
            None => rows.push(n.clone()),
        }
    }
    rows.sort_by_key(|r| key(r));
}
