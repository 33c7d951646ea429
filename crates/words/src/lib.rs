//! What people read, in Chinese (the default) and English: the display names of bureaus, areas,
//! channels, kinds, statuses and roles (`names`), a request's history in words (`history`), and
//! the notices citizens and staff are sent (`notices`).
//! The channels' pages and replies and the staff API all speak through this crate, so each word
//! is written once.

pub mod history;
pub mod links;
pub mod names;
pub mod notices;
pub mod time;
pub mod timeline;

pub use history::{describe, describe_in_full};
pub use names::{bureau_name, kind_name, status_name};

/// The language of a page or note: Chinese first, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `?lang=en` selects English; anything else (or nothing) is Chinese.
    pub fn from_param(p: Option<&str>) -> Self {
        if p.is_some_and(|l| l.eq_ignore_ascii_case("en")) { Self::En } else { Self::Zh }
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }
}
