//! A knowledge base entry, its TOML form, and the checks an entry passes before it is searched.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Deserialize;

/// One answer and the questions citizens ask to get it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// A short stable slug (`[a-z0-9-]`), unique in its knowledge base.
    pub id: String,
    /// The question in the wordings citizens use; the search matches against these first.
    pub questions: Vec<String>,
    /// The answer shown to the citizen.
    pub answer: String,
    /// The owning bureau's code (as in `config/bureaus.toml`).
    pub bureau: String,
    /// A topic slug used for statistics, e.g. `marriage` or `medical_insurance`.
    pub category: String,
    /// The first day the answer holds; `None` means always did.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// The last day the answer holds (included); `None` means open-ended.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// The policy document the answer rests on (title and number).
    #[serde(default)]
    pub source: Option<String>,
}

impl Entry {
    /// Whether the answer holds on `day` (both ends of the validity included).
    #[must_use]
    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_to.is_none_or(|to| day <= to)
    }
}

/// Why a knowledge base could not be built. Each names the entry, so an editor can fix the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not TOML of the expected shape (unknown key, wrong type, bad date).
    #[error("the knowledge base is not valid TOML: {0}")]
    Syntax(#[from] toml::de::Error),
    /// An id is empty or has characters other than lowercase ASCII letters, digits and `-`.
    #[error("entry id {id:?} must be a non-empty slug of a-z, 0-9 and -")]
    BadId { id: String },
    /// Two entries share an id.
    #[error("entry id {id:?} is used twice")]
    DuplicateId { id: String },
    /// An entry has no question, so nothing could ever find it.
    #[error("entry {id:?} has no questions")]
    NoQuestions { id: String },
    /// One of an entry's questions is blank.
    #[error("entry {id:?} has a blank question")]
    BlankQuestion { id: String },
    /// A required text field (`answer`, `bureau`, `category`) is blank.
    #[error("entry {id:?} has a blank {field}")]
    BlankField { id: String, field: &'static str },
    /// The validity ends before it starts.
    #[error("entry {id:?} is valid to {to}, before it is valid from {from}")]
    ValidToBeforeFrom { id: String, from: NaiveDate, to: NaiveDate },
}

/// The file's shape: `[[entry]]` tables and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    entry: Vec<Entry>,
}

/// Reads `[[entry]]` tables from TOML text (unchecked: see [`validate`]).
pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, Error> {
    Ok(toml::from_str::<File>(text)?.entry)
}

/// Checks every entry and the ids' uniqueness, reporting the first problem in file order.
pub(crate) fn validate(entries: &[Entry]) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for e in entries {
        let id = || e.id.clone();
        let slug = e.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if e.id.is_empty() || !slug {
            return Err(Error::BadId { id: id() });
        }
        if !seen.insert(e.id.as_str()) {
            return Err(Error::DuplicateId { id: id() });
        }
        if e.questions.is_empty() {
            return Err(Error::NoQuestions { id: id() });
        }
        if e.questions.iter().any(|q| q.trim().is_empty()) {
            return Err(Error::BlankQuestion { id: id() });
        }
        for (field, value) in [("answer", &e.answer), ("bureau", &e.bureau), ("category", &e.category)] {
            if value.trim().is_empty() {
                return Err(Error::BlankField { id: id(), field });
            }
        }
        if let (Some(from), Some(to)) = (e.valid_from, e.valid_to)
            && to < from
        {
            return Err(Error::ValidToBeforeFrom { id: id(), from, to });
        }
    }
    Ok(())
}
