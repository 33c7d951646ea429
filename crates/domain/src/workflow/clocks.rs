//! The district's answers the workflow needs about time and routing: the clocks of a new task,
//! an extension's new due time, and routing a stored request again.

use chrono::{DateTime, Duration, Utc};

use crate::area::AreaCode;
use crate::district::District;
use crate::request::{NewRequest, Urgency};
use crate::routing::Routing;
use crate::sla::TimeLimitClass;

/// Both clocks of a task dispatched now, and the class they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clocks {
    pub class: TimeLimitClass,
    pub response: DateTime<Utc>,
    pub resolution: DateTime<Utc>,
}

impl District {
    pub fn clocks(&self, class: Option<&TimeLimitClass>, urgency: Urgency, at: DateTime<Utc>) -> Clocks {
        let _ = urgency;
        let class = class.cloned().unwrap_or_else(|| TimeLimitClass::parse("general").expect("slug"));
        Clocks { class, response: at + Duration::days(1), resolution: at + Duration::days(7) }
    }

    pub fn extend_working_days(&self, due: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        due + Duration::days(i64::from(days))
    }

    /// Routes a stored request again, e.g. once an operator found its area.
    pub fn route_request(&self, new: &NewRequest, area: Option<&AreaCode>, _at: DateTime<Utc>) -> Routing {
        self.route(new.category.as_ref(), area)
    }
}
