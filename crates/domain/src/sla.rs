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
