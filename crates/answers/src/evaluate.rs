//! Measuring a knowledge base against labelled questions: how often the answer given is right,
//! how often the right entry is among the first hits, and how often a wrong answer is given.
//!
//! A wrong answer misleads a citizen; no answer only sends them on to file a request. The
//! figure to keep low is therefore `wrong_answer_share`, over every question, answerable or not.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::entry::Error;
use crate::kb::KnowledgeBase;

/// The label of a question no entry answers, in the evaluation file.
const NONE: &str = "none";

/// A labelled question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// What a citizen typed.
    pub question: String,
    /// The id of the entry that answers it; `None` when no entry does.
    pub expect: Option<String>,
}

/// A file of labelled questions and the day they are judged on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationSet {
    /// The day the search runs as of, so dated entries are judged the same in every year.
    pub today: NaiveDate,
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    today: NaiveDate,
    #[serde(default)]
    case: Vec<FileCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCase {
    question: String,
    expect: String,
}

impl EvaluationSet {
    /// Reads `today` and `[[case]]` tables of `question` and `expect` (an entry id or "none").
    ///
    /// # Errors
    /// [`Error::Syntax`] when the text is not TOML of that shape.
    pub fn from_toml(text: &str) -> Result<EvaluationSet, Error> {
        let file: File = toml::from_str(text)?;
        let cases = file
            .case
            .into_iter()
            .map(|c| Case { question: c.question, expect: (c.expect != NONE).then_some(c.expect) })
            .collect();
        Ok(EvaluationSet { today: file.today, cases })
    }
}

/// What the knowledge base did with one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub question: String,
    pub expect: Option<String>,
    /// The category of the expected entry, or "none" for an unanswerable question.
    pub category: String,
    /// The id of the answer given, if any.
    pub answered: Option<String>,
    /// The ids of the first three search hits.
    pub top3: Vec<String>,
}

impl Outcome {
    /// An answer was given, and it is not the expected entry.
    #[must_use]
    pub fn is_wrong_answer(&self) -> bool {
        self.answered.is_some() && self.answered != self.expect
    }
}

/// Counts over a group of questions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub answerable: usize,
    pub unanswerable: usize,
    /// Answerable questions answered with the expected entry.
    pub top1: usize,
    /// Answerable questions whose expected entry is among the first three hits.
    pub top3: usize,
    /// Questions (of either kind) answered with an entry other than the expected one.
    pub wrong: usize,
    /// Answerable questions given no answer.
    pub no_answer: usize,
}

impl Counts {
    fn add(&mut self, o: &Outcome) {
        match &o.expect {
            Some(expect) => {
                self.answerable += 1;
                self.top1 += usize::from(o.answered.as_ref() == Some(expect));
                self.top3 += usize::from(o.top3.contains(expect));
                self.no_answer += usize::from(o.answered.is_none());
            }
            None => self.unanswerable += 1,
        }
        self.wrong += usize::from(o.is_wrong_answer());
    }
}

/// The figures of one evaluation. Shares are between 0 and 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Questions evaluated, answerable and not.
    pub n: usize,
    pub totals: Counts,
    /// Of the answerable questions, the share answered with the expected entry.
    pub top1: f64,
    /// Of the answerable questions, the share whose expected entry is among the first three hits.
    pub top3: f64,
    /// Of all questions, the share answered with an entry other than the expected one.
    pub wrong_answer_share: f64,
    /// Of the answerable questions, the share given no answer.
    pub no_answer_share: f64,
    /// Of the unanswerable questions, the share rightly given no answer.
    pub refused_share: f64,
    /// Counts per category of the expected entry ("none" for unanswerable questions).
    pub by_category: BTreeMap<String, Counts>,
    /// Every question's outcome, in the order given.
    pub outcomes: Vec<Outcome>,
}

/// Runs every case against `kb` as of `today`.
#[must_use]
pub fn evaluate(kb: &KnowledgeBase, cases: &[Case], today: NaiveDate) -> Evaluation {
    let outcomes: Vec<Outcome> = cases
        .iter()
        .map(|c| {
            let category = match &c.expect {
                None => NONE.to_owned(),
                Some(id) => kb.get(id).map_or_else(|| "unknown entry".to_owned(), |e| e.category.clone()),
            };
            Outcome {
                question: c.question.clone(),
                expect: c.expect.clone(),
                category,
                answered: kb.answer(&c.question, today).map(|h| h.id().to_owned()),
                top3: kb.search(&c.question, today).iter().take(3).map(|h| h.id().to_owned()).collect(),
            }
        })
        .collect();
    let mut totals = Counts::default();
    let mut by_category: BTreeMap<String, Counts> = BTreeMap::new();
    for o in &outcomes {
        totals.add(o);
        by_category.entry(o.category.clone()).or_default().add(o);
    }
    let share = |part: usize, whole: usize| if whole == 0 { 0.0 } else { part as f64 / whole as f64 };
    Evaluation {
        n: outcomes.len(),
        top1: share(totals.top1, totals.answerable),
        top3: share(totals.top3, totals.answerable),
        wrong_answer_share: share(totals.wrong, outcomes.len()),
        no_answer_share: share(totals.no_answer, totals.answerable),
        refused_share: share(totals.unanswerable - count_wrong_unanswerable(&outcomes), totals.unanswerable),
        totals,
        by_category,
        outcomes,
    }
}

fn count_wrong_unanswerable(outcomes: &[Outcome]) -> usize {
    outcomes.iter().filter(|o| o.expect.is_none() && o.answered.is_some()).count()
}
