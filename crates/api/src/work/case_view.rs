//! A whole case as the staff API shows it: the request (contact masked), every task with its
//! clocks, the routing with its explanation, disclaims, extensions, appeals and final replies,
//! return visits, escalations, meetings and the history. A confidential (保密) caller is named to the dispatch desk only.

use chrono::{DateTime, Utc};
use jiesu_domain::area::Placement;
use jiesu_domain::contact::Contact;
use jiesu_domain::district::District;
use jiesu_domain::event::{Actor, Event, EventKind};
use jiesu_domain::request::Request;
use jiesu_domain::staff::{Principal, Scope};
use jiesu_domain::workflow::{Case, Disclaim, Extension, ReturnVisit, VisitBy};
use jiesu_words::{Lang, describe_in_full};
use serde::Serialize;
use utoipa::ToSchema;

use super::escalation_view::{self, EscalationView, MeetingView};
use super::exemptions::{self, ExemptionView};
use super::view::{self, Bureau, CaseTask, RequestBrief, RoutingView};

/// Who did something: the system, the citizen, or a staff member by username.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ActorView {
    System,
    Citizen,
    User { username: String },
}

/// One entry of a request's history, in Chinese and English, with the event itself.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// The event's type (`request_routed`, `task_claimed`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    pub task_id: Option<String>,
    pub actor: ActorView,
    pub text: String,
    pub text_en: String,
    /// The event as stored.
    #[schema(value_type = Object)]
    pub event: Event,
}

fn actor(a: &Actor) -> ActorView {
    match a {
        Actor::System => ActorView::System,
        Actor::Citizen => ActorView::Citizen,
        Actor::User { username } => ActorView::User { username: username.clone() },
    }
}

pub(crate) fn history(d: &District, events: &[Event]) -> Vec<HistoryEntry> {
    events
        .iter()
        .map(|e| HistoryEntry {
            at: e.occurred_at,
            kind: e.kind.name().to_owned(),
            task_id: e.task_id.map(|t| t.to_string()),
            actor: actor(&e.actor),
            text: describe_in_full(e, d, Lang::Zh),
            text_en: describe_in_full(e, d, Lang::En),
            event: e.clone(),
        })
        .collect()
}

/// A bureau's disclaim (退单) and its review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisclaimView {
    pub id: String,
    pub task_id: String,
    pub bureau: Bureau,
    pub reason: String,
    pub reason_name: String,
    pub explanation: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn disclaim(d: &District, x: &Disclaim) -> DisclaimView {
    DisclaimView {
        id: x.id.to_string(),
        task_id: x.task_id.to_string(),
        bureau: view::bureau(d, &x.bureau),
        reason: x.reason.as_str().to_owned(),
        reason_name: x.reason.name_zh().to_owned(),
        explanation: x.explanation.as_str().to_owned(),
        by: x.by.clone(),
        at: x.at,
        state: x.state.as_str().to_owned(),
        decided_by: x.decision.as_ref().map(|y| y.by.clone()),
        decided_at: x.decision.as_ref().map(|y| y.at),
    }
}

/// A request for more time (延期申请) and its decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExtensionView {
    pub id: String,
    pub task_id: String,
    pub bureau: Bureau,
    /// Working days asked for.
    pub days: u32,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    /// pending, approved or refused.
    pub state: String,
    /// The resolution deadline once approved.
    pub new_due: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

pub(crate) fn extension(d: &District, e: &Extension) -> ExtensionView {
    ExtensionView {
        id: e.id.to_string(),
        task_id: e.task_id.to_string(),
        bureau: view::bureau(d, &e.bureau),
        days: e.days,
        reason: e.reason.as_str().to_owned(),
        requested_by: e.requested_by.clone(),
        requested_at: e.requested_at,
        state: e.state.as_str().to_owned(),
        new_due: e.new_due,
        decided_by: e.decision.as_ref().map(|y| y.by.clone()),
        decided_at: e.decision.as_ref().map(|y| y.at),
        note: e.decision.as_ref().and_then(|y| y.note.as_ref()).map(|n| n.as_str().to_owned()),
    }
}

/// Who made a return visit: the citizen (through their link) or an operator by phone.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitByView {
    Citizen,
    Operator { username: String },
}

/// A return visit (回访): solved or not, and how satisfied the citizen was.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitView {
    pub id: String,
    pub solved: bool,
    pub satisfaction: Option<String>,
    pub comment: Option<String>,
    pub by: VisitByView,
    pub at: DateTime<Utc>,
}

fn visit(v: &ReturnVisit) -> VisitView {
    let by = match &v.by {
        VisitBy::Citizen => VisitByView::Citizen,
        VisitBy::Operator { username } => VisitByView::Operator { username: username.clone() },
    };
    VisitView {
        id: v.id.to_string(),
        solved: v.solved,
        satisfaction: v.satisfaction.map(|s| s.as_str().to_owned()),
        comment: v.comment.as_ref().map(|c| c.as_str().to_owned()),
        by,
        at: v.at,
    }
}

/// The caller, masked: a phone's first three digits, a masked OpenID. For a confidential caller
/// seen by anyone but the desk, the name is `保密` and nothing else is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub wechat: Option<String>,
    pub confidential: bool,
}

/// The caller as this staff member may see them (`Principal::sees_confidential_callers`).
pub(crate) fn contact(contact: &Contact, viewer: &Principal) -> ContactView {
    if contact.confidential && !viewer.sees_confidential_callers() {
        return ContactView {
            name: Some(CONFIDENTIAL.to_owned()),
            phone: None,
            wechat: None,
            confidential: true,
        };
    }
    ContactView {
        name: contact.name.as_ref().map(|n| n.as_str().to_owned()),
        phone: contact.phone.as_ref().map(|p| p.masked()),
        wechat: contact.openid.as_ref().map(|o| o.masked()),
        confidential: contact.confidential,
    }
}

/// What stands for a confidential caller's name on the pages of those who may not see it.
pub(crate) const CONFIDENTIAL: &str = "保密";

/// One listed value of an answer, with the district's name for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerValue {
    pub value: String,
    pub name: Option<String>,
}

/// The citizen's answer to one of the category's extra questions ("how many lamps are out?").
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Answer {
    pub code: String,
    pub question: Option<String>,
    pub values: Vec<AnswerValue>,
}

/// The request of a case: in brief, with its contact, photos and answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseRequest {
    #[serde(flatten)]
    pub brief: RequestBrief,
    pub contact: ContactView,
    /// Photo URLs.
    pub media: Vec<String>,
    pub answers: Vec<Answer>,
}

/// Something the dispatch desk owes on the request, and by when (its clock, 时限).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskClockView {
    /// placement (待分拨), disclaim_review (退单审核), closure_review (结案审核).
    pub kind: String,
    /// The disclaimed task a disclaim review is about.
    pub task_id: Option<uuid::Uuid>,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// pending (running), met (the desk acted), cancelled (the request left the desk otherwise).
    pub state: String,
    pub settled_at: Option<DateTime<Utc>>,
    /// Run out and still running, or met late.
    pub overdue: bool,
}

fn desk_clock(k: &jiesu_domain::desk::DeskClock, now: DateTime<Utc>) -> DeskClockView {
    DeskClockView {
        kind: k.kind.as_str().to_owned(),
        task_id: k.task_id.map(|t| t.as_uuid()),
        started_at: k.started_at,
        due_at: k.due_at,
        state: k.state.as_str().to_owned(),
        settled_at: k.settled_at,
        overdue: k.is_overdue(now),
    }
}

/// A whole case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub request: CaseRequest,
    /// The lead bureau (主办), if any.
    pub lead: Option<Bureau>,
    pub tasks: Vec<CaseTask>,
    pub routing: RoutingView,
    pub disclaims: Vec<DisclaimView>,
    pub extensions: Vec<ExtensionView>,
    /// Appeals (申诉) and final replies (最终答复), oldest first.
    pub exemptions: Vec<ExemptionView>,
    pub return_visits: Vec<VisitView>,
    /// The desk's clocks, oldest started first.
    pub desk_clocks: Vec<DeskClockView>,
    /// Linked requests by id; `GET /api/v1/requests/{tracking}` adds their briefs.
    pub escalations: Vec<EscalationView>,
    pub meetings: Vec<MeetingView>,
    pub history: Vec<HistoryEntry>,
}

/// The placement recorded by the latest routing event.
fn latest_placement(events: &[Event]) -> Option<&Placement> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::RequestRouted { placement, .. } => Some(placement.as_ref()),
        _ => None,
    })?
}

pub(crate) fn case(
    d: &District,
    c: &Case,
    events: &[Event],
    now: DateTime<Utc>,
    viewer: &Principal,
) -> CaseView {
    let request = CaseRequest {
        brief: view::request_brief(d, &c.request),
        contact: contact(&c.request.submitted.contact, viewer),
        media: c.request.submitted.media.iter().map(|m| m.as_str().to_owned()).collect(),
        answers: answers(d, &c.request),
    };
    CaseView {
        request,
        lead: c.lead().map(|t| view::bureau(d, &t.bureau)),
        tasks: c.tasks.iter().map(|t| view::case_task(d, t, &c.deadlines, now)).collect(),
        routing: view::routing(d, &c.routing, &c.disclaims, latest_placement(events)),
        disclaims: c.disclaims.iter().map(|x| disclaim(d, x)).collect(),
        extensions: c.extensions.iter().map(|e| extension(d, e)).collect(),
        exemptions: c.exemptions.iter().map(|e| exemptions::exemption(d, e)).collect(),
        return_visits: c.visits.iter().map(visit).collect(),
        desk_clocks: c.desk_clocks.iter().map(|k| desk_clock(k, now)).collect(),
        escalations: escalation_view::escalations(d, &c.escalations, &[], &Scope::All),
        meetings: c.meetings.iter().map(|m| escalation_view::meeting(d, m)).collect(),
        history: history(d, events),
    }
}

/// The answers with the question and each listed value's name as the district words them today.
fn answers(d: &District, r: &Request) -> Vec<Answer> {
    let s = &r.submitted;
    let defs =
        s.category.as_ref().and_then(|c| d.taxonomy().get(c)).map(|c| c.attributes.as_slice()).unwrap_or(&[]);
    s.attributes
        .iter()
        .map(|(code, values)| {
            let def = defs.iter().find(|x| &x.code == code);
            let name =
                |v: &String| def.and_then(|x| x.values.iter().find(|(k, _)| k == v)).map(|(_, n)| n.clone());
            Answer {
                code: code.clone(),
                question: def.map(|x| x.description.clone()),
                values: values.iter().map(|v| AnswerValue { value: v.clone(), name: name(v) }).collect(),
            }
        })
        .collect()
}
