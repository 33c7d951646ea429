//! The inverted index and its scoring: BM25F over two fields of each entry, its questions and,
//! weighed less, its answer.
//!
//! An entry's questions are written to be matched; its answer also names the topic, but with
//! many words a citizen would never ask about, so it counts for less. BM25 saturates repeated
//! terms (an entry whose five variants all say 结婚登记 is not five times as relevant) and its
//! inverse document frequency weighs the words that tell entries apart (补办 in few entries)
//! above those that do not (办理 in many).

use std::collections::HashMap;

use crate::entry::Entry;
use crate::text::{Term, terms};

/// BM25's term-frequency saturation: small, because the fields are short.
const K1: f32 = 1.2;
/// How much a field's length normalises its term frequencies (per field, as BM25F does).
const B_QUESTIONS: f32 = 0.5;
const B_ANSWER: f32 = 0.75;
/// A term in the answer counts this much of one in the questions.
const ANSWER_WEIGHT: f32 = 0.25;

/// How one entry contains one term.
#[derive(Debug, Clone, Copy)]
struct Posting {
    entry: u32,
    /// The BM25F pseudo term frequency: both fields' counts, weighed and length-normalised.
    tf: f32,
    /// Whether the term occurs in the entry's questions (not only in its answer).
    in_questions: bool,
}

/// How well one entry matches one query.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    /// The entry's position.
    pub(crate) entry: usize,
    /// BM25F divided by the inverse document frequency of a word no entry has: in units of
    /// "one rare word matched", so a threshold on it means much the same in a knowledge base of
    /// 40 entries and of 400.
    pub(crate) score: f32,
    /// The share of the query's weight (its terms' weights times their inverse document
    /// frequencies, unseen terms included) that the entry contains.
    pub(crate) coverage: f32,
}

#[derive(Debug)]
pub(crate) struct Index {
    vocabulary: HashMap<Term, u32>,
    postings: Vec<Vec<Posting>>,
    idf: Vec<f32>,
    /// The inverse document frequency a term no entry has would get: the query's words that
    /// the knowledge base has never seen weigh this much in its coverage.
    unseen_idf: f32,
    entries: usize,
}

impl Index {
    pub(crate) fn build(entries: &[Entry]) -> Index {
        let n = entries.len();
        // Term counts per entry and field.
        let mut counts: Vec<HashMap<Term, (f32, f32)>> = Vec::with_capacity(n);
        let mut lengths = Vec::with_capacity(n);
        for e in entries {
            let mut c: HashMap<Term, (f32, f32)> = HashMap::new();
            let (mut lq, mut la) = (0.0, 0.0);
            for q in &e.questions {
                for (t, w) in terms(q) {
                    lq += w;
                    c.entry(t).or_default().0 += w;
                }
            }
            for (t, w) in terms(&e.answer) {
                la += w;
                c.entry(t).or_default().1 += w;
            }
            counts.push(c);
            lengths.push((lq, la));
        }
        let avg = |f: fn(&(f32, f32)) -> f32| (lengths.iter().map(f).sum::<f32>() / n.max(1) as f32).max(1.0);
        let (avg_q, avg_a) = (avg(|l| l.0), avg(|l| l.1));

        let mut vocabulary = HashMap::new();
        let mut postings: Vec<Vec<Posting>> = Vec::new();
        for (i, c) in counts.into_iter().enumerate() {
            let (lq, la) = lengths[i];
            let norm_q = 1.0 - B_QUESTIONS + B_QUESTIONS * lq / avg_q;
            let norm_a = 1.0 - B_ANSWER + B_ANSWER * la / avg_a;
            for (term, (tq, ta)) in c {
                let tf = tq / norm_q + ANSWER_WEIGHT * ta / norm_a;
                let id = *vocabulary.entry(term).or_insert_with(|| {
                    postings.push(Vec::new());
                    (postings.len() - 1) as u32
                });
                postings[id as usize].push(Posting { entry: i as u32, tf, in_questions: tq > 0.0 });
            }
        }
        let idfs = postings.iter().map(|p| idf(n, p.len())).collect();
        Index { vocabulary, postings, idf: idfs, unseen_idf: idf(n, 0), entries: n }
    }

    /// Whether any entry has `word` as a whole word (in its questions or answer).
    pub(crate) fn knows_word(&self, word: &str) -> bool {
        self.vocabulary.contains_key(&Term::Word(word.into()))
    }

    /// Scores every entry that shares a term with `query`, valid or not (the caller filters),
    /// unsorted.
    pub(crate) fn score(&self, query: &str) -> Vec<Scored> {
        // Each term once, at its highest weight in the query.
        let mut query_terms = terms(query);
        query_terms.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        query_terms.dedup_by(|later, first| later.0 == first.0);

        let mut total = 0.0;
        let mut acc: Vec<(f32, f32)> = vec![(0.0, 0.0); self.entries];
        let mut touched = Vec::new();
        for (t, w) in &query_terms {
            let w = *w;
            let Some(&id) = self.vocabulary.get(t) else {
                total += w * self.unseen_idf;
                continue;
            };
            let idf = self.idf[id as usize];
            total += w * idf;
            for p in &self.postings[id as usize] {
                let slot = &mut acc[p.entry as usize];
                if slot.0 == 0.0 {
                    touched.push(p.entry as usize);
                }
                slot.0 += w * idf * p.tf * (K1 + 1.0) / (p.tf + K1);
                // An answer-only match covers the query less: the answer says more than asked.
                slot.1 += w * idf * if p.in_questions { 1.0 } else { ANSWER_WEIGHT };
            }
        }
        // Every weight is positive, so an entry touched has a positive total behind it.
        touched
            .into_iter()
            .map(|entry| Scored {
                entry,
                score: acc[entry].0 / self.unseen_idf,
                coverage: acc[entry].1 / total,
            })
            .collect()
    }
}

/// BM25's inverse document frequency, always positive.
fn idf(n: usize, df: usize) -> f32 {
    (1.0 + (n as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln()
}
