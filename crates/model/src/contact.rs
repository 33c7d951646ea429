//! How to reach the citizen back. Phone numbers and WeChat OpenIDs are personal data: their
//! `Debug` output is masked and they have no `Display`, so neither can slip into a log line by
//! accident; code that needs the real value calls `expose()` on purpose.

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::text::PersonName;
use crate::text::string_newtype;

/// A phone number, normalised: mainland mobiles as 11 digits, landlines as digits with the area
/// code (`075512345678`), other countries as `+` and digits.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |why: &str| ValidationError::invalid("phone", why.to_owned());
        let compact: String =
            raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '\u{3000}')).collect();
        if compact.is_empty() {
            return Err(ValidationError::Missing { field: "phone" });
        }
        let domestic =
            compact.strip_prefix("+86").or_else(|| compact.strip_prefix("0086")).map(str::to_owned);
        if domestic.is_none() && compact.starts_with('+') {
            let digits = &compact[1..];
            if (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(Self(compact));
            }
            return Err(invalid("international numbers need 7 to 15 digits after +"));
        }
        let is_mobile =
            |n: &str| n.len() == 11 && n.starts_with('1') && matches!(n.as_bytes()[1], b'3'..=b'9');
        // In international format a landline drops its trunk 0: +86 755 ... is 0755 ..., and
        // +86 10 ... is Beijing's 010 ... (which is why "starts with 1" does not mean mobile).
        let n = match domestic {
            Some(d) if !is_mobile(&d) && !d.starts_with('0') => format!("0{d}"),
            Some(d) => d,
            None => compact,
        };
        if !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("only digits, spaces, dashes and a leading + are allowed"));
        }
        let mobile = is_mobile(&n);
        let landline = (10..=12).contains(&n.len()) && n.starts_with('0') && !n.starts_with("00");
        if mobile || landline {
            Ok(Self(n))
        } else {
            Err(invalid("expected a mobile number (11 digits) or a landline with its area code"))
        }
    }

    /// The real number, for sending SMS or for a staff member who calls back. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `138********`: what staff pages and logs may show. Nothing of the last four digits: they
    /// are what the tracking page asks a citizen for, so whoever sees a masked number must not
    /// learn them. The first three (a mobile's carrier prefix, a landline's area code) help the
    /// desk tell numbers apart; shorter international numbers show nothing.
    pub fn masked(&self) -> String {
        let n = &self.0;
        let keep_head = if n.len() >= 10 { 3 } else { 0 };
        format!("{}{}", &n[..keep_head], "*".repeat(n.len() - keep_head))
    }

    /// The last four digits, which a citizen gives on the tracking page to prove the request is theirs.
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len().saturating_sub(4)..]
    }
}

impl std::fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

string_newtype!(PhoneNumber, no_display);

/// An e-mail address, checked only for shape: the real test is whether mail arrives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let invalid = || ValidationError::invalid("email", "expected name@domain");
        if s.is_empty() {
            return Err(ValidationError::Missing { field: "email" });
        }
        if s.len() > 254 {
            return Err(ValidationError::TooLong { field: "email", max: 254 });
        }
        let (local, domain) = s.split_once('@').ok_or_else(invalid)?;
        let shape_ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s.chars().any(char::is_whitespace);
        if shape_ok { Ok(Self(s.to_owned())) } else { Err(invalid()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(Email, no_display);

/// A WeChat user's OpenID for our official account: lets us reply to them, so it is personal data.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OpenId(String);

impl OpenId {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValidationError::Missing { field: "openid" });
        }
        if s.len() > 64 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return Err(ValidationError::invalid("openid", "expected up to 64 letters, digits, _ or -"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The real OpenID, for calling WeChat's APIs. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        let head: String = self.0.chars().take(4).collect();
        format!("{head}****")
    }
}

impl std::fmt::Debug for OpenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpenId({})", self.masked())
    }
}

string_newtype!(OpenId, no_display);

/// Everything a citizen left for us to reach them. All optional: anonymous requests are allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<OpenId>,
    /// The citizen asked that their identity be kept from the handling bureau (保密).
    #[serde(default)]
    pub confidential: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_mobiles_and_landlines_are_normalised() {
        for (raw, want) in [
            ("138 1234 5678", "13812345678"),
            ("+86 138-1234-5678", "13812345678"),
            ("008613812345678", "13812345678"),
            ("0755-2833 1234", "075528331234"),
            ("+86 755 2833 1234", "075528331234"),
            ("0086 10 6512 3456", "01065123456"),
            ("(010) 6512 3456", "01065123456"),
            ("+852 9123 4567", "+85291234567"),
        ] {
            assert_eq!(PhoneNumber::parse(raw).map(String::from), Ok(want.to_owned()), "{raw}");
        }
    }

    #[test]
    fn implausible_numbers_are_refused() {
        for raw in ["", "12345", "12812345678", "1381234567x", "+1", "00755123456", "138123456789"] {
            assert!(PhoneNumber::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn debug_output_never_shows_the_full_number_or_openid() {
        let p = PhoneNumber::parse("13812345678").expect("valid");
        let shown = format!("{p:?}");
        assert!(!shown.contains("13812345678"));
        assert!(shown.contains("138********"));
        assert_eq!(p.last_four(), "5678");

        let o = OpenId::parse("oAbCdEfGhIjKlMnOpQrStUvWxYz0").expect("valid");
        let contact = Contact { openid: Some(o), phone: Some(p), ..Contact::default() };
        let shown = format!("{contact:?}");
        assert!(!shown.contains("oAbCdEfGhIjK"), "{shown}");
        assert!(!shown.contains("13812345678"), "{shown}");
    }

    #[test]
    fn landlines_are_masked_too() {
        let p = PhoneNumber::parse("0755-28331234").expect("valid");
        assert_eq!(p.masked(), "075*********");
    }

    #[test]
    fn a_masked_number_never_shows_the_digits_the_tracking_page_asks_for() {
        for raw in ["13812345678", "075528331234", "01065123456", "+85291234567", "+4412345"] {
            let p = PhoneNumber::parse(raw).expect("valid");
            let masked = p.masked();
            assert_eq!(masked.chars().count(), p.expose().len(), "{raw}: the length is kept");
            let tail: String = masked.chars().rev().take(4).collect();
            assert_eq!(tail, "****", "{raw}: {masked} shows some of {}", p.last_four());
        }
    }

    #[test]
    fn email_shape_is_checked() {
        assert!(Email::parse("li.lei@example.cn").is_ok());
        for raw in ["", "no-at", "@x.cn", "a@nodot", "a@.cn", "a b@x.cn", "a@x.cn."] {
            assert!(Email::parse(raw).is_err(), "{raw}");
        }
    }
}
