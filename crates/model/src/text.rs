//! Bounded, validated text newtypes shared by several entities, and the validation error every
//! parser in the domain returns.

use serde::{Deserialize, Serialize};

/// Why a value from the outside world was refused. `field` names the input field so that each
/// channel can render the error in its own format (Open311 error list, WeChat reply, JSON error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("{field} is too long (at most {max} characters)")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} is not valid: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl ValidationError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid { field, reason: reason.into() }
    }

    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Missing { field } | Self::TooLong { field, .. } | Self::Invalid { field, .. } => field,
        }
    }
}

/// Trims `raw`, rejects control characters, and enforces a length in characters (not bytes:
/// Chinese text is three bytes a character in UTF-8).
pub fn bounded(
    raw: &str,
    field: &'static str,
    required: bool,
    max: usize,
) -> Result<String, ValidationError> {
    let s = raw.trim();
    if s.is_empty() && required {
        return Err(ValidationError::Missing { field });
    }
    if s.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(ValidationError::invalid(field, "contains control characters"));
    }
    Ok(s.to_owned())
}

/// Validates a lowercase ASCII slug such as `urban-management`: stable, URL-safe, readable in logs.
pub fn slug(raw: &str, field: &'static str, max: usize) -> Result<String, ValidationError> {
    let ok = !raw.is_empty()
        && raw.len() <= max
        && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !raw.starts_with('-')
        && !raw.ends_with('-');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ValidationError::invalid(
            field,
            format!("`{raw}` is not a slug (lowercase letters, digits and inner dashes, at most {max})"),
        ))
    }
}

/// The conversions every string newtype has: `TryFrom<String>` through its `parse` (so serde's
/// `try_from = "String"` validates on the way in), `From<T> for String`, and, unless the value is
/// personal data, `Display`.
#[doc(hidden)]
#[macro_export]
macro_rules! __string_newtype {
    ($name:ident) => {
        $crate::text::string_newtype!($name, no_display);
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
    ($name:ident, no_display) => {
        impl TryFrom<String> for $name {
            type Error = $crate::ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}
// Exported so that the other domain crates give their newtypes the same conversions.
pub use __string_newtype as string_newtype;

macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, $field:literal, required = $required:literal, max = $max:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                bounded(raw, $field, $required, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        string_newtype!($name);
    };
}

pub(crate) use bounded_text;

bounded_text!(
    /// What the citizen wrote about the problem. Open311 caps `description` at 4000 characters;
    /// it may be empty (the category then says what the request is about).
    Description, "description", required = false, max = 4000
);
bounded_text!(
    /// Free address text ("坑梓街道秀新社区xx路12号"), used when there is no point or beside it.
    AddressText, "address", required = true, max = 500
);
bounded_text!(
    /// A citizen's name as they gave it. Never required: citizens may stay anonymous.
    PersonName, "name", required = true, max = 100
);
bounded_text!(
    /// A one-line summary (a hotline work order's 标题).
    Title, "title", required = true, max = 200
);
bounded_text!(
    /// A category given in words rather than as a code (a hotline operator's 问题分类 text); the
    /// dispatcher maps it to a code by the taxonomy's keywords.
    CategoryText, "category", required = true, max = 100
);
bounded_text!(
    /// The answer a consultation already received where it came in (直接答复).
    Answer, "answer", required = true, max = 4000
);
bounded_text!(
    /// Who took the request at the channel, e.g. a call-centre operator's id (受理员).
    OperatorId, "operator_id", required = true, max = 64
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_counts_characters_not_bytes() {
        let chinese = "路".repeat(4000);
        assert!(Description::parse(&chinese).is_ok());
        let too_long = "路".repeat(4001);
        assert_eq!(
            Description::parse(&too_long),
            Err(ValidationError::TooLong { field: "description", max: 4000 })
        );
    }

    #[test]
    fn required_text_refuses_blank_input() {
        assert_eq!(AddressText::parse("   "), Err(ValidationError::Missing { field: "address" }));
        assert_eq!(Description::parse("  ").map(|d| d.as_str().to_owned()), Ok(String::new()));
    }

    #[test]
    fn control_characters_are_refused_but_newlines_kept() {
        assert!(Description::parse("a\u{0}b").is_err());
        assert_eq!(Description::parse("第一行\n第二行").map(String::from), Ok("第一行\n第二行".into()));
    }

    #[test]
    fn text_round_trips_through_serde_with_validation() {
        let ok: AddressText = serde_json::from_str("\"坪山大道1号\"").expect("valid");
        assert_eq!(ok.as_str(), "坪山大道1号");
        assert!(serde_json::from_str::<AddressText>("\"\"").is_err());
    }
}
