//! Escalations and coordination meetings as the staff API shows them: what triggered an
//! escalation, where it stands, who answers for it, and, for a hotspot, the requests linked to it;
//! a meeting's invitees, agenda and decision. A linked request is shown in brief
//! (tracking number, status, place) only where the caller's scope reaches it; otherwise by id
//! alone, so a bureau's staff learn nothing of other bureaus' requests.

use chrono::{DateTime, Utc};
use jiesu_domain::district::District;
use jiesu_domain::escalation::{
    Agenda, Escalation, InviteReason, Meeting, MeetingDecision, MeetingPlace, Share,
};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::RequestView;
use jiesu_domain::staff::Scope;
use serde::Serialize;
use utoipa::ToSchema;

use super::view::{Bureau, RequestBrief, bureau, request_brief};

/// A request linked to an escalation (a hotspot's neighbours): its id, and its brief where the
/// caller's scope reaches it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkedRequest {
    #[serde(flatten)]
    pub brief: Option<RequestBrief>,
    pub id: String,
}

/// An escalation (升级事项).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscalationView {
    pub id: String,
    pub request_id: String,
    /// exhausted, ping_pong, deadline_missed, hotspot.
    pub trigger: String,
    pub trigger_name: String,
    /// open, meeting_called, decided, resolved, dismissed.
    pub state: String,
    /// The level (street, district) that answers for it.
    pub level: String,
    pub owner: Option<Bureau>,
    pub deadline_id: Option<String>,
    pub linked: Vec<LinkedRequest>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub age_hours: i64,
}

/// One escalation; `linked` holds whatever linked requests the caller loaded (none: ids only).
pub(crate) fn escalation(
    d: &District,
    e: &Escalation,
    linked: &[RequestView],
    scope: &Scope,
) -> EscalationView {
    EscalationView {
        id: e.id.to_string(),
        request_id: e.request_id.to_string(),
        trigger: e.trigger.as_str().to_owned(),
        trigger_name: e.trigger.name_zh().to_owned(),
        state: e.state.as_str().to_owned(),
        level: e.level.as_str().to_owned(),
        owner: e.owner.as_ref().map(|b| bureau(d, b)),
        deadline_id: e.deadline.map(|x| x.to_string()),
        linked: e.linked.iter().map(|id| linked_request(d, *id, linked, scope)).collect(),
        opened_at: e.opened_at,
        updated_at: e.updated_at,
        age_hours: (jiesu_domain::time::now() - e.opened_at).num_hours(),
    }
}

pub(crate) fn escalations(
    d: &District,
    list: &[Escalation],
    linked: &[RequestView],
    scope: &Scope,
) -> Vec<EscalationView> {
    list.iter().map(|e| escalation(d, e, linked, scope)).collect()
}

/// The ids of every request linked to these escalations, each once, to load their briefs.
pub(crate) fn linked_ids(list: &[Escalation]) -> Vec<RequestId> {
    let mut ids: Vec<RequestId> = Vec::new();
    for id in list.iter().flat_map(|e| e.linked.iter()) {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    ids
}

fn linked_request(d: &District, id: RequestId, loaded: &[RequestView], scope: &Scope) -> LinkedRequest {
    let reachable = |v: &&RequestView| scope.bureau().is_none_or(|b| v.tasks.iter().any(|t| &t.bureau == b));
    let brief = loaded.iter().filter(reachable).find(|v| v.request.submitted.id == id);
    LinkedRequest { brief: brief.map(|v| request_brief(d, &v.request)), id: id.to_string() }
}

/// A bureau's binding share of a meeting's decision: what it does, by when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShareView {
    pub bureau: Bureau,
    pub scope: String,
    pub due: DateTime<Utc>,
}

fn share(d: &District, s: &Share) -> ShareView {
    ShareView { bureau: bureau(d, &s.bureau), scope: s.scope.as_str().to_owned(), due: s.due }
}

/// A meeting's decision (会议纪要): binding shares and minutes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    pub lead: ShareView,
    pub assists: Vec<ShareView>,
    pub minutes: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    /// The rule proposed for the responsibility list, if the meeting proposed one.
    pub proposal: Option<String>,
}

fn decision(d: &District, x: &MeetingDecision) -> DecisionView {
    DecisionView {
        lead: share(d, &x.lead),
        assists: x.assists.iter().map(|s| share(d, s)).collect(),
        minutes: x.minutes.as_str().to_owned(),
        decided_by: x.decided_by.clone(),
        decided_at: x.decided_at,
        proposal: x.proposal.map(|p| p.to_string()),
    }
}

/// An invited bureau, why, and whether it confirmed and attended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteeView {
    pub bureau: Bureau,
    #[schema(value_type = String)]
    pub reason: InviteReason,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub attended: Option<bool>,
}

/// A coordination meeting (协调会).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingView {
    pub id: String,
    pub escalation_id: String,
    pub state: String,
    pub level: String,
    pub convener: Bureau,
    pub scheduled_at: DateTime<Utc>,
    pub decide_by: DateTime<Utc>,
    /// On site or not, the address and the point.
    #[schema(value_type = Object)]
    pub place: MeetingPlace,
    pub invitees: Vec<InviteeView>,
    /// The request, its routing, the disclaims so far.
    #[schema(value_type = Object)]
    pub agenda: Agenda,
    pub decision: Option<DecisionView>,
    pub called_at: DateTime<Utc>,
}

pub(crate) fn meeting(d: &District, m: &Meeting) -> MeetingView {
    MeetingView {
        id: m.id.to_string(),
        escalation_id: m.escalation_id.to_string(),
        state: m.state.as_str().to_owned(),
        level: m.level.as_str().to_owned(),
        convener: bureau(d, &m.convener),
        scheduled_at: m.scheduled_at,
        decide_by: m.decide_by,
        place: m.place.clone(),
        invitees: m
            .invitees
            .iter()
            .map(|i| InviteeView {
                bureau: bureau(d, &i.bureau),
                reason: i.reason,
                confirmed_at: i.confirmed_at,
                attended: i.attended,
            })
            .collect(),
        agenda: m.agenda.clone(),
        decision: m.decision.as_ref().map(|x| decision(d, x)),
        called_at: m.called_at,
    }
}
