//! What made a request an escalation. The event that opens an escalation names it, so it lives
//! with the events rather than with the escalation decisions that depend on them.

use serde::{Deserialize, Serialize};

/// What made a request an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Every candidate bureau disclaimed it.
    Exhausted,
    /// It was disclaimed over and over (N times), candidates or not.
    PingPong,
    /// A task was not claimed, or not resolved, in time.
    DeadlineMissed,
    /// Many open requests of one category close together: one problem to solve at its root.
    Hotspot,
    /// The dispatch desk did not place a request, or review a held disclaim or a result, in time.
    DeskOverdue,
}

impl Trigger {
    pub const ALL: [Trigger; 5] =
        [Self::Exhausted, Self::PingPong, Self::DeadlineMissed, Self::Hotspot, Self::DeskOverdue];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exhausted => "exhausted",
            Self::PingPong => "ping_pong",
            Self::DeadlineMissed => "deadline_missed",
            Self::Hotspot => "hotspot",
            Self::DeskOverdue => "desk_overdue",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Exhausted => "各单位均退单",
            Self::PingPong => "反复退单",
            Self::DeadlineMissed => "超期未办",
            Self::Hotspot => "热点问题",
            Self::DeskOverdue => "分拨台超时",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}
