//! Time limits (时限): the classes a district defines (emergency, utilities, general, complex),
//! each with a response limit (dispatch → claim) and a resolution limit (dispatch → resolved).

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::bureau::slug;
use crate::text::string_newtype;

/// A time-limit class's code, e.g. `general` or `emergency`, as named in the district's
/// `time-limits.toml` and in the rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeLimitClass(String);

impl TimeLimitClass {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        slug(raw, "time_limit", 64).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(TimeLimitClass);

/// Which clock a deadline belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Dispatch → claim (签收时限).
    Response,
    /// Dispatch → resolved (办结时限).
    Resolution,
}

impl DeadlineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Response => "response",
            Self::Resolution => "resolution",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Response, Self::Resolution].into_iter().find(|k| k.as_str() == raw)
    }
}
