//! 秒回 (instant answers): a district's knowledge base of questions and answers, searched for the
//! citizen's question before a request is filed, so that what a published answer already covers
//! is answered at once.
//!
//! Pure code, no IO: the caller reads the knowledge base's TOML and hands it over, then asks
//! [`KnowledgeBase::search`] for ranked hits or [`KnowledgeBase::answer`] for the one answer
//! worth giving. [`evaluate`] measures both against labelled questions
//! (`crates/answers/evaluation.toml`).
//!
//! - `entry`: an entry, its TOML form and its checks.
//! - `lexicon`, `text`: how Chinese text becomes terms (stop words, synonyms, jieba, bigrams).
//! - `index`: the inverted index and BM25F scoring.
//! - `kb`: the knowledge base, ranked search and the answer thresholds.
//! - `evaluate`: top-1, top-3 and wrong-answer figures over labelled questions.
//! - `group`: the questions it could not answer, grouped by what they ask, for a bureau to answer.
//! - `live`: the knowledge base in force, the files composed with the approved stored answers.

mod entry;
mod evaluate;
mod group;
mod index;
mod kb;
mod lexicon;
mod live;
mod text;

pub use entry::{Entry, Error};
pub use evaluate::{Case, Counts, Evaluation, EvaluationSet, Outcome, evaluate};
pub use group::{JOIN_AT, group};
pub use kb::{Hit, KnowledgeBase, Thresholds};
pub use live::LiveAnswers;
