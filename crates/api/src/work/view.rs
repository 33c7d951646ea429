//! The JSON shapes of the staff API: bureaus, tasks in lists and in full, requests in brief,
//! routing explanations. Each is a `Serialize` type with its OpenAPI schema; the functions build
//! them from the domain. Contact details are masked: staff see enough to call back through the
//! platform, never a citizen's full phone number or OpenID, nor the last four digits the tracking
//! page asks for. A confidential caller is named to the dispatch desk only (see `case_view`).

use chrono::{DateTime, Utc};
use jiesu_domain::area::Placement;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::deadline::Deadline;
use jiesu_domain::district::District;
use jiesu_domain::request::Request;
use jiesu_domain::routing::{RouteReason, Routing};
use jiesu_domain::sla::DeadlineKind;
use jiesu_domain::task::Task;
use jiesu_domain::workflow::Disclaim;
use jiesu_words::{Lang, bureau_name};
use serde::Serialize;
use utoipa::ToSchema;

/// A bureau (委办局/街道), named in Chinese and English.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bureau {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

pub(crate) fn bureau(d: &District, code: &BureauCode) -> Bureau {
    Bureau {
        code: code.as_str().to_owned(),
        name: bureau_name(d, code, Lang::Zh),
        name_en: bureau_name(d, code, Lang::En),
    }
}

/// A code with the district's name for it (a category, an area); the name is null for a code
/// the district no longer knows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    pub code: String,
    pub name: Option<String>,
}

/// A task's response or resolution clock (时限).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Clock {
    pub due_at: DateTime<Utc>,
    /// running, met, missed, stopped ...
    pub state: String,
    pub settled_at: Option<DateTime<Utc>>,
    /// The time-limit class the deadline was computed with.
    pub class: String,
    /// Run out and still running.
    pub overdue: bool,
}

fn due<'a>(deadlines: &'a [Deadline], task: &Task, kind: DeadlineKind) -> Option<&'a Deadline> {
    deadlines.iter().rev().find(|d| d.task_id == task.id && d.kind == kind)
}

fn clock(d: Option<&Deadline>, now: DateTime<Utc>) -> Option<Clock> {
    d.map(|d| Clock {
        due_at: d.due_at,
        state: d.state.as_str().to_owned(),
        settled_at: d.settled_at,
        class: d.class.as_str().to_owned(),
        overdue: d.is_overdue(now),
    })
}

/// A request in brief, as task lists show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestBrief {
    /// The tracking number (工单编号), and the same grouped with dashes for reading out.
    pub tracking: String,
    pub tracking_grouped: String,
    pub channel: String,
    /// consultation, help, complaint, report, suggestion, praise.
    pub kind: String,
    pub category: Option<Named>,
    pub title: Option<String>,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    /// The street or community (街道/社区) it was placed in.
    pub area: Option<Named>,
    pub urgency: String,
    pub status: String,
    /// The status in Chinese, as citizens read it.
    pub status_name: String,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn request_brief(d: &District, r: &Request) -> RequestBrief {
    let s = &r.submitted;
    let category = s
        .category
        .as_ref()
        .map(|c| Named { code: c.as_str().to_owned(), name: d.taxonomy().get(c).map(|x| x.name.clone()) });
    let area = r
        .area
        .as_ref()
        .map(|a| Named { code: a.as_str().to_owned(), name: d.areas().get(a).map(|x| x.name.clone()) });
    let point = s.location.point();
    RequestBrief {
        tracking: s.tracking.as_str().to_owned(),
        tracking_grouped: s.tracking.grouped(),
        channel: s.channel.as_str().to_owned(),
        kind: s.kind.as_str().to_owned(),
        category,
        title: s.details.title.as_ref().map(|t| t.as_str().to_owned()),
        description: s.description.as_str().to_owned(),
        address: s.location.address().map(|a| a.as_str().to_owned()),
        lat: point.map(|p| p.lat()),
        long: point.map(|p| p.lon()),
        area,
        urgency: s.details.urgency.as_str().to_owned(),
        status: r.status.as_str().to_owned(),
        status_name: r.status.name_zh().to_owned(),
        received_at: s.received_at,
        updated_at: r.updated_at,
    }
}

/// A task (a bureau's share of a request) with its clocks, as a case lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseTask {
    pub id: String,
    pub bureau: Bureau,
    /// lead (主办) or assist (协办).
    pub role: String,
    /// dispatched, claimed, resolved, disclaim_requested, disclaimed, released, closed ...
    pub state: String,
    /// Set by a coordination meeting: it cannot be disclaimed.
    pub binding: bool,
    pub dispatched_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The response clock (签收时限); null when there is none.
    pub response: Option<Clock>,
    /// The resolution clock (办结时限); null when there is none.
    pub resolution: Option<Clock>,
}

/// A task with its clocks and its request in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskItem {
    #[serde(flatten)]
    pub task: CaseTask,
    pub request: RequestBrief,
}

pub(crate) fn case_task(d: &District, t: &Task, deadlines: &[Deadline], now: DateTime<Utc>) -> CaseTask {
    CaseTask {
        id: t.id.to_string(),
        bureau: bureau(d, &t.bureau),
        role: t.role.as_str().to_owned(),
        state: t.state.as_str().to_owned(),
        binding: t.binding,
        dispatched_at: t.dispatched_at,
        updated_at: t.updated_at,
        response: clock(due(deadlines, t, DeadlineKind::Response), now),
        resolution: clock(due(deadlines, t, DeadlineKind::Resolution), now),
    }
}

pub(crate) fn task(
    d: &District,
    t: &Task,
    r: &Request,
    deadlines: &[Deadline],
    now: DateTime<Utc>,
) -> TaskItem {
    TaskItem { task: case_task(d, t, deadlines, now), request: request_brief(d, r) }
}

/// Where the request was placed, and how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlacementView {
    /// point, named or address.
    pub by: String,
    /// The address keyword that placed it, for `address`.
    pub keyword: Option<String>,
    pub area: String,
    pub area_name: Option<String>,
}

fn placement(d: &District, p: &Placement) -> PlacementView {
    let (by, keyword) = match p {
        Placement::Point { .. } => ("point", None),
        Placement::Named { .. } => ("named", None),
        Placement::Address { keyword, .. } => ("address", Some(keyword.as_str().to_owned())),
    };
    let area = p.area();
    PlacementView {
        by: by.to_owned(),
        keyword,
        area: area.as_str().to_owned(),
        area_name: d.areas().get(area).map(|a| a.name.clone()),
    }
}

/// A candidate bureau of the responsibility list (责任清单), in order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    pub rank: usize,
    pub bureau: Bureau,
    pub assists: Vec<Bureau>,
    /// Which rule or fallback put it there (`by`: rule, default, ...).
    #[schema(value_type = Object)]
    pub reason: RouteReason,
    /// The same in words.
    pub explanation: String,
    /// This bureau has disclaimed (退单) the request.
    pub disclaimed: bool,
}

/// Why each candidate is there, in order, and who has disclaimed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoutingView {
    pub placement: Option<PlacementView>,
    pub candidates: Vec<Candidate>,
    pub urgency: Option<String>,
    pub time_limit: Option<String>,
}

pub(crate) fn routing(
    d: &District,
    r: &Routing,
    disclaims: &[Disclaim],
    placed: Option<&Placement>,
) -> RoutingView {
    let candidates = r
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| Candidate {
            rank: i + 1,
            bureau: bureau(d, &c.bureau),
            assists: c.assists.iter().map(|b| bureau(d, b)).collect(),
            reason: c.reason.clone(),
            explanation: c.reason.explain(),
            disclaimed: disclaims.iter().any(|x| x.bureau == c.bureau),
        })
        .collect();
    RoutingView {
        placement: placed.map(|p| placement(d, p)),
        candidates,
        urgency: r.urgency.map(|u| u.as_str().to_owned()),
        time_limit: r.time_limit.as_ref().map(|c| c.as_str().to_owned()),
    }
}
