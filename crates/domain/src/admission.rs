//! Admitting a new request: place it, route it, dispatch the lead task, and write down why.
//! Pure: the dispatcher persists the result in one transaction.

use chrono::{DateTime, Utc};

use crate::area::Placement;
use crate::district::District;
use crate::event::{Actor, Event, EventKind, InferredCategory};
use crate::request::{NewRequest, Request, RequestStatus, RequestTransition};
use crate::routing::{RouteInput, Routing};
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

pub fn admit(mut new: NewRequest, district: &District, now: DateTime<Utc>) -> Admission {
    let category_inferred = infer_category(&mut new, district);
    let placement = district.place(&new.location, new.details.area_hint.as_ref());
    let area = placement.as_ref().map(|p| p.area().clone());
    let routing = district.route(&RouteInput {
        category: new.category.as_ref(),
        text: &route_text(&new),
        area: area.as_ref(),
        kind: new.kind,
        channel: new.channel,
        at: new.received_at,
    });
    let request_id = new.id;
    let event =
        |task: Option<&Task>, kind| Event::new(request_id, task.map(|t| t.id), Actor::System, kind, now);
    let mut events = vec![event(
        None,
        EventKind::RequestReceived {
            channel: new.channel,
            tracking: new.tracking.clone(),
            kind: new.kind,
            category: new.category.clone(),
        },
    )];

    // A consultation already answered at the channel is recorded closed, with nobody to dispatch to.
    if new.details.answer.is_some() {
        events.push(event(None, EventKind::RequestAnswered { operator: new.details.operator.clone() }));
        let status = RequestStatus::Received
            .apply(RequestTransition::AnswerOnReceipt)
            .unwrap_or(RequestStatus::Closed);
        return Admission {
            request: Request { submitted: new, area, status, updated_at: now },
            tasks: Vec::new(),
            events,
            placement,
            routing,
        };
    }

    let lead = routing.lead();
    let mut tasks = vec![Task::dispatch(request_id, lead.bureau.clone(), TaskRole::Lead, now)];
    tasks.extend(lead.assists.iter().map(|b| Task::dispatch(request_id, b.clone(), TaskRole::Assist, now)));
    events.push(event(
        None,
        EventKind::RequestRouted {
            placement: placement.clone(),
            routing: routing.clone(),
            category_inferred,
        },
    ));
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

/// The words rules look for keywords in: the title (some channels have one) and the description,
/// on separate lines so that no keyword is found across the seam.
fn route_text(new: &NewRequest) -> String {
    match &new.details.title {
        Some(title) => format!("{}\n{}", title.as_str(), new.description.as_str()),
        None => new.description.as_str().to_owned(),
    }
}

/// A request that came without a category code gets one from its words: the category text the
/// channel gave, else its description. The request keeps the inferred code; the event says why.
fn infer_category(new: &mut NewRequest, district: &District) -> Option<InferredCategory> {
    if new.category.is_some() {
        return None;
    }
    let text = new.details.category_text.as_ref().map_or(new.description.as_str(), |t| t.as_str());
    let (category, keyword) = district.taxonomy().infer(text)?;
    new.category = Some(category.code.clone());
    Some(InferredCategory { category: category.code.clone(), keyword: keyword.to_owned() })
}
