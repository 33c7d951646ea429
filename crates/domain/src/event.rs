//! Events: every state change of a request or task, written in the same transaction as the change.
//! They are the audit trail (the history staff and citizens see) and, through the outbox, the
//! messages other services react to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::area::Placement;
use crate::bureau::BureauCode;
use crate::category::CategoryCode;
use crate::ids::{EventId, RequestId, TaskId, TrackingNumber};
use crate::request::{Channel, Kind};
use crate::routing::{RouteReason, Routing};
use crate::task::TaskRole;
use crate::text::OperatorId;

/// Who made the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// Jiesu itself: the dispatcher, the escalation service.
    System,
    /// The citizen, through a channel.
    Citizen,
    /// A staff member, by username.
    User { username: String },
}

/// A category read from a request's words, and the keyword that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferredCategory {
    pub category: CategoryCode,
    pub keyword: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    RequestReceived {
        channel: Channel,
        tracking: TrackingNumber,
        kind: Kind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category: Option<CategoryCode>,
    },
    /// Where the request was placed (or that it could not be) and the candidate bureaus, in order.
    RequestRouted {
        placement: Option<Placement>,
        routing: Routing,
        /// Set when the channel gave no category code and one was read from its words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category_inferred: Option<InferredCategory>,
    },
    /// A consultation answered where it came in: closed on receipt, never dispatched.
    RequestAnswered {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operator: Option<OperatorId>,
    },
    TaskDispatched {
        bureau: BureauCode,
        role: TaskRole,
        reason: RouteReason,
    },
}

impl EventKind {
    /// The stable name stored beside the payload and used as the routing key on the events topic.
    pub fn name(&self) -> &'static str {
        match self {
            Self::RequestReceived { .. } => "request_received",
            Self::RequestRouted { .. } => "request_routed",
            Self::RequestAnswered { .. } => "request_answered",
            Self::TaskDispatched { .. } => "task_dispatched",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub request_id: RequestId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    pub fn new(
        request_id: RequestId,
        task_id: Option<TaskId>,
        actor: Actor,
        kind: EventKind,
        at: DateTime<Utc>,
    ) -> Self {
        Self { id: EventId::generate(), request_id, task_id, occurred_at: at, actor, kind }
    }

    /// The routing key on the events topic: `event.<name>`.
    pub fn topic(&self) -> String {
        format!("event.{}", self.kind.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_with_their_type_name() {
        let e = Event::new(
            RequestId::generate(),
            None,
            Actor::System,
            EventKind::RequestReceived {
                channel: Channel::Open311,
                tracking: TrackingNumber::for_request(RequestId::generate()),
                kind: Kind::Help,
                category: None,
            },
            Utc::now(),
        );
        let json = serde_json::to_value(&e).expect("serializes");
        assert_eq!(json["type"], "request_received");
        assert_eq!(e.topic(), "event.request_received");
        let back: Event = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, e);
    }
}
