//! A rule a coordination meeting proposes for the responsibility list (category + area → lead and
//! assists), with the meeting as its provenance. A supervisor accepts it (possibly edited), or
//! declines it; accepted rules route the next request without a restart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::ids::RequestId;
use jiesu_model::note::{Decision, Note};

use jiesu_model::ids::MeetingId;
pub use jiesu_model::ids::ProposalId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    Proposed,
    /// In force: part of the responsibility list.
    Accepted,
    Declined,
}

impl ProposalState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Proposed, Self::Accepted, Self::Declined].into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedRule {
    pub id: ProposalId,
    /// The request whose meeting proposed it.
    pub request_id: RequestId,
    pub meeting_id: MeetingId,
    pub categories: Vec<CategoryCode>,
    pub areas: Vec<AreaCode>,
    pub lead: BureauCode,
    pub assists: Vec<BureauCode>,
    /// Why, in words (the meeting's reasoning).
    pub note: Option<Note>,
    pub state: ProposalState,
    pub proposed_at: DateTime<Utc>,
    /// The supervisor's acceptance or refusal.
    pub decision: Option<Decision>,
}
