//! The JSON shapes of the staff API: tasks in lists and in full, requests, routing explanations,
//! histories. Contact details are masked: staff see enough to call back through the platform,
//! never a citizen's full phone number or OpenID, nor the last four digits the tracking page asks
//! for. A confidential caller is named to the dispatch desk only.

use chrono::{DateTime, Utc};
use jiesu_domain::area::Placement;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::contact::Contact;
use jiesu_domain::deadline::Deadline;
use jiesu_domain::district::District;
use jiesu_domain::event::{Actor, Event, EventKind};
use jiesu_domain::request::Request;
use jiesu_domain::routing::Routing;
use jiesu_domain::sla::DeadlineKind;
use jiesu_domain::staff::{Principal, Scope};
use jiesu_domain::task::Task;
use jiesu_domain::workflow::{Case, Disclaim, Extension, ReturnVisit, VisitBy};
use jiesu_words::{Lang, bureau_name, describe_in_full};
use serde_json::{Value, json};

pub(crate) fn bureau(d: &District, code: &BureauCode) -> Value {
    json!({ "code": code.as_str(), "name": bureau_name(d, code, Lang::Zh), "name_en": bureau_name(d, code, Lang::En) })
}

fn due<'a>(deadlines: &'a [Deadline], task: &Task, kind: DeadlineKind) -> Option<&'a Deadline> {
    deadlines.iter().rev().find(|d| d.task_id == task.id && d.kind == kind)
}

fn clock(d: Option<&Deadline>, now: DateTime<Utc>) -> Value {
    match d {
        Some(d) => json!({
            "due_at": d.due_at, "state": d.state.as_str(), "settled_at": d.settled_at,
            "class": d.class.as_str(), "overdue": d.is_overdue(now),
        }),
        None => Value::Null,
    }
}

/// A request in brief, as task lists show it.
pub(crate) fn request_brief(d: &District, r: &Request) -> Value {
    let s = &r.submitted;
    let category = s.category.as_ref().map(|c| {
        let name = d.taxonomy().get(c).map(|x| x.name.clone());
        json!({ "code": c.as_str(), "name": name })
    });
    let area = r
        .area
        .as_ref()
        .map(|a| json!({ "code": a.as_str(), "name": d.areas().get(a).map(|x| x.name.clone()) }));
    let point = s.location.point();
    json!({
        "tracking": s.tracking.as_str(),
        "tracking_grouped": s.tracking.grouped(),
        "channel": s.channel.as_str(),
        "kind": s.kind.as_str(),
        "category": category,
        "title": s.details.title.as_ref().map(|t| t.as_str()),
        "description": s.description.as_str(),
        "address": s.location.address().map(|a| a.as_str()),
        "lat": point.map(|p| p.lat()),
        "long": point.map(|p| p.lon()),
        "area": area,
        "urgency": s.details.urgency.as_str(),
        "status": r.status.as_str(),
        "status_name": r.status.name_zh(),
        "received_at": s.received_at,
        "updated_at": r.updated_at,
    })
}

/// A task with its clocks and its request in brief.
pub(crate) fn task(d: &District, t: &Task, r: &Request, deadlines: &[Deadline], now: DateTime<Utc>) -> Value {
    json!({
        "id": t.id.to_string(),
        "bureau": bureau(d, &t.bureau),
        "role": t.role.as_str(),
        "state": t.state.as_str(),
        "binding": t.binding,
        "dispatched_at": t.dispatched_at,
        "updated_at": t.updated_at,
        "response": clock(due(deadlines, t, DeadlineKind::Response), now),
        "resolution": clock(due(deadlines, t, DeadlineKind::Resolution), now),
        "request": request_brief(d, r),
    })
}

fn placement(d: &District, p: &Placement) -> Value {
    let (by, keyword) = match p {
        Placement::Point { .. } => ("point", None),
        Placement::Named { .. } => ("named", None),
        Placement::Address { keyword, .. } => ("address", Some(keyword.as_str())),
    };
    let area = p.area();
    json!({ "by": by, "keyword": keyword, "area": area.as_str(), "area_name": d.areas().get(area).map(|a| a.name.clone()) })
}

/// Why each candidate is there, in order, and who has disclaimed.
pub(crate) fn routing(
    d: &District,
    r: &Routing,
    disclaims: &[Disclaim],
    placed: Option<&Placement>,
) -> Value {
    let candidates: Vec<Value> = r
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "rank": i + 1,
                "bureau": bureau(d, &c.bureau),
                "assists": c.assists.iter().map(|b| bureau(d, b)).collect::<Vec<_>>(),
                "reason": c.reason,
                "explanation": c.reason.explain(),
                "disclaimed": disclaims.iter().any(|x| x.bureau == c.bureau),
            })
        })
        .collect();
    json!({
        "placement": placed.map(|p| placement(d, p)),
        "candidates": candidates,
        "urgency": r.urgency.map(|u| u.as_str()),
        "time_limit": r.time_limit.as_ref().map(|c| c.as_str()),
    })
}

fn actor(a: &Actor) -> Value {
    match a {
        Actor::System => json!({ "type": "system" }),
        Actor::Citizen => json!({ "type": "citizen" }),
        Actor::User { username } => json!({ "type": "user", "username": username }),
    }
}

pub(crate) fn history(d: &District, events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            json!({
                "at": e.occurred_at,
                "type": e.kind.name(),
                "task_id": e.task_id.map(|t| t.to_string()),
                "actor": actor(&e.actor),
                "text": describe_in_full(e, d, Lang::Zh),
                "text_en": describe_in_full(e, d, Lang::En),
                "event": e,
            })
        })
        .collect()
}

fn disclaim(d: &District, x: &Disclaim) -> Value {
    json!({
        "id": x.id.to_string(), "task_id": x.task_id.to_string(), "bureau": bureau(d, &x.bureau),
        "reason": x.reason.as_str(), "reason_name": x.reason.name_zh(), "explanation": x.explanation.as_str(),
        "by": x.by, "at": x.at, "state": x.state.as_str(),
        "decided_by": x.decision.as_ref().map(|y| y.by.clone()),
        "decided_at": x.decision.as_ref().map(|y| y.at),
    })
}

pub(crate) fn extension(d: &District, e: &Extension) -> Value {
    json!({
        "id": e.id.to_string(), "task_id": e.task_id.to_string(), "bureau": bureau(d, &e.bureau),
        "days": e.days, "reason": e.reason.as_str(), "requested_by": e.requested_by, "requested_at": e.requested_at,
        "state": e.state.as_str(), "new_due": e.new_due,
        "decided_by": e.decision.as_ref().map(|y| y.by.clone()),
        "decided_at": e.decision.as_ref().map(|y| y.at),
        "note": e.decision.as_ref().and_then(|y| y.note.as_ref()).map(|n| n.as_str()),
    })
}

fn visit(v: &ReturnVisit) -> Value {
    let by = match &v.by {
        VisitBy::Citizen => json!({ "type": "citizen" }),
        VisitBy::Operator { username } => json!({ "type": "operator", "username": username }),
    };
    json!({
        "solved": v.solved, "satisfaction": v.satisfaction.map(|s| s.as_str()),
        "comment": v.comment.as_ref().map(|c| c.as_str()), "by": by, "at": v.at,
    })
}

/// The caller as this staff member may see them: masked always, and for a confidential (保密)
/// caller nothing at all but to the desk (`Principal::sees_confidential_callers`).
pub(crate) fn contact(contact: &Contact, viewer: &Principal) -> Value {
    if contact.confidential && !viewer.sees_confidential_callers() {
        return json!({ "name": CONFIDENTIAL, "phone": null, "wechat": null, "confidential": true });
    }
    json!({
        "name": contact.name.as_ref().map(|n| n.as_str()),
        "phone": contact.phone.as_ref().map(|p| p.masked()),
        "wechat": contact.openid.as_ref().map(|o| o.masked()),
        "confidential": contact.confidential,
    })
}

/// What stands for a confidential caller's name on the pages of those who may not see it.
pub(crate) const CONFIDENTIAL: &str = "保密";

/// The placement recorded by the latest routing event.
fn latest_placement(events: &[Event]) -> Option<&Placement> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::RequestRouted { placement, .. } => Some(placement.as_ref()),
        _ => None,
    })?
}

/// A whole case: the request (contact masked), every task with its clocks, the routing with its
/// explanation, disclaims, extensions, return visits, escalations and the history.
pub(crate) fn case(
    d: &District,
    c: &Case,
    events: &[Event],
    now: DateTime<Utc>,
    viewer: &Principal,
) -> Value {
    let mut request = request_brief(d, &c.request);
    request["contact"] = contact(&c.request.submitted.contact, viewer);
    request["media"] = c.request.submitted.media.iter().map(|m| m.as_str()).collect::<Vec<_>>().into();
    request["answers"] = answers(d, &c.request).into();
    json!({
        "request": request,
        "lead": c.lead().map(|t| bureau(d, &t.bureau)),
        "tasks": c.tasks.iter().map(|t| {
            let mut v = task(d, t, &c.request, &c.deadlines, now);
            if let Some(o) = v.as_object_mut() { o.remove("request"); }
            v
        }).collect::<Vec<_>>(),
        "routing": routing(d, &c.routing, &c.disclaims, latest_placement(events)),
        "disclaims": c.disclaims.iter().map(|x| disclaim(d, x)).collect::<Vec<_>>(),
        "extensions": c.extensions.iter().map(|e| extension(d, e)).collect::<Vec<_>>(),
        "return_visits": c.visits.iter().map(visit).collect::<Vec<_>>(),
        // Linked requests by id; `GET /api/v1/requests/{tracking}` adds their briefs.
        "escalations": super::escalation_view::escalations(d, &c.escalations, &[], &Scope::All),
        "meetings": c.meetings.iter().map(|m| super::escalation_view::meeting(d, m)).collect::<Vec<_>>(),
        "history": history(d, events),
    })
}

/// The citizen's answers to the category's extra questions ("how many lamps are out?"), with the
/// question and each listed value's name as the district words them today.
fn answers(d: &District, r: &Request) -> Vec<Value> {
    let s = &r.submitted;
    let defs =
        s.category.as_ref().and_then(|c| d.taxonomy().get(c)).map(|c| c.attributes.as_slice()).unwrap_or(&[]);
    s.attributes
        .iter()
        .map(|(code, values)| {
            let def = defs.iter().find(|x| &x.code == code);
            let name =
                |v: &String| def.and_then(|x| x.values.iter().find(|(k, _)| k == v)).map(|(_, n)| n.clone());
            json!({
                "code": code,
                "question": def.map(|x| x.description.clone()),
                "values": values.iter().map(|v| json!({ "value": v, "name": name(v) })).collect::<Vec<_>>(),
            })
        })
        .collect()
}
