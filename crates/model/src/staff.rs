//! Staff: who may act on requests and tasks, and what each one may see.
//!
//! Bureau staff and bureau admins belong to exactly one bureau and reach only its tasks; operators
//! (the dispatch desk), supervisors and admins work district-wide. The `Scope` derived from a
//! principal is passed into every store query that reads or changes tasks, so the restriction is
//! enforced where the rows are read, not only in the HTTP layer.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::bureau::BureauCode;
use crate::text::string_newtype;

crate::ids::uuid_id!(
    /// Identifies one staff account.
    UserId
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// 分拨员: the dispatch desk; places what the rules cannot, reviews disclaims and closures.
    Operator,
    /// 承办人员: works their bureau's tasks.
    BureauStaff,
    /// 单位管理员: a bureau's administrator; also reminded when its deadlines slip.
    BureauAdmin,
    /// 督办人员: watches the rates, approves extensions, reviews escalations.
    Supervisor,
    /// 系统管理员.
    Admin,
}

impl StaffRole {
    pub const ALL: [StaffRole; 5] =
        [Self::Operator, Self::BureauStaff, Self::BureauAdmin, Self::Supervisor, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::BureauStaff => "bureau_staff",
            Self::BureauAdmin => "bureau_admin",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Operator => "分拨员",
            Self::BureauStaff => "承办人员",
            Self::BureauAdmin => "单位管理员",
            Self::Supervisor => "督办人员",
            Self::Admin => "系统管理员",
        }
    }

    /// Whether accounts of this role belong to one bureau (and must name it).
    pub fn belongs_to_bureau(self) -> bool {
        matches!(self, Self::BureauStaff | Self::BureauAdmin)
    }
}

/// A login name: 3 to 32 characters of lowercase ASCII letters, digits, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let ok = (3..=32).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::invalid("username", "3 to 32 lowercase letters, digits, `.`, `_` or `-`"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(Username);

/// What a signed-in staff member may reach.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every bureau's tasks (operators, supervisors, admins).
    All,
    /// One bureau's tasks only.
    Bureau(BureauCode),
}

impl Scope {
    pub fn admits(&self, bureau: &BureauCode) -> bool {
        match self {
            Self::All => true,
            Self::Bureau(own) => own == bureau,
        }
    }

    /// The bureau to filter on in a query, `None` for every bureau.
    pub fn bureau(&self) -> Option<&BureauCode> {
        match self {
            Self::All => None,
            Self::Bureau(b) => Some(b),
        }
    }
}

/// A signed-in staff member, as the API sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub username: Username,
    pub role: StaffRole,
    /// Set exactly for bureau staff and bureau admins.
    pub bureau: Option<BureauCode>,
}

impl Principal {
    pub fn scope(&self) -> Scope {
        match (&self.bureau, self.role.belongs_to_bureau()) {
            (Some(b), true) => Scope::Bureau(b.clone()),
            // A bureau role without a bureau reaches nothing district-wide: an empty bureau scope
            // would be safer than All, but such an account cannot be created (see `User::new`).
            _ => Scope::All,
        }
    }

    pub fn is(&self, roles: &[StaffRole]) -> bool {
        roles.contains(&self.role)
    }

    /// Whether this staff member may see who a confidential (保密) caller is, and read a caller's
    /// full number (recorded): only the dispatch desk (operators), which gives the return visit
    /// by phone. The bureaus handling the request, and district-wide readers, see that the caller
    /// asked to stay unnamed, and phone numbers masked.
    pub fn sees_confidential_callers(&self) -> bool {
        self.role == StaffRole::Operator
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("a {} belongs to one bureau: give --bureau", .0.as_str())]
    BureauRequired(StaffRole),
    #[error("a {} works district-wide and belongs to no bureau", .0.as_str())]
    NoBureauExpected(StaffRole),
}

/// Bureau roles name a bureau; district-wide roles do not.
pub fn check_role(role: StaffRole, bureau: Option<&BureauCode>) -> Result<(), UserError> {
    match (role.belongs_to_bureau(), bureau) {
        (true, None) => Err(UserError::BureauRequired(role)),
        (false, Some(_)) => Err(UserError::NoBureauExpected(role)),
        _ => Ok(()),
    }
}

/// A staff account (the password hash is kept apart, in the accounts store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub role: StaffRole,
    pub bureau: Option<BureauCode>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub disabled: bool,
}

impl User {
    /// Checks that bureau roles name a bureau and district-wide roles do not.
    pub fn new(
        username: Username,
        role: StaffRole,
        bureau: Option<BureauCode>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, UserError> {
        check_role(role, bureau.as_ref())?;
        Ok(Self { id: UserId::generate(), username, role, bureau, created_at: now, disabled: false })
    }

    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.id,
            username: self.username.clone(),
            role: self.role,
            bureau: self.bureau.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bureau_roles_need_a_bureau_and_others_refuse_one() {
        let u = Username::parse("li.lei").expect("valid");
        let water = BureauCode::parse("water").expect("valid");
        let now = chrono::Utc::now();
        assert!(User::new(u.clone(), StaffRole::BureauStaff, None, now).is_err());
        assert!(User::new(u.clone(), StaffRole::Operator, Some(water.clone()), now).is_err());
        let staff = User::new(u, StaffRole::BureauStaff, Some(water.clone()), now).expect("valid");
        assert_eq!(staff.principal().scope(), Scope::Bureau(water.clone()));
        assert!(staff.principal().scope().admits(&water));
        assert!(!staff.principal().scope().admits(&BureauCode::parse("transport").expect("valid")));
    }

    #[test]
    fn usernames_are_restricted() {
        for bad in ["ab", "Li", "李雷", "a b", &"x".repeat(33)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
        assert!(Username::parse("operator-01").is_ok());
    }

    #[test]
    fn roles_round_trip() {
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.as_str()), Some(r));
        }
    }
}
