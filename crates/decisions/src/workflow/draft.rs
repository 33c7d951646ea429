//! The working copy a decision changes, and the `Change` it hands to the store: only the rows the
//! decision touched, plus its events, so a concurrent writer of other rows is not overwritten.

use chrono::{DateTime, Utc};

use crate::escalation::{Escalation, EscalationId, EscalationState, Meeting, MeetingId, ProposedRule, Share};
use jiesu_calendar::deadline::{Deadline, DeadlineState};
use jiesu_calendar::desk::{DeskClock, DeskClockId};
use jiesu_calendar::sla::DeadlineKind;
use jiesu_events::event::{Actor, AssignedWhy, Event, EventKind};
use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::ids::{RequestId, TaskId};
use jiesu_model::request::{RequestStatus, RequestTransition};
use jiesu_model::task::{Task, TaskAction, TaskRole};
use jiesu_routing::{RouteReason, Routing};

use super::Ctx;
use super::case::{Case, Disclaim, DisclaimId, Exemption, ExemptionId, Extension, ExtensionId, ReturnVisit};
use super::command::WorkflowError;

/// What a decision writes, in one transaction, if the request is still at `expected_version`.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub request_id: RequestId,
    pub expected_version: i64,
    pub status: RequestStatus,
    pub area: Option<AreaCode>,
    /// The request's category (the desk may correct it when it places the request).
    pub category: Option<CategoryCode>,
    pub routing: Routing,
    pub updated_at: DateTime<Utc>,
    /// New or changed rows.
    pub tasks: Vec<Task>,
    pub disclaims: Vec<Disclaim>,
    pub extensions: Vec<Extension>,
    pub exemptions: Vec<Exemption>,
    pub deadlines: Vec<Deadline>,
    pub desk_clocks: Vec<DeskClock>,
    pub visits: Vec<ReturnVisit>,
    pub escalations: Vec<Escalation>,
    pub meetings: Vec<Meeting>,
    /// Rules proposed by a meeting decided in this change (inserted once).
    pub proposals: Vec<ProposedRule>,
    /// Requests that join a hotspot (request, its escalation), inserted once. A request belongs to
    /// at most one hotspot: if another change put one of them in a hotspot first, the store refuses
    /// the whole change (`StoreError::Conflict`), and the trigger looks at the neighbours again.
    pub hotspot_members: Vec<(RequestId, EscalationId)>,
    pub events: Vec<Event>,
}

impl Change {
    /// Whether the decision found nothing to do: no row touched and nothing said (a redelivered
    /// event, a scan with nothing due). Such a change need not be written at all.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
            && self.disclaims.is_empty()
            && self.extensions.is_empty()
            && self.exemptions.is_empty()
            && self.deadlines.is_empty()
            && self.desk_clocks.is_empty()
            && self.visits.is_empty()
            && self.escalations.is_empty()
            && self.meetings.is_empty()
            && self.proposals.is_empty()
            && self.events.is_empty()
    }
}

/// Why a task went to a bureau: the routing's reason, or a person's decision.
pub(crate) enum Why {
    Routed(RouteReason),
    Assigned(AssignedWhy),
}

pub(crate) struct Draft<'a> {
    pub case: Case,
    pub ctx: &'a Ctx<'a>,
    pub actor: Actor,
    tasks: Vec<TaskId>,
    disclaims: Vec<DisclaimId>,
    extensions: Vec<ExtensionId>,
    exemptions: Vec<ExemptionId>,
    deadlines: Vec<jiesu_calendar::deadline::DeadlineId>,
    desk_clocks: Vec<DeskClockId>,
    escalations: Vec<EscalationId>,
    meetings: Vec<MeetingId>,
    visits: Vec<ReturnVisit>,
    pub proposals: Vec<ProposedRule>,
    pub hotspot_members: Vec<(RequestId, EscalationId)>,
    events: Vec<Event>,
}

fn touch<T: PartialEq + Copy>(list: &mut Vec<T>, id: T) {
    if !list.contains(&id) {
        list.push(id);
    }
}

impl<'a> Draft<'a> {
    pub fn new(case: Case, ctx: &'a Ctx<'a>, actor: Actor) -> Self {
        Self {
            case,
            ctx,
            actor,
            tasks: Vec::new(),
            disclaims: Vec::new(),
            extensions: Vec::new(),
            exemptions: Vec::new(),
            deadlines: Vec::new(),
            desk_clocks: Vec::new(),
            escalations: Vec::new(),
            meetings: Vec::new(),
            visits: Vec::new(),
            proposals: Vec::new(),
            hotspot_members: Vec::new(),
            events: Vec::new(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now
    }

    pub fn status(&self) -> RequestStatus {
        self.case.request.status
    }

    pub fn transition(&mut self, t: RequestTransition) -> Result<(), WorkflowError> {
        self.case.request.status = self.case.request.status.apply(t)?;
        Ok(())
    }

    pub fn event(&mut self, task: Option<TaskId>, kind: EventKind) {
        let e = Event::new(self.case.id(), task, self.actor.clone(), kind, self.ctx.now);
        self.events.push(e);
    }

    pub fn task(&self, id: TaskId) -> Result<&Task, WorkflowError> {
        self.case.task(id).ok_or(WorkflowError::NotFound("task"))
    }

    /// Applies an action to a task; settles its clocks when it ends one.
    pub fn act(&mut self, id: TaskId, action: TaskAction) -> Result<(), WorkflowError> {
        let now = self.ctx.now;
        let task = self.case.tasks.iter_mut().find(|t| t.id == id).ok_or(WorkflowError::NotFound("task"))?;
        task.act(action, now)?;
        let state = task.state;
        touch(&mut self.tasks, id);
        match action {
            TaskAction::Claim => self.settle(id, Some(DeadlineKind::Response), DeadlineState::Met),
            TaskAction::Resolve => self.settle(id, Some(DeadlineKind::Resolution), DeadlineState::Met),
            TaskAction::Reopen => self.rearm(id, DeadlineKind::Resolution),
            _ if state.is_final() => self.settle(id, None, DeadlineState::Cancelled),
            _ => {}
        }
        Ok(())
    }

    /// Settles a task's pending clocks (of one kind, or all); an escalation their miss opened is
    /// over with them.
    pub fn settle(&mut self, task: TaskId, kind: Option<DeadlineKind>, state: DeadlineState) {
        let now = self.ctx.now;
        let mut settled = Vec::new();
        for d in self.case.deadlines.iter_mut().filter(|d| {
            d.task_id == task && d.state == DeadlineState::Pending && kind.is_none_or(|k| k == d.kind)
        }) {
            d.state = state;
            d.settled_at = Some(now);
            d.next_action_at = None;
            touch(&mut self.deadlines, d.id);
            settled.push(d.id);
        }
        self.resolve_escalations_where(|e| {
            e.trigger == crate::escalation::Trigger::DeadlineMissed
                && e.deadline.is_some_and(|x| settled.contains(&x))
        });
    }

    /// Runs a settled clock again (a result the desk sent back): same due time. Its missed-deadline
    /// chain starts over, timed from now if the due time has passed (the bureau is late again from
    /// the moment the result came back, not from the old due time).
    fn rearm(&mut self, task: TaskId, kind: DeadlineKind) {
        let now = self.ctx.now;
        if let Some(d) = self.case.deadlines.iter_mut().rev().find(|d| d.task_id == task && d.kind == kind) {
            d.state = DeadlineState::Pending;
            d.settled_at = None;
            d.stage = 0;
            d.next_action_at = Some(d.due_at.max(now));
            touch(&mut self.deadlines, d.id);
        }
    }

    /// Moves a task's pending resolution deadline. Its chain starts over from the new due time
    /// (warned again three quarters of the way from now to it), and an escalation its miss opened
    /// is over: the clock is no longer missed.
    pub fn move_resolution_due(&mut self, task: TaskId, due: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let now = self.ctx.now;
        let d = self.case.deadlines.iter_mut().rev().find(|d| {
            d.task_id == task && d.kind == DeadlineKind::Resolution && d.state == DeadlineState::Pending
        })?;
        let (old, id) = (d.due_at, d.id);
        d.due_at = due;
        d.stage = 0;
        // An extension is counted in working days.
        let limit = jiesu_calendar::sla::Limit::WorkingDays(1);
        let warning = jiesu_calendar::deadline::warning_at(now, due, &limit, self.ctx.district.calendar());
        d.next_action_at = Some(warning.unwrap_or(due));
        touch(&mut self.deadlines, id);
        self.resolve_escalations_where(|e| {
            e.trigger == crate::escalation::Trigger::DeadlineMissed && e.deadline == Some(id)
        });
        Some(old)
    }

    /// What an escalation was about is over: the late clock was met, or the request closed.
    pub(crate) fn resolve_escalations_where(&mut self, applies: impl Fn(&Escalation) -> bool) {
        let now = self.now();
        let ids: Vec<_> =
            self.case.escalations.iter().filter(|e| e.state.is_open() && applies(e)).map(|e| e.id).collect();
        for id in ids {
            if let Some(e) = self.escalation_mut(id) {
                e.state = EscalationState::Resolved;
                e.updated_at = now;
            }
            self.event(
                None,
                EventKind::EscalationClosed { escalation: id, outcome: "resolved".into(), note: None },
            );
        }
    }

    pub fn resolution_due(&self, task: TaskId) -> Option<DateTime<Utc>> {
        self.case
            .deadlines
            .iter()
            .rev()
            .find(|d| {
                d.task_id == task && d.kind == DeadlineKind::Resolution && d.state == DeadlineState::Pending
            })
            .map(|d| d.due_at)
    }

    /// Creates a task for `bureau` with both its clocks running, and says why.
    pub fn dispatch(&mut self, bureau: BureauCode, role: TaskRole, why: Why) -> TaskId {
        self.dispatch_task(bureau, role, why, None)
    }

    /// A binding task, as a coordination meeting decided it: its share in words, its own
    /// resolution deadline, and no disclaiming it.
    pub fn dispatch_binding(&mut self, role: TaskRole, share: &Share, meeting: MeetingId) -> TaskId {
        let why = Why::Assigned(AssignedWhy::Meeting { meeting, scope: share.scope.clone() });
        self.dispatch_task(share.bureau.clone(), role, why, Some(share))
    }

    fn dispatch_task(
        &mut self,
        bureau: BureauCode,
        role: TaskRole,
        why: Why,
        share: Option<&Share>,
    ) -> TaskId {
        let now = self.ctx.now;
        let request = self.case.id();
        let mut task = Task::dispatch(request, bureau.clone(), role, now);
        if let Some(s) = share {
            task.binding = true;
            task.scope = Some(s.scope.clone());
        }
        let id = task.id;
        let urgency = self.case.request.submitted.details.urgency;
        let mut clocks = self.ctx.district.clocks(self.case.routing.time_limit.as_ref(), urgency, now);
        if let Some(s) = share {
            clocks.resolution = s.due;
            clocks.response = clocks.response.min(s.due);
        }
        for (kind, due) in
            [(DeadlineKind::Response, clocks.response), (DeadlineKind::Resolution, clocks.resolution)]
        {
            let d = Deadline::new(request, id, kind, clocks.class.clone(), due).warned_from(
                now,
                &clocks.limit(kind),
                self.ctx.district.calendar(),
            );
            touch(&mut self.deadlines, d.id);
            self.case.deadlines.push(d);
        }
        self.case.tasks.push(task);
        touch(&mut self.tasks, id);
        let (response_due, resolution_due) = (Some(clocks.response), Some(clocks.resolution));
        let kind = match why {
            Why::Routed(reason) => {
                EventKind::TaskDispatched { bureau, role, reason, response_due, resolution_due }
            }
            Why::Assigned(why) => EventKind::TaskAssigned { bureau, role, why, response_due, resolution_due },
        };
        self.event(Some(id), kind);
        id
    }

    pub fn add_disclaim(&mut self, d: Disclaim) {
        touch(&mut self.disclaims, d.id);
        self.case.disclaims.push(d);
    }

    pub fn disclaim_mut(&mut self, id: DisclaimId) -> Option<&mut Disclaim> {
        touch(&mut self.disclaims, id);
        self.case.disclaims.iter_mut().find(|d| d.id == id)
    }

    pub fn add_extension(&mut self, e: Extension) {
        touch(&mut self.extensions, e.id);
        self.case.extensions.push(e);
    }

    pub fn extension_mut(&mut self, id: ExtensionId) -> Option<&mut Extension> {
        touch(&mut self.extensions, id);
        self.case.extensions.iter_mut().find(|e| e.id == id)
    }

    pub fn add_exemption(&mut self, e: Exemption) {
        touch(&mut self.exemptions, e.id);
        self.case.exemptions.push(e);
    }

    pub fn exemption_mut(&mut self, id: ExemptionId) -> Option<&mut Exemption> {
        touch(&mut self.exemptions, id);
        self.case.exemptions.iter_mut().find(|e| e.id == id)
    }

    pub fn add_visit(&mut self, v: ReturnVisit) {
        self.case.visits.push(v.clone());
        self.visits.push(v);
    }

    pub fn add_escalation(&mut self, e: Escalation) {
        touch(&mut self.escalations, e.id);
        self.case.escalations.push(e);
    }

    pub fn escalation_mut(&mut self, id: EscalationId) -> Option<&mut Escalation> {
        touch(&mut self.escalations, id);
        self.case.escalations.iter_mut().find(|e| e.id == id)
    }

    pub fn add_meeting(&mut self, m: Meeting) {
        touch(&mut self.meetings, m.id);
        self.case.meetings.push(m);
    }

    pub fn meeting_mut(&mut self, id: MeetingId) -> Option<&mut Meeting> {
        touch(&mut self.meetings, id);
        self.case.meetings.iter_mut().find(|m| m.id == id)
    }

    pub fn deadline_mut(&mut self, id: jiesu_calendar::deadline::DeadlineId) -> Option<&mut Deadline> {
        touch(&mut self.deadlines, id);
        self.case.deadlines.iter_mut().find(|d| d.id == id)
    }

    pub fn add_desk_clock(&mut self, k: DeskClock) {
        touch(&mut self.desk_clocks, k.id);
        self.case.desk_clocks.push(k);
    }

    pub fn desk_clock_mut(&mut self, id: DeskClockId) -> Option<&mut DeskClock> {
        touch(&mut self.desk_clocks, id);
        self.case.desk_clocks.iter_mut().find(|k| k.id == id)
    }

    /// The change to write: the rows the decision touched and its events.
    pub fn finish(self) -> Change {
        let case = self.case;
        let pick = |ids: &[TaskId]| case.tasks.iter().filter(|t| ids.contains(&t.id)).cloned().collect();
        Change {
            request_id: case.id(),
            expected_version: case.version,
            status: case.request.status,
            area: case.request.area.clone(),
            category: case.request.submitted.category.clone(),
            routing: case.routing.clone(),
            updated_at: self.ctx.now,
            tasks: pick(&self.tasks),
            disclaims: case.disclaims.iter().filter(|d| self.disclaims.contains(&d.id)).cloned().collect(),
            extensions: case.extensions.iter().filter(|e| self.extensions.contains(&e.id)).cloned().collect(),
            exemptions: case.exemptions.iter().filter(|e| self.exemptions.contains(&e.id)).cloned().collect(),
            deadlines: case.deadlines.iter().filter(|d| self.deadlines.contains(&d.id)).cloned().collect(),
            desk_clocks: case
                .desk_clocks
                .iter()
                .filter(|k| self.desk_clocks.contains(&k.id))
                .cloned()
                .collect(),
            visits: self.visits,
            escalations: case
                .escalations
                .iter()
                .filter(|e| self.escalations.contains(&e.id))
                .cloned()
                .collect(),
            meetings: case.meetings.iter().filter(|m| self.meetings.contains(&m.id)).cloned().collect(),
            proposals: self.proposals,
            hotspot_members: self.hotspot_members,
            events: self.events,
        }
    }
}
