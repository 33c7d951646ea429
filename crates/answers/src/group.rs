//! Questions the knowledge base could not answer, grouped by what they ask, so a bureau writes one
//! answer for 结婚登记要带什么 and 办结婚证需要哪些材料 rather than one each.
//!
//! Each question becomes a weighted term vector (the same terms the search uses: jieba words,
//! synonyms folded, stop words dropped, bigrams as a fallback); a question joins the group whose
//! summed vector it is most similar to (cosine), if that is similar enough, else starts its own.
//! One pass in the order given: the newest first keeps a busy group's wording current.

use std::collections::HashMap;

use crate::text::{self, Term};

/// How similar (cosine, 0 to 1) a question must be to a group to join it. Two wordings of one
/// question share their key words (结婚 登记 材料) and score 0.5 and up; questions about
/// different matters of one field (补办结婚证, 离婚登记) share one word and stay under 0.4.
pub const JOIN_AT: f32 = 0.45;

type Vector = HashMap<Term, f32>;

fn vector(question: &str) -> Vector {
    let mut v = Vector::new();
    for (term, weight) in text::terms(question) {
        *v.entry(term).or_default() += weight;
    }
    v
}

fn norm(v: &Vector) -> f32 {
    v.values().map(|w| w * w).sum::<f32>().sqrt()
}

fn cosine(a: &Vector, b: &Vector) -> f32 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let dot: f32 = small.iter().filter_map(|(t, w)| large.get(t).map(|x| w * x)).sum();
    let n = norm(a) * norm(b);
    if n == 0.0 { 0.0 } else { dot / n }
}

/// The questions' positions, grouped: the largest group first (ties: the one whose first
/// question came first), each group's positions in the order given. A question with no terms at
/// all (stop words only) stands alone.
#[must_use]
pub fn group(questions: &[&str]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(Vector, Vec<usize>)> = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let v = vector(q);
        let best = groups
            .iter()
            .enumerate()
            .map(|(g, (sum, _))| (g, cosine(&v, sum)))
            .filter(|(_, s)| *s >= JOIN_AT)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((g, _)) => {
                let (sum, members) = &mut groups[g];
                for (term, w) in v {
                    *sum.entry(term).or_default() += w;
                }
                members.push(i);
            }
            None => groups.push((v, vec![i])),
        }
    }
    let mut out: Vec<Vec<usize>> = groups.into_iter().map(|(_, m)| m).collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(questions: &[&str]) -> Vec<Vec<String>> {
        group(questions)
            .into_iter()
            .map(|g| g.into_iter().map(|i| questions[i].to_owned()).collect())
            .collect()
    }

    #[test]
    fn wordings_of_one_question_are_grouped_and_other_questions_kept_apart() {
        let asked = [
            "结婚登记要带什么材料",
            "社保断缴了怎么补缴",
            "办理结婚登记需要哪些材料？",
            "居住证到期了怎么续签",
            "请问结婚登记要准备什么材料",
            "社保断缴以后可以补缴吗",
            "离婚登记在哪里办",
        ];
        let groups = texts(&asked);
        assert_eq!(
            groups[0],
            ["结婚登记要带什么材料", "办理结婚登记需要哪些材料？", "请问结婚登记要准备什么材料"]
        );
        assert_eq!(groups[1], ["社保断缴了怎么补缴", "社保断缴以后可以补缴吗"]);
        assert!(groups.contains(&vec!["离婚登记在哪里办".to_owned()]), "{groups:?}");
        assert!(groups.contains(&vec!["居住证到期了怎么续签".to_owned()]), "{groups:?}");
        assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), asked.len());
    }

    #[test]
    fn a_question_of_stop_words_stands_alone() {
        assert_eq!(group(&["你好", "在吗"]), vec![vec![0], vec![1]]);
        assert!(group(&[]).is_empty());
    }
}
