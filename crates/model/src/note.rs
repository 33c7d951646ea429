//! What people say about a request, as values the lifecycle, the events and the escalations all
//! name: staff's notes and decisions, a bureau's reason for disclaiming, the citizen's verdict.
//! A leaf, so that those modules need not import each other for them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::text::{bounded, bounded_text, string_newtype};

bounded_text!(
    /// What staff write: a progress note, a result, a disclaim's explanation, a decision's reason.
    Note, "note", required = true, max = 2000
);

/// Why a bureau says "not ours" (退单理由).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclaimReason {
    /// 职能不符: not this bureau's function.
    NotOurFunction,
    /// 属地不符: outside this bureau's area.
    NotOurArea,
    /// 权属不清: nobody knows who owns the thing.
    UnclearOwnership,
    /// 职能交叉: several bureaus' duties overlap.
    OverlappingDuties,
}

impl DisclaimReason {
    pub const ALL: [DisclaimReason; 4] =
        [Self::NotOurFunction, Self::NotOurArea, Self::UnclearOwnership, Self::OverlappingDuties];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotOurFunction => "not_our_function",
            Self::NotOurArea => "not_our_area",
            Self::UnclearOwnership => "unclear_ownership",
            Self::OverlappingDuties => "overlapping_duties",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::NotOurFunction => "职能不符",
            Self::NotOurArea => "属地不符",
            Self::UnclearOwnership => "权属不清",
            Self::OverlappingDuties => "职能交叉",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw).ok_or_else(|| {
            ValidationError::invalid(
                "reason",
                "one of not_our_function, not_our_area, unclear_ownership, overlapping_duties",
            )
        })
    }
}

/// A decision by a person, for the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: Option<Note>,
}

/// The citizen's verdict on the result (满意度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    /// 满意
    Satisfied,
    /// 基本满意
    BasicallySatisfied,
    /// 不满意
    Dissatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 3] = [Self::Satisfied, Self::BasicallySatisfied, Self::Dissatisfied];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Satisfied => "satisfied",
            Self::BasicallySatisfied => "basically_satisfied",
            Self::Dissatisfied => "dissatisfied",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Satisfied => "满意",
            Self::BasicallySatisfied => "基本满意",
            Self::Dissatisfied => "不满意",
        }
    }

    /// From the code or the Chinese word.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        Self::ALL.into_iter().find(|s| s.as_str() == raw || s.name_zh() == raw).ok_or_else(|| {
            ValidationError::invalid("satisfaction", "one of satisfied, basically_satisfied, dissatisfied")
        })
    }
}

/// The citizen's star rating of the result, one to five, given beside the 满意/基本满意/不满意
/// scale (Pingshan reports its average, 4.59★, with the satisfaction rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Stars(u8);

impl Stars {
    pub const MAX: u8 = 5;

    pub fn new(n: u8) -> Result<Self, ValidationError> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(ValidationError::invalid("stars", "a whole number from 1 to 5"))
        }
    }

    /// From a form's or an API's text ("4").
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        raw.trim()
            .parse::<u8>()
            .map_err(|_| ValidationError::invalid("stars", "a whole number from 1 to 5"))
            .and_then(Self::new)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// "★★★★☆".
    pub fn drawn(self) -> String {
        let n = usize::from(self.0);
        format!("{}{}", "★".repeat(n), "☆".repeat(usize::from(Self::MAX) - n))
    }
}

impl TryFrom<u8> for Stars {
    type Error = ValidationError;

    fn try_from(n: u8) -> Result<Self, ValidationError> {
        Self::new(n)
    }
}

impl From<Stars> for u8 {
    fn from(s: Stars) -> u8 {
        s.0
    }
}
