//! What staff and citizens ask the workflow to do, who they are, and the typed refusals.

use chrono::{DateTime, Utc};

use crate::escalation::{EscalationId, MeetingId, Neighbour, Share};
use jiesu_model::ValidationError;
use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::ids::{ExemptionId, TaskId, VisitId};
use jiesu_model::request::{IllegalRequestTransition, MediaUrl, RequestStatus};
use jiesu_model::staff::Principal;
use jiesu_model::task::TaskTransitionError;

use super::case::{DisclaimReason, ExtensionId, Note, Satisfaction, Stars};

/// What the convener records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionInput {
    pub lead: Share,
    pub assists: Vec<Share>,
    pub minutes: Note,
    /// The bureaus that attended.
    pub attended: Vec<BureauCode>,
    /// Propose a rule for the responsibility list: this category (and area) → this lead and these
    /// assists.
    pub propose_rule: bool,
}

/// Who is acting.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    Staff(&'a Principal),
    /// The citizen, who proved the request is theirs (tracking number + phone digits).
    Citizen,
    /// Jiesu itself: the escalation service.
    System,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    // --- the bureau's day -------------------------------------------------------------------
    /// 签收.
    Claim {
        task: TaskId,
    },
    /// A progress note (进展), optionally with photos already stored.
    Progress {
        task: TaskId,
        note: Note,
        photos: Vec<MediaUrl>,
    },
    /// 办结, with the result and photos of it.
    Resolve {
        task: TaskId,
        result: Note,
        photos: Vec<MediaUrl>,
    },
    /// 退单: "not ours".
    Disclaim {
        task: TaskId,
        reason: DisclaimReason,
        explanation: Note,
    },
    /// 延期申请: more working days past the resolution deadline.
    RequestExtension {
        task: TaskId,
        days: u32,
        reason: Note,
    },

    // --- exemptions (考核剔除), asked by the bureau that answers for the request ---------------
    /// 申诉: the bureau holds a 不满意 or "not solved" return visit unfair, with its reasons and
    /// evidence (photos already stored).
    Appeal {
        task: TaskId,
        visit: VisitId,
        reason: Note,
        photos: Vec<MediaUrl>,
    },
    /// 最终答复: the lead bureau's last word on an unreasonable repeat demand; approved by a
    /// supervisor, it closes the request.
    ProposeFinalReply {
        task: TaskId,
        reply: Note,
        photos: Vec<MediaUrl>,
    },

    // --- the dispatch desk ------------------------------------------------------------------
    /// Accept a pending disclaim (route onward, or to the named bureau) or reject it (the bureau
    /// must handle the task).
    ReviewDisclaim {
        task: TaskId,
        accept: bool,
        to: Option<BureauCode>,
        note: Option<Note>,
    },
    /// Place a request the rules could not place (awaiting dispatch, or escalated): to a named
    /// bureau, or by routing again with an area the operator found.
    Dispatch {
        bureau: Option<BureauCode>,
        area: Option<AreaCode>,
        /// The right category, when the citizen's (or the inference's) was wrong or missing.
        category: Option<CategoryCode>,
        note: Option<Note>,
    },
    /// Take the lead from its bureau and give it to another one.
    Transfer {
        to: BureauCode,
        note: Option<Note>,
    },
    /// Bring in an assisting bureau (operator, or the lead bureau asking for help).
    AddAssist {
        bureau: BureauCode,
        note: Option<Note>,
    },
    /// Let an assisting bureau go.
    ReleaseAssist {
        task: TaskId,
        note: Option<Note>,
    },
    /// 结案审核.
    ReviewResolution {
        approve: bool,
        note: Option<Note>,
    },

    // --- supervisors ------------------------------------------------------------------------
    DecideExtension {
        extension: ExtensionId,
        approve: bool,
        note: Option<Note>,
    },
    /// Uphold an appeal or approve a final reply (`grant`), or reject it; the note says why and is
    /// kept with the decision.
    DecideExemption {
        exemption: ExemptionId,
        grant: bool,
        note: Note,
    },

    // --- the return visit -------------------------------------------------------------------
    /// 回访: by the citizen on the tracking page, or an operator by phone.
    RecordVisit {
        solved: bool,
        satisfaction: Option<Satisfaction>,
        /// The citizen's 1-5 stars, beside the satisfaction scale.
        stars: Option<Stars>,
        comment: Option<Note>,
    },

    /// The desk reads the caller's full phone number (for the return visit by phone); recorded.
    RevealPhone,

    // --- escalation -------------------------------------------------------------------------
    /// The escalation service: open what the case calls for (exhausted, ping-pong) and call meetings.
    ReviewEscalations,
    /// The escalation service: move missed deadlines' chains and lapse overdue meetings.
    CheckClocks,
    /// The escalation service, on the anchor of a cluster of neighbours (its oldest request,
    /// which is among them): open a hotspot with the others linked, or link the ones its open
    /// hotspot lacks. Neighbours already in a hotspot are left where they are.
    FlagHotspot {
        cluster: Vec<Neighbour>,
    },
    /// An invitee's bureau confirms it attends.
    ConfirmMeeting {
        meeting: MeetingId,
    },
    /// The convener moves the meeting (and, with an address, off site).
    RescheduleMeeting {
        meeting: MeetingId,
        at: DateTime<Utc>,
        address: Option<String>,
    },
    /// The convener records the decision.
    DecideMeeting {
        meeting: MeetingId,
        decision: DecisionInput,
    },
    /// A supervisor closes an escalation without action.
    DismissEscalation {
        escalation: EscalationId,
        note: Option<Note>,
    },
    /// A supervisor closes an escalation as dealt with (a hotspot's problem fixed at its
    /// source, say), saying how: the note is required.
    ResolveEscalation {
        escalation: EscalationId,
        note: Note,
    },
}

impl Command {
    /// The task the command acts on, when it acts on one.
    pub fn task(&self) -> Option<TaskId> {
        match self {
            Self::Claim { task }
            | Self::Progress { task, .. }
            | Self::Resolve { task, .. }
            | Self::Disclaim { task, .. }
            | Self::RequestExtension { task, .. }
            | Self::Appeal { task, .. }
            | Self::ProposeFinalReply { task, .. }
            | Self::ReviewDisclaim { task, .. }
            | Self::ReleaseAssist { task, .. } => Some(*task),
            _ => None,
        }
    }
}

/// Why the workflow refused a command. Callers map these to their channel's errors (HTTP 404,
/// 403, 409, 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// No such task (or extension) on this request; for callers outside its bureau, the same.
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Task(#[from] TaskTransitionError),
    #[error(transparent)]
    Request(#[from] IllegalRequestTransition),
    #[error("{0} already disclaimed this request; a bureau disclaims a request once")]
    AlreadyDisclaimed(BureauCode),
    #[error("the request is {0:?}: {1}")]
    WrongStatus(RequestStatus, &'static str),
    #[error("an extension of this task is already waiting for a decision")]
    ExtensionPending,
    /// An appeal or final reply that cannot be asked now (one already waits, the request is
    /// already exempted, the visit was already appealed).
    #[error("{0}")]
    ExemptionConflict(&'static str),
    #[error("{0} is not a bureau of this district")]
    UnknownBureau(BureauCode),
    #[error("{0} already has an active task on this request")]
    AlreadyInvolved(BureauCode),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}
