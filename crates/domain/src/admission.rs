//! Admitting a new request: place it, route it, dispatch the lead task, and write down why.
//! Pure: the dispatcher persists the result in one transaction.

use chrono::{DateTime, Utc};

use crate::area::Placement;
use crate::district::District;
use crate::event::{Actor, Event, EventKind};
use crate::request::{NewRequest, Request, RequestStatus, RequestTransition};
use crate::routing::Routing;
use crate::task::{Task, TaskRole};

/// Everything the store writes for one new request, in one transaction.
#[derive(Debug, Clone)]
pub struct Admission {
    pub request: Request,
    pub tasks: Vec<Task>,
    pub events: Vec<Event>,
    pub placement: Option<Placement>,
    pub routing: Routing,
}

pub fn admit(new: NewRequest, district: &District, now: DateTime<Utc>) -> Admission {
    let placement = district.place(&new.location);
    let area = placement.as_ref().map(|p| p.area().clone());
    let routing = district.route(new.category.as_ref(), area.as_ref());
    let request_id = new.id;
    let lead = routing.lead();

    let mut tasks = vec![Task::dispatch(request_id, lead.bureau.clone(), TaskRole::Lead, now)];
    tasks.extend(lead.assists.iter().map(|b| Task::dispatch(request_id, b.clone(), TaskRole::Assist, now)));

    let event =
        |task: Option<&Task>, kind| Event::new(request_id, task.map(|t| t.id), Actor::System, kind, now);
    let mut events = vec![
        event(
            None,
            EventKind::RequestReceived {
                channel: new.channel,
                tracking: new.tracking.clone(),
                kind: new.kind,
                category: new.category.clone(),
            },
        ),
        event(None, EventKind::RequestRouted { placement: placement.clone(), routing: routing.clone() }),
    ];
    events.extend(tasks.iter().map(|t| {
        event(
            Some(t),
            EventKind::TaskDispatched { bureau: t.bureau.clone(), role: t.role, reason: lead.reason.clone() },
        )
    }));

    // Received → Dispatched is always legal; going through the state machine keeps one source of truth.
    let status =
        RequestStatus::Received.apply(RequestTransition::Dispatch).unwrap_or(RequestStatus::Dispatched);
    Admission {
        request: Request { submitted: new, area, status, updated_at: now },
        tasks,
        events,
        placement,
        routing,
    }
}
