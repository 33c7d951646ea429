//! Text analysis: a question, or an entry's text, turned into the terms the index counts.
//!
//! The same steps run on the entries when the index is built and on each query, so both sides
//! meet in one vocabulary: width and case folded, synonyms rewritten to one spelling, jieba's
//! segmentation (with search-mode sub-words, so 医疗保险 also yields 医疗 and 保险), stop words
//! dropped, and character bigrams of what remains, which still match when jieba cuts a query
//! differently from the entry or meets a word it does not know.

use std::collections::HashSet;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use jieba_rs::Jieba;

use crate::lexicon::{DOMAIN_WORDS, STOP_WORDS, SYNONYMS};

/// A term of the index: a segmented word, or two adjacent Han characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Term {
    Word(Box<str>),
    Bigram(char, char),
}

/// jieba with its embedded dictionary and our domain words, built once per process (the
/// dictionary takes tens of milliseconds to load) and shared by every knowledge base.
static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for word in DOMAIN_WORDS {
        // No frequency: jieba picks one just high enough for the word to be cut whole.
        jieba.add_word(word, None, None);
    }
    jieba
});

/// Every synonym spelling, found leftmost-longest so 社会保障卡 wins over 社会保障.
static SYNONYM_FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(SYNONYMS.iter().map(|(from, _)| from))
        .expect("the synonym table is a fixed list of short strings")
});

static STOP: LazyLock<HashSet<&'static str>> = LazyLock::new(|| STOP_WORDS.iter().copied().collect());

/// Loads the dictionary now rather than on the first query.
pub(crate) fn warm_up() {
    LazyLock::force(&JIEBA);
    LazyLock::force(&SYNONYM_FINDER);
    LazyLock::force(&STOP);
}

/// The terms of `text`, in order, repeats kept (the index counts them).
pub(crate) fn terms(text: &str) -> Vec<Term> {
    let text = canonical(&fold(text));
    let mut out = Vec::new();
    // Han characters of consecutive kept tokens: a stop word or punctuation ends a run, so no
    // bigram spans "怎么" or a comma.
    let mut run: Vec<char> = Vec::new();
    for token in JIEBA.cut(&text, true) {
        let word = token.word;
        if is_stop(word) || !word.chars().any(char::is_alphanumeric) {
            push_bigrams(&mut run, &mut out);
            continue;
        }
        if !word.chars().all(is_han) {
            push_bigrams(&mut run, &mut out);
            // Numbers and Latin words ("520", "app") are terms of their own.
            out.push(Term::Word(word.into()));
            continue;
        }
        run.extend(word.chars());
        let chars: Vec<char> = word.chars().collect();
        if chars.len() >= 2 {
            out.push(Term::Word(word.into()));
        }
        // Search mode: the dictionary words inside a longer word, as jieba's cut_for_search.
        if chars.len() >= 3 {
            for n in 2..chars.len() {
                for part in chars.windows(n) {
                    let part: String = part.iter().collect();
                    if JIEBA.has_word(&part) && !is_stop(&part) {
                        out.push(Term::Word(part.into()));
                    }
                }
            }
        }
    }
    push_bigrams(&mut run, &mut out);
    out
}

fn push_bigrams(run: &mut Vec<char>, out: &mut Vec<Term>) {
    out.extend(run.windows(2).map(|w| Term::Bigram(w[0], w[1])));
    run.clear();
}

fn is_stop(word: &str) -> bool {
    STOP.contains(word)
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Full-width ASCII to half-width, ideographic space to space, Latin to lowercase: citizens type
/// "５２０" and "APP" as often as "520" and "app".
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Each synonym rewritten to its canonical spelling.
fn canonical(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    SYNONYM_FINDER.replace_all_with(text, &mut out, |m, _, dst| {
        dst.push_str(SYNONYMS[m.pattern().as_usize()].1);
        true
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        terms(text)
            .into_iter()
            .filter_map(|t| match t {
                Term::Word(w) => Some(w.into()),
                Term::Bigram(..) => None,
            })
            .collect()
    }

    #[test]
    fn stop_words_leave_no_terms() {
        assert!(terms("你好，请问在吗？").is_empty());
    }

    #[test]
    fn synonyms_are_rewritten_before_segmentation() {
        assert_eq!(words("社会保险"), words("社保"));
        assert_eq!(words("户籍证明"), words("户口证明"));
    }

    #[test]
    fn full_width_digits_and_capitals_are_folded() {
        assert_eq!(terms("５２０领证ＡＰＰ"), terms("520领证app"));
    }

    #[test]
    fn stop_words_break_bigram_runs() {
        let t = terms("怎么补办");
        assert!(!t.contains(&Term::Bigram('么', '补')), "{t:?}");
    }
}
