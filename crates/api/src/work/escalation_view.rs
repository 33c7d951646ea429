//! Escalations and coordination meetings as the staff API shows them: what triggered an
//! escalation, where it stands, who answers for it, and, for a hotspot, the requests linked to it;
//! a meeting's invitees, agenda and decision. A linked request is shown in brief
//! (tracking number, status, place) only where the caller's scope reaches it; otherwise by id
//! alone, so a bureau's staff learn nothing of other bureaus' requests.

use jiesu_domain::district::District;
use jiesu_domain::escalation::{Escalation, Meeting, MeetingDecision, Share};
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::RequestView;
use jiesu_domain::staff::Scope;
use serde_json::{Value, json};

use super::view::{bureau, request_brief};

/// One escalation; `linked` holds whatever linked requests the caller loaded (none: ids only).
pub(crate) fn escalation(d: &District, e: &Escalation, linked: &[RequestView], scope: &Scope) -> Value {
    json!({
        "id": e.id.to_string(),
        "request_id": e.request_id.to_string(),
        "trigger": e.trigger.as_str(),
        "trigger_name": e.trigger.name_zh(),
        "state": e.state.as_str(),
        "level": e.level.as_str(),
        "owner": e.owner.as_ref().map(|b| bureau(d, b)),
        "deadline_id": e.deadline.map(|x| x.to_string()),
        "linked": e.linked.iter().map(|id| linked_request(d, *id, linked, scope)).collect::<Vec<_>>(),
        "opened_at": e.opened_at,
        "updated_at": e.updated_at,
        "age_hours": (jiesu_domain::time::now() - e.opened_at).num_hours(),
    })
}

pub(crate) fn escalations(d: &District, list: &[Escalation], linked: &[RequestView], scope: &Scope) -> Value {
    list.iter().map(|e| escalation(d, e, linked, scope)).collect::<Vec<_>>().into()
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

fn linked_request(d: &District, id: RequestId, loaded: &[RequestView], scope: &Scope) -> Value {
    let reachable = |v: &&RequestView| scope.bureau().is_none_or(|b| v.tasks.iter().any(|t| &t.bureau == b));
    match loaded.iter().filter(reachable).find(|v| v.request.submitted.id == id) {
        Some(v) => {
            let mut brief = request_brief(d, &v.request);
            brief["id"] = id.to_string().into();
            brief
        }
        None => json!({ "id": id.to_string() }),
    }
}

fn share(d: &District, s: &Share) -> Value {
    json!({ "bureau": bureau(d, &s.bureau), "scope": s.scope.as_str(), "due": s.due })
}

fn decision(d: &District, x: &MeetingDecision) -> Value {
    json!({
        "lead": share(d, &x.lead),
        "assists": x.assists.iter().map(|s| share(d, s)).collect::<Vec<_>>(),
        "minutes": x.minutes.as_str(),
        "decided_by": x.decided_by,
        "decided_at": x.decided_at,
        "proposal": x.proposal.map(|p| p.to_string()),
    })
}

pub(crate) fn meeting(d: &District, m: &Meeting) -> Value {
    json!({
        "id": m.id.to_string(),
        "escalation_id": m.escalation_id.to_string(),
        "state": m.state.as_str(),
        "level": m.level.as_str(),
        "convener": bureau(d, &m.convener),
        "scheduled_at": m.scheduled_at,
        "decide_by": m.decide_by,
        "place": m.place,
        "invitees": m.invitees.iter().map(|i| json!({
            "bureau": bureau(d, &i.bureau),
            "reason": i.reason,
            "confirmed_at": i.confirmed_at,
            "attended": i.attended,
        })).collect::<Vec<_>>(),
        "agenda": m.agenda,
        "decision": m.decision.as_ref().map(|x| decision(d, x)),
        "called_at": m.called_at,
    })
}
