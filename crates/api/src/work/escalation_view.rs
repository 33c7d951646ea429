//! The JSON shapes of escalations and coordination meetings.

use chrono::{DateTime, Utc};
use jiesu_domain::district::District;
use jiesu_domain::escalation::{Escalation, Meeting, MeetingDecision, Share};
use serde_json::{Value, json};

use super::view::bureau;

pub(crate) fn escalation(d: &District, e: &Escalation, now: DateTime<Utc>) -> Value {
    json!({
        "id": e.id.to_string(),
        "trigger": e.trigger.as_str(),
        "trigger_name": e.trigger.name_zh(),
        "state": e.state.as_str(),
        "level": e.level.as_str(),
        "level_name": e.level.name_zh(),
        "owner": e.owner.as_ref().map(|b| bureau(d, b)),
        "deadline_id": e.deadline.map(|x| x.to_string()),
        "linked": e.linked.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "opened_at": e.opened_at,
        "updated_at": e.updated_at,
        "age_hours": (now - e.opened_at).num_hours(),
    })
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
