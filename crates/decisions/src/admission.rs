//! Admitting a new request: place it, route it, dispatch the lead task, and write down why.
//! Pure: the dispatcher persists the result in one transaction.

use chrono::{DateTime, Utc};

use jiesu_calendar::deadline::Deadline;
use jiesu_calendar::desk::{DeskClock, DeskClockKind};
use jiesu_calendar::sla::DeadlineKind;
use jiesu_events::event::{Actor, AwaitReason, Event, EventKind, InferredCategory};
use jiesu_model::area::Placement;
use jiesu_model::request::{NewRequest, Request, RequestStatus, RequestTransition};
use jiesu_model::task::{Task, TaskRole};
use jiesu_routing::clocks::route_text;
use jiesu_routing::district::District;
use jiesu_routing::{RouteInput, Routing};

/// Everything the store writes for one new request, in one transaction.
#[derive(Debug, Clone)]
pub struct Admission {
    pub request: Request,
    pub tasks: Vec<Task>,
    /// The clocks of the tasks: claim by, resolve by.
    pub deadlines: Vec<Deadline>,
    /// The desk's clock when nothing placed it: place it by.
    pub desk_clocks: Vec<DeskClock>,
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
        let request = Request { submitted: new, area, status, updated_at: now };
        return Admission {
            request,
            tasks: Vec::new(),
            deadlines: Vec::new(),
            desk_clocks: Vec::new(),
            events,
            placement,
            routing,
        };
    }

    // A rule may say the matter is more urgent than the channel did; it never lowers it.
    if let Some(u) = routing.urgency.filter(|u| *u > new.details.urgency) {
        new.details.urgency = u;
    }
    events.push(event(
        None,
        EventKind::RequestRouted {
            placement: placement.clone(),
            routing: routing.clone(),
            category_inferred,
        },
    ));

    // Nothing placed it in the district: an operator finds where it is before anyone is sent.
    if placement.is_none() {
        events.push(event(None, EventKind::RequestAwaitingOperator { reason: AwaitReason::Unplaced }));
        let status = RequestStatus::Received
            .apply(RequestTransition::AwaitOperator)
            .unwrap_or(RequestStatus::AwaitingDispatch);
        let request = Request { submitted: new, area, status, updated_at: now };
        let limits = district.time_limits().desk();
        let clock =
            DeskClock::start(request_id, DeskClockKind::Placement, None, now, limits, district.calendar());
        return Admission {
            request,
            tasks: Vec::new(),
            deadlines: Vec::new(),
            desk_clocks: vec![clock],
            events,
            placement,
            routing,
        };
    }

    let lead = routing.lead();
    let mut tasks = vec![Task::dispatch(request_id, lead.bureau.clone(), TaskRole::Lead, now)];
    tasks.extend(lead.assists.iter().map(|b| Task::dispatch(request_id, b.clone(), TaskRole::Assist, now)));
    let clocks = district.clocks(routing.time_limit.as_ref(), new.details.urgency, now);
    let mut deadlines = Vec::with_capacity(tasks.len() * 2);
    for t in &tasks {
        for (kind, due) in
            [(DeadlineKind::Response, clocks.response), (DeadlineKind::Resolution, clocks.resolution)]
        {
            let d = Deadline::new(request_id, t.id, kind, clocks.class.clone(), due);
            deadlines.push(d.warned_from(now, &clocks.limit(kind), district.calendar()));
        }
        events.push(event(
            Some(t),
            EventKind::TaskDispatched {
                bureau: t.bureau.clone(),
                role: t.role,
                reason: lead.reason.clone(),
                response_due: Some(clocks.response),
                resolution_due: Some(clocks.resolution),
            },
        ));
    }

    // Received → Dispatched is always legal; going through the state machine keeps one source of truth.
    let status =
        RequestStatus::Received.apply(RequestTransition::Dispatch).unwrap_or(RequestStatus::Dispatched);
    Admission {
        request: Request { submitted: new, area, status, updated_at: now },
        tasks,
        deadlines,
        desk_clocks: Vec::new(),
        events,
        placement,
        routing,
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
