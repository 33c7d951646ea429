//! Bureaus (承办单位): the units that handle requests.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::area::AreaCode;
use crate::text::string_newtype;

/// Validates a lowercase ASCII slug such as `urban-management`: stable, URL-safe, readable in logs.
pub(crate) fn slug(raw: &str, field: &'static str, max: usize) -> Result<String, ValidationError> {
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

/// A bureau's stable code, e.g. `urban-management` or `street-kengzi`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BureauCode(String);

impl BureauCode {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        slug(raw, "bureau", 64).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(BureauCode);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BureauKind {
    /// A functional department (局), e.g. urban management, transport.
    Department,
    /// A street office (街道办): the default owner of its street's requests.
    StreetOffice,
    /// A community (社区) committee.
    Community,
    /// A utility company: water, power, gas.
    Utility,
    /// The district's request service centre: default owner of last resort and meeting convener.
    ServiceCentre,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bureau {
    pub code: BureauCode,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: BureauKind,
    /// The area a street office or community serves.
    pub area: Option<AreaCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bureau_codes_are_slugs() {
        assert!(BureauCode::parse("street-kengzi").is_ok());
        for bad in ["", "Urban", "a_b", "-a", "a-", "城管"] {
            assert!(BureauCode::parse(bad).is_err(), "{bad}");
        }
    }
}
