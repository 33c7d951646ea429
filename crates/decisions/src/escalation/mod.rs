//! Escalations (升级): a request no bureau will own, a deadline missed, or a hotspot of many
//! requests about one problem; and the coordination meetings (协调会) that settle the first kind.
//!
//! They belong to their request's case: every change to them goes through the workflow's version
//! check, so two escalation workers acting on one request cannot both open an escalation or call
//! a meeting. Unique keys in the store back this up: one escalation per request and trigger, one
//! meeting per escalation and level, a request in at most one hotspot.

mod adoption;
pub mod hotspot;
mod meeting;
mod policy;
mod proposal;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use jiesu_calendar::deadline::DeadlineId;
use jiesu_model::area::AreaLevel;
use jiesu_model::bureau::BureauCode;
use jiesu_model::ids::RequestId;

pub use adoption::{ProposalDecision, ProposalEdits, ProposalRefused, Verdict};
pub use hotspot::{Joined, Joining, Membership, Nearby, Neighbour, Subject};
pub use jiesu_events::trigger::Trigger;
pub use jiesu_model::ids::EscalationId;
pub use meeting::{
    Agenda, AgendaDisclaim, InviteReason, Invitee, Meeting, MeetingDecision, MeetingId, MeetingPlace,
    MeetingState, Share,
};
pub use policy::{EscalationPolicy, HotspotPolicy};
pub use proposal::{ProposalId, ProposalState, ProposedRule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationState {
    /// Opened; the authority at its level is to act.
    Open,
    /// A coordination meeting is called and not yet decided.
    MeetingCalled,
    /// A meeting decided the shares: binding tasks exist.
    Decided,
    /// What it was about is over (the late task was done, the request closed).
    Resolved,
    /// A supervisor closed it without action (a hotspot that is not one).
    Dismissed,
}

impl EscalationState {
    pub const ALL: [EscalationState; 5] =
        [Self::Open, Self::MeetingCalled, Self::Decided, Self::Resolved, Self::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::MeetingCalled => "meeting_called",
            Self::Decided => "decided",
            Self::Resolved => "resolved",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether someone still has to act on it.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::MeetingCalled)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    pub id: EscalationId,
    pub request_id: RequestId,
    pub trigger: Trigger,
    pub state: EscalationState,
    /// Where it stands in the area hierarchy: the authority at this level answers for it.
    pub level: AreaLevel,
    /// That authority: the default owner of the request's area at `level` (the community, the
    /// street office, the district's service centre).
    pub owner: Option<BureauCode>,
    /// The deadline whose miss opened it (deadline trigger).
    pub deadline: Option<DeadlineId>,
    /// Other requests about the same problem (hotspot trigger), oldest first: read from the
    /// hotspot's members, never written from here (joins add members without this case).
    pub linked: Vec<RequestId>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Escalation {
    pub fn open(
        request_id: RequestId,
        trigger: Trigger,
        level: AreaLevel,
        owner: Option<BureauCode>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: EscalationId::generate(),
            request_id,
            trigger,
            state: EscalationState::Open,
            level,
            owner,
            deadline: None,
            linked: Vec::new(),
            opened_at: now,
            updated_at: now,
        }
    }
}
