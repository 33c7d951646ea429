//! Exemptions from a bureau's rates (考核剔除): what a bureau may ask a supervisor to leave out of
//! its figures, and where the asking stands.

use serde::{Deserialize, Serialize};

/// What the bureau asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExemptionKind {
    /// 申诉: the bureau holds a 不满意 or "not solved" return visit unfair (the citizen asked for
    /// something outside the law, or rated another matter), with its reasons and evidence.
    Appeal,
    /// 最终答复: the bureau's last word on an unreasonable repeat demand; approved, it closes the
    /// request.
    FinalReply,
}

impl ExemptionKind {
    pub const ALL: [ExemptionKind; 2] = [Self::Appeal, Self::FinalReply];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Appeal => "appeal",
            Self::FinalReply => "final_reply",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// Where an exemption stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExemptionState {
    /// Waits for a supervisor.
    Pending,
    /// Upheld (an appeal) or approved (a final reply): the request leaves the bureau's rates.
    Granted,
    /// Rejected: the figures stand.
    Refused,
}

impl ExemptionState {
    pub const ALL: [ExemptionState; 3] = [Self::Pending, Self::Granted, Self::Refused];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Granted => "granted",
            Self::Refused => "refused",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in ExemptionKind::ALL {
            assert_eq!(ExemptionKind::parse(k.as_str()), Some(k));
        }
        for s in ExemptionState::ALL {
            assert_eq!(ExemptionState::parse(s.as_str()), Some(s));
        }
        assert_eq!(ExemptionKind::parse("appeals"), None);
    }
}
