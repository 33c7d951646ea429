//! The district's answers the decisions need about time and routing: the clocks of a new task,
//! an extension's new due time, routing a stored request again, and the text rules read.

use chrono::{DateTime, Utc};

use crate::district::District;
use crate::{RouteInput, Routing};
use jiesu_calendar::sla::{DeadlineKind, Limit, TimeLimitClass, deadlines};
use jiesu_model::area::AreaCode;
use jiesu_model::request::{NewRequest, Urgency};

/// Both clocks of a task dispatched now, and the class they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clocks {
    pub class: TimeLimitClass,
    pub response: DateTime<Utc>,
    pub resolution: DateTime<Utc>,
    /// How each was counted (hours, or working days): where its warning may fall.
    pub limits: (Limit, Limit),
}

impl Clocks {
    pub fn limit(&self, kind: DeadlineKind) -> Limit {
        match kind {
            DeadlineKind::Response => self.limits.0,
            DeadlineKind::Resolution => self.limits.1,
        }
    }
}

impl District {
    /// The clocks of a task dispatched at `at`: the rule's time-limit class (never slower than the
    /// urgency's own), counted on the district's working-day calendar.
    pub fn clocks(&self, class: Option<&TimeLimitClass>, urgency: Urgency, at: DateTime<Utc>) -> Clocks {
        let class = self.time_limits().choose(class, urgency);
        let due = deadlines(class, at, self.calendar());
        Clocks {
            class: class.code.clone(),
            response: due.response,
            resolution: due.resolution,
            limits: (class.response, class.resolution),
        }
    }

    /// A deadline moved by an approved extension of `days` working days.
    pub fn extend_working_days(&self, due: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        Limit::WorkingDays(days).extend(due, self.calendar())
    }

    /// Routes a stored request again, e.g. once an operator found its area. Hour windows are
    /// judged at the time the request was received, as when it was first routed.
    pub fn route_request(&self, new: &NewRequest, area: Option<&AreaCode>) -> Routing {
        self.route(&RouteInput {
            category: new.category.as_ref(),
            text: &route_text(new),
            area,
            kind: new.kind,
            channel: new.channel,
            at: new.received_at,
        })
    }
}

/// The words rules look for keywords in: the title (some channels have one) and the description,
/// on separate lines so that no keyword is found across the seam.
pub fn route_text(new: &NewRequest) -> String {
    match &new.details.title {
        Some(title) => format!("{}\n{}", title.as_str(), new.description.as_str()),
        None => new.description.as_str().to_owned(),
    }
}
