//! Coordination meetings (协调会 / 吹哨报到): called by the convener, attended by every bureau that
//! disclaimed, the remaining candidates and the street office; their decision splits the job into
//! binding shares, each with its scope in words and its deadline.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use jiesu_model::area::AreaLevel;
use jiesu_model::bureau::BureauCode;
use jiesu_model::geo::GeoPoint;
use jiesu_model::ids::RequestId;
use jiesu_model::note::{DisclaimReason, Note};

pub use jiesu_model::ids::MeetingId;
use jiesu_model::ids::{EscalationId, ProposalId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingState {
    /// Called; invitees confirm; the convener may reschedule.
    Called,
    /// The convener recorded the decision.
    Decided,
    /// Not decided in time: it went to the next level.
    Lapsed,
}

impl MeetingState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Called => "called",
            Self::Decided => "decided",
            Self::Lapsed => "lapsed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Called, Self::Decided, Self::Lapsed].into_iter().find(|s| s.as_str() == raw)
    }
}

/// Why a bureau is invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteReason {
    /// It disclaimed the request: it states its reasons.
    Disclaimed,
    /// A candidate of the routing that has not disclaimed (yet).
    Candidate,
    /// The street office of the request's area (属地).
    StreetOffice,
    /// It convenes.
    Convener,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitee {
    pub bureau: BureauCode,
    pub reason: InviteReason,
    /// When the bureau confirmed it will attend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Whether it attended, as the minutes record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attended: Option<bool>,
}

/// Where the meeting takes place: on site (the request's location) unless the convener moves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingPlace {
    pub on_site: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<GeoPoint>,
}

/// One bureau's disclaim, as the agenda lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaDisclaim {
    pub bureau: BureauCode,
    pub reason: DisclaimReason,
    pub explanation: String,
    pub at: DateTime<Utc>,
}

/// What the meeting is to settle, generated when it is called.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agenda {
    pub tracking: String,
    pub summary: String,
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub disclaims: Vec<AgendaDisclaim>,
}

/// One bureau's binding share of the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub bureau: BureauCode,
    /// What this bureau does, in words ("installs the lamps").
    pub scope: Note,
    pub due: DateTime<Utc>,
}

/// The convener's record of the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingDecision {
    pub lead: Share,
    #[serde(default)]
    pub assists: Vec<Share>,
    pub minutes: Note,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    /// The rule proposed for the responsibility list, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<ProposalId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    pub id: MeetingId,
    pub request_id: RequestId,
    pub escalation_id: EscalationId,
    /// The level it is held at; a lapsed meeting is called again one level up.
    pub level: AreaLevel,
    pub convener: BureauCode,
    pub scheduled_at: DateTime<Utc>,
    /// Not decided by then: it lapses and goes to the next level.
    pub decide_by: DateTime<Utc>,
    pub place: MeetingPlace,
    pub state: MeetingState,
    pub invitees: Vec<Invitee>,
    pub agenda: Agenda,
    pub decision: Option<MeetingDecision>,
    pub called_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Meeting {
    pub fn invitee(&self, bureau: &BureauCode) -> Option<&Invitee> {
        self.invitees.iter().find(|i| &i.bureau == bureau)
    }
}
