//! Events: every state change of a request or task, written in the same transaction as the change.
//! They are the audit trail (the history staff and citizens see) and, through the outbox, the
//! messages other services react to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use jiesu_calendar::deadline::DeadlineId;
use jiesu_calendar::desk::{DeskClockId, DeskClockKind};
use jiesu_calendar::sla::DeadlineKind;
use jiesu_model::area::{AreaCode, AreaLevel, Placement};
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::exemption::ExemptionKind;
use jiesu_model::ids::{
    EscalationId, EventId, ExemptionId, ExtensionId, MeetingId, ProposalId, RequestId, TaskId, TrackingNumber,
};
use jiesu_model::note::{DisclaimReason, Note, Satisfaction, Stars};
use jiesu_model::notice::Via;
use jiesu_model::request::{Channel, Kind};
use jiesu_model::task::TaskRole;
use jiesu_model::text::OperatorId;
use jiesu_routing::{RouteReason, Routing, RuleId};

/// Who made the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// Jiesu itself: the dispatcher, the escalation service.
    System,
    /// The citizen, through a channel.
    Citizen,
    /// A staff member, by username.
    User { username: String },
}

/// A category read from a request's words, and the keyword that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferredCategory {
    pub category: CategoryCode,
    pub keyword: String,
}

/// Why a person (not the rules) gave a task to a bureau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum AssignedWhy {
    /// The dispatch desk chose the bureau.
    Operator {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
    /// The dispatch desk took the lead from one bureau and gave it to another.
    Transfer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<BureauCode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
    /// Brought in to assist, by the desk or the lead bureau.
    Assist {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
    /// The citizen said "not solved": back to the bureau that resolved it (重办).
    Reopened,
    /// A coordination meeting's binding decision: this bureau's share of the job.
    Meeting { meeting: MeetingId, scope: Note },
}

/// Why a request waits for the dispatch desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AwaitReason {
    /// Neither its point, nor a named area, nor its address placed it in the district.
    Unplaced,
    /// The lead disclaimed it and the district has the desk review disclaims.
    DisclaimReview,
}

pub use crate::trigger::Trigger as EscalationTrigger;

/// Who a deadline reminder goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum ReminderTo {
    /// The administrators of the late bureau. Written as `admins_of`: the reminder is flattened
    /// into its event, which names the late bureau as `bureau` already, and a payload with the
    /// key twice cannot be read back.
    BureauAdmins {
        #[serde(rename = "admins_of")]
        bureau: BureauCode,
    },
    /// The district's supervisors.
    Supervisors,
    /// The dispatch desk's operators.
    Desk,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    RequestReceived {
        channel: Channel,
        tracking: TrackingNumber,
        kind: Kind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category: Option<CategoryCode>,
    },
    /// Where the request was placed (or that it could not be) and the candidate bureaus, in order.
    RequestRouted {
        placement: Option<Placement>,
        routing: Routing,
        /// Set when the channel gave no category code and one was read from its words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category_inferred: Option<InferredCategory>,
    },
    /// The dispatch desk corrected the request's category before placing it.
    RequestRecategorized {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<CategoryCode>,
        to: CategoryCode,
    },
    /// A consultation answered where it came in: closed on receipt, never dispatched.
    RequestAnswered {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operator: Option<OperatorId>,
    },
    /// The rules (or the next candidate in their order) gave the task to the bureau.
    TaskDispatched {
        bureau: BureauCode,
        role: TaskRole,
        reason: RouteReason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response_due: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution_due: Option<DateTime<Utc>>,
    },
    /// A person gave the task to the bureau.
    TaskAssigned {
        bureau: BureauCode,
        role: TaskRole,
        why: AssignedWhy,
        response_due: Option<DateTime<Utc>>,
        resolution_due: Option<DateTime<Utc>>,
    },
    RequestAwaitingOperator {
        reason: AwaitReason,
    },
    TaskClaimed {
        bureau: BureauCode,
    },
    TaskProgressed {
        bureau: BureauCode,
        note: Note,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<jiesu_model::request::MediaUrl>,
    },
    TaskResolved {
        bureau: BureauCode,
        result: Note,
        /// Photos of the result (older events have none).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<jiesu_model::request::MediaUrl>,
    },
    TaskDisclaimed {
        bureau: BureauCode,
        reason: DisclaimReason,
        explanation: Note,
        /// Waits for the dispatch desk rather than moving on at once.
        pending_review: bool,
    },
    DisclaimReviewed {
        bureau: BureauCode,
        accepted: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
    TaskCancelled {
        bureau: BureauCode,
    },
    TaskReleased {
        bureau: BureauCode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
    RequestEscalated {
        trigger: EscalationTrigger,
        /// The bureaus that disclaimed it, in order.
        #[serde(default)]
        disclaimed: Vec<BureauCode>,
    },
    ExtensionRequested {
        bureau: BureauCode,
        extension: ExtensionId,
        days: u32,
        reason: Note,
    },
    ExtensionDecided {
        bureau: BureauCode,
        extension: ExtensionId,
        approved: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_due: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
    /// A bureau appealed a return visit (申诉) or proposed its final reply (最终答复); a
    /// supervisor decides.
    ExemptionRequested {
        bureau: BureauCode,
        exemption: ExemptionId,
        exemption_kind: ExemptionKind,
        /// The appeal's reasons, or the final reply's text.
        reason: Note,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<jiesu_model::request::MediaUrl>,
    },
    /// A supervisor upheld or rejected an appeal, or approved or refused a final reply; granted,
    /// the request leaves the bureau's rates (and a final reply closes it).
    ExemptionDecided {
        bureau: BureauCode,
        exemption: ExemptionId,
        exemption_kind: ExemptionKind,
        granted: bool,
        note: Note,
    },
    /// The lead and every assist are done: the closure review may start.
    RequestResolved,
    ResolutionReviewed {
        approved: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
    ReturnVisitRecorded {
        solved: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        satisfaction: Option<Satisfaction>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stars: Option<Stars>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<Note>,
        by_phone: bool,
    },
    RequestReopened {
        bureau: BureauCode,
    },
    RequestClosed,
    /// An operator read the caller's full phone number, to call them back (every reading is
    /// recorded, with who and when: the event's actor and time).
    PhoneRevealed,
    /// The notify role's gateway took a notice (issue 16). `to` is the address masked
    /// (`138****5678`), never in full; `audience` and `topic` are the notification's keys
    /// (`citizen`, `bureau:water`; `received`, `new_task`).
    NoticeSent {
        via: Via,
        audience: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        topic: String,
    },
    /// A notice that will never go: its gateway refused it for good, its last try failed, or
    /// the request has no address to send it to. `error` is the gateway's code.
    NoticeGivenUp {
        via: Via,
        audience: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        topic: String,
        error: String,
    },
    /// Three quarters of a task's clock have gone and it is still running: the bureau is warned
    /// before it runs out.
    DeadlineApproaching {
        deadline: DeadlineId,
        bureau: BureauCode,
        kind: DeadlineKind,
        due_at: DateTime<Utc>,
    },
    /// A task's clock ran out and its chain moved: someone is reminded.
    DeadlineReminder {
        deadline: DeadlineId,
        bureau: BureauCode,
        kind: DeadlineKind,
        due_at: DateTime<Utc>,
        #[serde(flatten)]
        to: ReminderTo,
    },
    /// Something the dispatch desk owes (placing the request, reviewing a held disclaim or a
    /// result) ran out of time and its chain moved: someone is reminded.
    DeskReminder {
        clock: DeskClockId,
        kind: DeskClockKind,
        due_at: DateTime<Utc>,
        #[serde(flatten)]
        to: ReminderTo,
    },
    EscalationOpened {
        escalation: EscalationId,
        trigger: EscalationTrigger,
        level: AreaLevel,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<BureauCode>,
        /// For a hotspot: the other requests about the same problem.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        linked: Vec<RequestId>,
    },
    /// Later requests about a hotspot's problem were linked to it (the escalation stays one).
    HotspotLinked {
        escalation: EscalationId,
        /// The requests linked now, oldest first.
        linked: Vec<RequestId>,
    },
    /// Moved one level up the area hierarchy.
    EscalationRaised {
        escalation: EscalationId,
        level: AreaLevel,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<BureauCode>,
    },
    /// Nothing is left to raise it to: supervisors must act.
    EscalationOverdue {
        escalation: EscalationId,
    },
    EscalationClosed {
        escalation: EscalationId,
        /// `resolved` or `dismissed`.
        outcome: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
    MeetingCalled {
        meeting: MeetingId,
        level: AreaLevel,
        convener: BureauCode,
        scheduled_at: DateTime<Utc>,
        invitees: Vec<BureauCode>,
    },
    MeetingConfirmed {
        meeting: MeetingId,
        bureau: BureauCode,
    },
    MeetingRescheduled {
        meeting: MeetingId,
        scheduled_at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        place: Option<String>,
    },
    MeetingDecided {
        meeting: MeetingId,
        lead: BureauCode,
        #[serde(default)]
        assists: Vec<BureauCode>,
    },
    MeetingLapsed {
        meeting: MeetingId,
        level: AreaLevel,
    },
    RuleProposed {
        proposal: ProposalId,
        lead: BureauCode,
    },
    /// A supervisor accepted the rule a coordination meeting on this request proposed (as it was,
    /// or edited): it is part of the responsibility list from now on.
    RuleAccepted {
        proposal: ProposalId,
        meeting: MeetingId,
        /// The id the rule routes under, named by every routing it decides.
        rule: RuleId,
        categories: Vec<CategoryCode>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        areas: Vec<AreaCode>,
        lead: BureauCode,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        assists: Vec<BureauCode>,
        /// Whether the supervisor changed what the meeting proposed.
        edited: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
    /// A supervisor declined the rule a coordination meeting on this request proposed.
    RuleDeclined {
        proposal: ProposalId,
        meeting: MeetingId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Note>,
    },
}

impl EventKind {
    /// The stable name stored beside the payload and used as the routing key on the events topic.
    pub fn name(&self) -> &'static str {
        match self {
            Self::RequestReceived { .. } => "request_received",
            Self::RequestRouted { .. } => "request_routed",
            Self::RequestRecategorized { .. } => "request_recategorized",
            Self::RequestAnswered { .. } => "request_answered",
            Self::TaskDispatched { .. } => "task_dispatched",
            Self::TaskAssigned { .. } => "task_assigned",
            Self::RequestAwaitingOperator { .. } => "request_awaiting_operator",
            Self::TaskClaimed { .. } => "task_claimed",
            Self::TaskProgressed { .. } => "task_progressed",
            Self::TaskResolved { .. } => "task_resolved",
            Self::TaskDisclaimed { .. } => "task_disclaimed",
            Self::DisclaimReviewed { .. } => "disclaim_reviewed",
            Self::TaskCancelled { .. } => "task_cancelled",
            Self::TaskReleased { .. } => "task_released",
            Self::RequestEscalated { .. } => "request_escalated",
            Self::ExtensionRequested { .. } => "extension_requested",
            Self::ExtensionDecided { .. } => "extension_decided",
            Self::ExemptionRequested { .. } => "exemption_requested",
            Self::ExemptionDecided { .. } => "exemption_decided",
            Self::RequestResolved => "request_resolved",
            Self::ResolutionReviewed { .. } => "resolution_reviewed",
            Self::ReturnVisitRecorded { .. } => "return_visit_recorded",
            Self::RequestReopened { .. } => "request_reopened",
            Self::RequestClosed => "request_closed",
            Self::PhoneRevealed => "phone_revealed",
            Self::NoticeSent { .. } => "notice_sent",
            Self::NoticeGivenUp { .. } => "notice_given_up",
            Self::DeadlineApproaching { .. } => "deadline_approaching",
            Self::DeadlineReminder { .. } => "deadline_reminder",
            Self::DeskReminder { .. } => "desk_reminder",
            Self::EscalationOpened { .. } => "escalation_opened",
            Self::HotspotLinked { .. } => "hotspot_linked",
            Self::EscalationRaised { .. } => "escalation_raised",
            Self::EscalationOverdue { .. } => "escalation_overdue",
            Self::EscalationClosed { .. } => "escalation_closed",
            Self::MeetingCalled { .. } => "meeting_called",
            Self::MeetingConfirmed { .. } => "meeting_confirmed",
            Self::MeetingRescheduled { .. } => "meeting_rescheduled",
            Self::MeetingDecided { .. } => "meeting_decided",
            Self::MeetingLapsed { .. } => "meeting_lapsed",
            Self::RuleProposed { .. } => "rule_proposed",
            Self::RuleAccepted { .. } => "rule_accepted",
            Self::RuleDeclined { .. } => "rule_declined",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub request_id: RequestId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The id of the HTTP request that caused it (`x-request-id`), when one did: ties the audit
    /// trail to the logs. Never personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_request_id: Option<String>,
}

impl Event {
    pub fn new(
        request_id: RequestId,
        task_id: Option<TaskId>,
        actor: Actor,
        kind: EventKind,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: EventId::generate(),
            request_id,
            task_id,
            occurred_at: at,
            actor,
            kind,
            http_request_id: None,
        }
    }

    /// The routing key on the events topic: `event.<name>`.
    pub fn topic(&self) -> String {
        format!("event.{}", self.kind.name())
    }
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
