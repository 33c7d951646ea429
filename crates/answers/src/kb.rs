//! The knowledge base: its entries, their index, the ranked search and the one answer given.
//!
//! Giving a wrong answer costs more than giving none (the citizen then files a request, and a
//! person answers), so [`KnowledgeBase::answer`] answers only when the best hit is clearly
//! relevant and clearly ahead of the next one.

use chrono::NaiveDate;

use crate::entry::{self, Entry, Error};
use crate::index::Index;
use crate::text;

/// When [`KnowledgeBase::answer`] gives an answer: all three must hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// The least score, in rare words matched (see [`Hit::score`]). Below it the query shares
    /// only a common word or two with the entry (补办, 到期, 投诉), which is what a question
    /// about something else (驾驶证到期, 医院乱收费去哪投诉) looks like.
    pub min_score: f32,
    /// The least share of the query's weight the entry must contain. A safety net for long
    /// questions that pile up score from many loose matches; kept low, since a citizen's
    /// question often tells a story (上下班路上出车祸) around the few words that matter (工伤).
    pub min_coverage: f32,
    /// How many times the second hit's score the best one's must be. When two entries score
    /// alike (补办身份证 and 换领身份证), either may be what was asked, and a list to choose from
    /// serves better than a guess.
    pub min_lead: f32,
}

impl Default for Thresholds {
    /// Tuned on the sample knowledge base, erring towards no answer. The evaluation set alone
    /// would allow a lead of 1.1 (82% answered right, none wrong); asking each entry's own
    /// question variants with that variant left out gives 8% wrong answers at 1.1 and 4.5% at
    /// 1.2, all between sibling entries (补领结婚证 or 离婚登记), so 1.2 it is (74% right).
    fn default() -> Thresholds {
        Thresholds { min_score: 1.35, min_coverage: 0.1, min_lead: 1.2 }
    }
}

/// A searchable set of entries. Build it once (it segments every entry) and share it: searches
/// take `&self`.
#[derive(Debug)]
pub struct KnowledgeBase {
    entries: Vec<Entry>,
    index: Index,
    thresholds: Thresholds,
}

/// One entry that matches a query.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'kb> {
    /// The entry matched.
    pub entry: &'kb Entry,
    /// Its position in [`KnowledgeBase::entries`].
    pub index: usize,
    /// Its relevance: BM25F over the entry's questions and (weighed less) its answer, in units
    /// of one rare word matched. Higher is better; about 1.5 and up is a likely match.
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
        Ok(KnowledgeBase { entries, index, thresholds: Thresholds::default() })
    }

    /// Reads, checks and indexes `[[entry]]` tables (see `config/answers/sample.toml`).
    ///
    /// # Errors
    /// [`Error::Syntax`] when the text is not TOML of that shape, else as [`KnowledgeBase::new`].
    pub fn from_toml(text: &str) -> Result<KnowledgeBase, Error> {
        KnowledgeBase::new(entry::parse(text)?)
    }

    /// The same knowledge base, answering by other thresholds.
    #[must_use]
    pub fn with_thresholds(self, thresholds: Thresholds) -> KnowledgeBase {
        KnowledgeBase { thresholds, ..self }
    }

    /// The thresholds [`KnowledgeBase::answer`] applies.
    #[must_use]
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
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
            .into_iter()
            .filter(|s| self.entries[s.entry].is_valid_on(today))
            .map(|s| Hit {
                entry: &self.entries[s.entry],
                index: s.entry,
                score: s.score,
                coverage: s.coverage,
            })
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
        let t = self.thresholds;
        let clear_lead = hits.get(1).is_none_or(|second| best.score >= t.min_lead * second.score);
        let relevant = best.score >= t.min_score && best.coverage >= t.min_coverage && clear_lead;
        // A shared word under another modifier (高龄津贴 asked, 生育津贴 known) scores as a
        // match but answers another question: no answer rather than a wrong one.
        let unseen = |w: &str| !self.index.knows_word(w);
        (relevant && !text::modifier_conflict(query, &best.entry.questions, unseen)).then_some(best)
    }
}
