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

use crate::lexicon::{DOMAIN_WORDS, STOP_WORDS, SYNONYMS, VERBS, WEAK_WORDS};

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
static WEAK: LazyLock<HashSet<&'static str>> = LazyLock::new(|| WEAK_WORDS.iter().copied().collect());

/// Loads the dictionary now rather than on the first query.
pub(crate) fn warm_up() {
    LazyLock::force(&JIEBA);
    LazyLock::force(&SYNONYM_FINDER);
    LazyLock::force(&STOP);
    LazyLock::force(&WEAK);
}

/// A whole word (as jieba cut it) counts fully.
const WORD_WEIGHT: f32 = 1.0;
/// A dictionary word inside a longer one (医疗 in 医疗保险) counts half: it lets 结婚 find
/// 结婚登记, without a long word counting as all its parts over again.
const SUBWORD_WEIGHT: f32 = 0.5;
/// A lone character that is no stop word and no known verb (钱, 拍): some meaning, little.
const CHAR_WEIGHT: f32 = 0.4;
/// Two adjacent characters: the fallback for a segmentation mismatch, and a word's own bigram
/// would otherwise count the word twice.
const BIGRAM_WEIGHT: f32 = 0.35;
/// A word of [`WEAK_WORDS`] counts this much of the weight it would have.
const WEAK_FACTOR: f32 = 0.5;

/// The weighted terms of `text`, in order, repeats kept (the index counts them).
pub(crate) fn terms(text: &str) -> Vec<(Term, f32)> {
    let text = canonical(&fold(text));
    let mut out = Vec::new();
    // Han characters of consecutive kept tokens: a stop word or punctuation ends a run, so no
    // bigram spans "怎么" or a comma.
    let mut run: Vec<char> = Vec::new();
    for token in JIEBA.cut(&text, true) {
        let word = strip_aspect(token.word);
        if is_stop(word) || !word.chars().any(char::is_alphanumeric) {
            push_bigrams(&mut run, &mut out);
            continue;
        }
        if !word.chars().all(is_han) {
            push_bigrams(&mut run, &mut out);
            // Numbers and Latin words ("520", "app") are terms of their own.
            out.push((Term::Word(word.into()), WORD_WEIGHT));
            continue;
        }
        run.extend(word.chars());
        let chars: Vec<char> = word.chars().collect();
        if chars.len() == 1 {
            match VERBS.iter().find(|(verb, _)| *verb == word) {
                Some((_, canonical)) => out.push(word_term(canonical, WORD_WEIGHT)),
                None => out.push((Term::Word(word.into()), CHAR_WEIGHT)),
            }
            continue;
        }
        out.push(word_term(word, WORD_WEIGHT));
        // Search mode: the dictionary words inside a longer word, as jieba's cut_for_search.
        for n in 2..chars.len() {
            for part in chars.windows(n) {
                let part: String = part.iter().collect();
                if JIEBA.has_word(&part) && !is_stop(&part) {
                    out.push(word_term(&part, SUBWORD_WEIGHT));
                }
            }
        }
    }
    push_bigrams(&mut run, &mut out);
    out
}

/// A content word and its part of speech as jieba tags it (`n` noun, `vn` verbal noun, `ns`
/// place, `m` numeral, ...).
type Tagged = (String, String);

/// The content words of `text` in order, `None` where a stop word or punctuation breaks the run
/// (so two words are adjacent only when nothing stood between them).
fn content_words(text: &str) -> Vec<Option<Tagged>> {
    let text = canonical(&fold(text));
    JIEBA
        .tag(&text, true)
        .into_iter()
        .map(|token| {
            let word = strip_aspect(token.word);
            let content = !is_stop(word) && word.chars().any(char::is_alphanumeric);
            content.then(|| (word.to_owned(), token.tag.to_owned()))
        })
        .collect()
}

/// The (modifier, head) pairs of adjacent nouns of two characters or more (高龄 津贴, 生育 津贴):
/// a place (东莞 社保), a numeral (一张 社保卡) or a locative (楼下 药店) narrows the question
/// without changing its subject, and a noun before a verb (我爸 去世) is no compound.
fn compounds(words: &[Option<Tagged>]) -> Vec<(&str, &str)> {
    // Our domain words carry no tag (`x`); abbreviations are `j` (社保).
    fn noun(tag: &str) -> bool {
        matches!(tag, "n" | "vn" | "nz")
    }
    fn long(w: &Option<Tagged>) -> Option<&Tagged> {
        w.as_ref().filter(|(w, _)| w.chars().count() >= 2)
    }
    let adjacent = words
        .windows(2)
        .filter_map(|p| Some((long(&p[0])?, long(&p[1])?)))
        .filter(|((_, m), (_, h))| noun(m) && (noun(h) || matches!(h.as_str(), "j" | "x")))
        .map(|((m, _), (h, _))| (m.as_str(), h.as_str()));
    // A compound kept whole (生育津贴, one of our domain words): its dictionary parts.
    let inside = words.iter().flatten().filter(|(w, _)| w.chars().count() >= 4).flat_map(|(w, _)| {
        w.char_indices().skip(2).map(|(at, _)| (&w[..at], &w[at..])).filter(|(m, h)| {
            h.chars().count() >= 2 && JIEBA.has_word(m) && JIEBA.has_word(h) && !is_stop(m) && !is_stop(h)
        })
    });
    adjacent.chain(inside).collect()
}

/// Whether the query and the entry's questions share a head word under different modifiers,
/// the query's one a word the knowledge base never uses (`unseen`) and the entry's absent from
/// the query: 高龄津贴 asked, only 生育津贴 known. The shared word makes such an entry score as a
/// match, but it answers another question. (A modifier the knowledge base knows elsewhere, 补办
/// or 异地, is a detail of the question, not another subject.)
pub(crate) fn modifier_conflict(query: &str, questions: &[String], unseen: impl Fn(&str) -> bool) -> bool {
    let asked = content_words(query);
    let asked_words: Vec<&str> = asked.iter().flatten().map(|(w, _)| w.as_str()).collect();
    let known: Vec<Vec<Option<Tagged>>> = questions.iter().map(|q| content_words(q)).collect();
    let known_words: Vec<&str> = known.iter().flatten().flatten().map(|(w, _)| w.as_str()).collect();
    let known_pairs: Vec<(&str, &str)> = known.iter().flat_map(|k| compounds(k)).collect();
    compounds(&asked).into_iter().any(|(modifier, head)| {
        !known_words.contains(&modifier)
            && unseen(modifier)
            && known_pairs.iter().any(|(m, h)| *h == head && !asked_words.contains(m))
    })
}

fn word_term(word: &str, weight: f32) -> (Term, f32) {
    let weight = if WEAK.contains(word) { weight * WEAK_FACTOR } else { weight };
    (Term::Word(word.into()), weight)
}

/// A verb with its aspect particle, as jieba often keeps it (交了, 转过), without the particle.
fn strip_aspect(word: &str) -> &str {
    let mut chars = word.char_indices();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(_), Some((at, '了' | '过' | '着')), None) => &word[..at],
        _ => word,
    }
}

fn push_bigrams(run: &mut Vec<char>, out: &mut Vec<(Term, f32)>) {
    out.extend(run.windows(2).map(|w| (Term::Bigram(w[0], w[1]), BIGRAM_WEIGHT)));
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
            .filter_map(|(t, _)| match t {
                Term::Word(w) => Some(w.into()),
                Term::Bigram(..) => None,
            })
            .collect()
    }

    #[test]
    fn one_head_word_under_two_modifiers_is_a_conflict() {
        let known = ["生育津贴怎么领".to_owned(), "生了孩子能领多少生育津贴".to_owned()];
        let unseen = |w: &str| w == "高龄";
        assert!(modifier_conflict("请问高龄津贴在哪里申请", &known, unseen));
        assert!(
            !modifier_conflict("请问高龄津贴在哪里申请", &known, |_| false),
            "a modifier known elsewhere"
        );
        assert!(!modifier_conflict("生育津贴在哪里申请", &known, unseen), "the same modifier");
        assert!(!modifier_conflict("津贴在哪里申请", &known, unseen), "no modifier asked");
        let id = ["身份证丢了怎么补办".to_owned()];
        assert!(
            !modifier_conflict("补办身份证要多久", &id, |_| true),
            "the modifier is a word the entry has"
        );
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
        assert!(!t.iter().any(|(t, _)| *t == Term::Bigram('么', '补')), "{t:?}");
    }
}
