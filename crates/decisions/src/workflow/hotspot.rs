//! The hotspot decision, taken on the anchor of a cluster (its oldest request): open one hotspot
//! escalation there with the other requests linked, or link later requests to the one it has.
//!
//! Taking it on the anchor's case is what makes it safe with several escalation workers: two
//! workers flagging one cluster decide on the same case, so the version check lets one open it
//! and makes the other decide again, on a case that now has it (and link what it adds). Two
//! workers flagging overlapping clusters on different anchors both try to make some request a
//! member; `hotspot_members` has the request as its primary key, so the store refuses one whole
//! change and that worker looks at the neighbours again (and joins the other hotspot).

use crate::escalation::{Escalation, EscalationId, Neighbour, Trigger};
use jiesu_events::event::EventKind;
use jiesu_model::area::AreaLevel;
use jiesu_model::ids::RequestId;
use jiesu_model::request::RequestStatus;

use super::command::WorkflowError;
use super::draft::Draft;
use super::escalate;

/// Flags the cluster on this case, its anchor. Does nothing when the trigger is off, when too few
/// requests are free to make a hotspot, when the anchor belongs to another hotspot, or when its
/// own hotspot was dismissed or resolved; leaves alone any member already in another hotspot.
pub(crate) fn flag(d: &mut Draft, cluster: &[Neighbour]) -> Result<(), WorkflowError> {
    let min = d.ctx.policy.escalation.hotspot.min_requests as usize;
    if min == 0 {
        return Ok(());
    }
    if d.status() == RequestStatus::Closed {
        return Err(WorkflowError::WrongStatus(RequestStatus::Closed, "a closed request anchors no hotspot"));
    }
    let anchor = d.case.id();
    // Oldest first, each once; a request in a hotspot (this one's or another) is not free.
    let mut free: Vec<&Neighbour> =
        cluster.iter().filter(|n| n.request != anchor && n.hotspot.is_none()).collect();
    free.sort_by_key(|n| (n.received_at, n.request));
    free.dedup_by_key(|n| n.request);
    let free: Vec<RequestId> = free.into_iter().map(|n| n.request).collect();
    match d.case.escalations.iter().find(|e| e.trigger == Trigger::Hotspot) {
        Some(e) if e.state.is_open() => {
            let id = e.id;
            let new: Vec<RequestId> = free.into_iter().filter(|r| !e.linked.contains(r)).collect();
            link(d, id, new);
        }
        // Dismissed (not a hotspot) or resolved (fixed): it stays closed, and the anchor, a
        // member of it, anchors no other. A problem that returns needs enough fresh reports.
        Some(_) => {}
        None => {
            let anchor_taken = cluster.iter().any(|n| n.request == anchor && n.hotspot.is_some());
            if !anchor_taken && 1 + free.len() >= min {
                open(d, free);
            }
        }
    }
    Ok(())
}

/// Opens the hotspot at the district level, owned by the convener (the district's request
/// service centre by default), and makes the anchor and every linked request its members.
fn open(d: &mut Draft, linked: Vec<RequestId>) {
    let level = AreaLevel::District;
    let owner = Some(escalate::convener(d, level));
    let mut e = Escalation::open(d.case.id(), Trigger::Hotspot, level, owner.clone(), d.now());
    e.linked = linked.clone();
    let id = e.id;
    d.hotspot_members.push((d.case.id(), id));
    d.hotspot_members.extend(linked.iter().map(|r| (*r, id)));
    d.add_escalation(e);
    d.event(
        None,
        EventKind::EscalationOpened { escalation: id, trigger: Trigger::Hotspot, level, owner, linked },
    );
}

/// Links later requests to the open hotspot: one escalation however many reports come.
fn link(d: &mut Draft, id: EscalationId, new: Vec<RequestId>) {
    if new.is_empty() {
        return;
    }
    let now = d.now();
    if let Some(e) = d.escalation_mut(id) {
        e.linked.extend(new.iter().copied());
        e.updated_at = now;
    }
    d.hotspot_members.extend(new.iter().map(|r| (*r, id)));
    d.event(None, EventKind::HotspotLinked { escalation: id, linked: new });
}
