//! Bureaus (承办单位): the units that handle requests.

use serde::{Deserialize, Serialize};

use crate::codes::AreaCode;
pub use crate::codes::BureauCode;

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
