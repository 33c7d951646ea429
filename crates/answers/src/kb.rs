//! The knowledge base: its entries, their index, the ranked search and the one answer given.
//!
//! Giving a wrong answer costs more than giving none (the citizen then files a request, and a
//! person answers), so [`KnowledgeBase::answer`] answers only when the best hit is clearly
//! relevant and clearly ahead of the next one.

use chrono::NaiveDate;

use crate::entry::{self, Entry, Error};
use crate::index::Index;
use crate::text;

/// The least BM25F score an answer needs: below it, the query shares only a common word or a
/// stray bigram with the entry.
const MIN_SCORE: f32 = 3.0;
/// The least share of the query's weight (its terms' inverse document frequencies) the entry
/// must contain: a query about something the knowledge base never mentions (公积金, 驾驶证)
/// keeps its unknown words' weight and so falls short, however well its common words match.
const MIN_COVERAGE: f32 = 0.45;
/// How far the best hit must lead the second: when two entries score alike, either may be
/// what was asked, and a list to choose from serves better than a guess.
const MIN_LEAD: f32 = 1.15;

/// A searchable set of entries. Build it once (it segments every entry) and share it: searches
/// take `&self`.
#[derive(Debug)]
pub struct KnowledgeBase {
    entries: Vec<Entry>,
    index: Index,
}

/// One entry that matches a query.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'kb> {
    /// The entry matched.
    pub entry: &'kb Entry,
    /// Its position in [`KnowledgeBase::entries`].
    pub index: usize,
    /// Its BM25F relevance: higher is better, comparable only within one query.
    pub score: f32,
    /// The share (0 to 1) of the query's weight this entry contains.
    pub coverage: f32,
}

impl Hit<'_> {
    /// The entry's id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.entry.id
    }
}

impl KnowledgeBase {
    /// Checks and indexes `entries`.
    ///
    /// # Errors
    /// The first invalid entry: a bad or duplicate id, no or a blank question, a blank answer,
    /// bureau or category, or a validity that ends before it starts.
    pub fn new(entries: Vec<Entry>) -> Result<KnowledgeBase, Error> {
        entry::validate(&entries)?;
        text::warm_up();
        let index = Index::build(&entries);
        Ok(KnowledgeBase { entries, index })
    }

    /// Reads, checks and indexes `[[entry]]` tables (see `config/answers/sample.toml`).
    ///
    /// # Errors
    /// [`Error::Syntax`] when the text is not TOML of that shape, else as [`KnowledgeBase::new`].
    pub fn from_toml(text: &str) -> Result<KnowledgeBase, Error> {
        KnowledgeBase::new(entry::parse(text)?)
    }

    /// Every entry, in the order given.
    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry with this id, valid or not.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The entries valid on `today` that share a term with `query`, best first. Empty when the
    /// query has nothing but stop words.
    #[must_use]
    pub fn search(&self, query: &str, today: NaiveDate) -> Vec<Hit<'_>> {
        let mut hits: Vec<Hit<'_>> = self
            .index
            .score(query)
            .hits
            .into_iter()
            .filter(|&(i, _, _)| self.entries[i].is_valid_on(today))
            .map(|(index, score, coverage)| Hit { entry: &self.entries[index], index, score, coverage })
            .collect();
        // Ties by position keep the order stable from one run to the next.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        hits
    }

    /// The one entry that answers `query` on `today`, if one clearly does: the best hit, when it
    /// passes the relevance thresholds and leads the second hit by a margin.
    #[must_use]
    pub fn answer(&self, query: &str, today: NaiveDate) -> Option<Hit<'_>> {
        let hits = self.search(query, today);
        let best = *hits.first()?;
        let clear_lead = hits.get(1).is_none_or(|second| best.score >= MIN_LEAD * second.score);
        (best.score >= MIN_SCORE && best.coverage >= MIN_COVERAGE && clear_lead).then_some(best)
    }
}
