//! Prints how the sample knowledge base answers the held-out evaluation set: top-1, top-3,
//! wrong-answer and no-answer shares, per-category figures, each wrong answer, and the mean
//! search time. `cargo run --release -p jiesu-answers --example evaluate`
#![allow(clippy::print_stdout)]

use std::time::Instant;

use jiesu_answers::{Case, Entry, EvaluationSet, KnowledgeBase, Thresholds, evaluate};

const SAMPLE: &str = include_str!("../../../config/answers/sample.toml");
const EVALUATION: &str = include_str!("../evaluation.toml");

fn main() {
    let started = Instant::now();
    let thresholds = thresholds_from_args();
    let kb = KnowledgeBase::from_toml(SAMPLE)
        .expect("the sample knowledge base is valid")
        .with_thresholds(thresholds);
    let built = started.elapsed();
    let set = EvaluationSet::from_toml(EVALUATION).expect("the evaluation set is valid");
    let ev = evaluate(&kb, &set.cases, set.today);
    let t = ev.totals;

    println!("{} entries, built in {:.1} ms (jieba's dictionary included)", kb.entries().len(), ms(built));
    println!(
        "{} questions: {} answerable, {} unanswerable, as of {}",
        ev.n, t.answerable, t.unanswerable, set.today
    );
    println!("top-1 (answer given is right)   {:5.1}%  ({}/{})", 100.0 * ev.top1, t.top1, t.answerable);
    println!("top-3 (right one in first three) {:5.1}%  ({}/{})", 100.0 * ev.top3, t.top3, t.answerable);
    println!(
        "wrong answers (of all)           {:5.1}%  ({}/{})",
        100.0 * ev.wrong_answer_share,
        t.wrong,
        ev.n
    );
    println!(
        "no answer (of answerable)        {:5.1}%  ({}/{})",
        100.0 * ev.no_answer_share,
        t.no_answer,
        t.answerable
    );
    println!("refused (of unanswerable)        {:5.1}%", 100.0 * ev.refused_share);

    println!("\n{:<20} {:>5} {:>6} {:>6} {:>6} {:>6}", "category", "n", "top1", "top3", "wrong", "none");
    for (category, c) in &ev.by_category {
        println!(
            "{category:<20} {:>5} {:>6} {:>6} {:>6} {:>6}",
            c.answerable + c.unanswerable,
            c.top1,
            c.top3,
            c.wrong,
            c.no_answer
        );
    }

    println!("\nwrong answers:");
    for o in ev.outcomes.iter().filter(|o| o.is_wrong_answer()) {
        let expect = o.expect.as_deref().unwrap_or("none");
        println!("  {}  → {} (expected {expect})", o.question, o.answered.as_deref().unwrap_or("-"));
    }
    if std::env::args().any(|a| a == "--misses") {
        println!("\nanswerable, not answered (first three hits):");
        for o in ev.outcomes.iter().filter(|o| o.expect.is_some() && o.answered.is_none()) {
            println!("  {}  expected {}: {:?}", o.question, o.expect.as_deref().unwrap_or("-"), o.top3);
        }
    }

    if std::env::args().any(|a| a == "--detail") {
        // Every question's best two hits, to see where the thresholds fall.
        println!("\nok  score  cover  lead  best / expected  question");
        for c in &set.cases {
            let hits = kb.search(&c.question, set.today);
            let Some(best) = hits.first() else {
                println!("--      -      -     -  (no hit) / {:?}  {}", c.expect, c.question);
                continue;
            };
            let lead = hits.get(1).map_or(f32::INFINITY, |s| best.score / s.score);
            let ok = if c.expect.as_deref() == Some(best.id()) { "ok" } else { "XX" };
            println!(
                "{ok} {:6.2} {:6.2} {:5.2}  {} / {}  {}",
                best.score,
                best.coverage,
                lead,
                best.id(),
                c.expect.as_deref().unwrap_or("none"),
                c.question
            );
        }
    }

    leave_one_out(kb.entries(), &set, thresholds);

    // A micro measurement, not a test: the mean over many rounds of every question, on the
    // sample and on the sample eight times over (a few hundred entries, as a district's
    // knowledge base may grow to).
    println!();
    time_searches(&kb, &set);
    let copies: Vec<Entry> = (0..8)
        .flat_map(|copy| {
            kb.entries().iter().map(move |e| Entry { id: format!("{}-{copy}", e.id), ..e.clone() })
        })
        .collect();
    let started = Instant::now();
    let big = KnowledgeBase::new(copies).expect("renamed copies are valid");
    println!("({} entries, indexed in {:.1} ms)", big.entries().len(), ms(started.elapsed()));
    time_searches(&big, &set);
}

fn time_searches(kb: &KnowledgeBase, set: &EvaluationSet) {
    let rounds = 50;
    let started = Instant::now();
    let mut hits = 0;
    for _ in 0..rounds {
        for c in &set.cases {
            hits += kb.search(&c.question, set.today).len();
        }
    }
    let per_query = started.elapsed() / (rounds * set.cases.len()) as u32;
    println!(
        "mean search time over {} entries: {:.1} µs per query ({hits} hits in all)",
        kb.entries().len(),
        per_query.as_secs_f64() * 1e6
    );
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A second opinion the thresholds were not tuned on: each question variant of the knowledge
/// base asked of the knowledge base without that variant (entries with one variant skipped).
fn leave_one_out(entries: &[Entry], set: &EvaluationSet, thresholds: Thresholds) {
    let (mut n, mut top1, mut top3, mut wrong) = (0, 0, 0, 0);
    for (i, entry) in entries.iter().enumerate() {
        if entry.questions.len() < 2 || !entry.is_valid_on(set.today) {
            continue;
        }
        for q in 0..entry.questions.len() {
            let mut held = entries.to_vec();
            let question = held[i].questions.remove(q);
            let kb = KnowledgeBase::new(held)
                .expect("one variant fewer is still valid")
                .with_thresholds(thresholds);
            let case = Case { question, expect: Some(entry.id.clone()) };
            let ev = evaluate(&kb, &[case], set.today);
            n += 1;
            top1 += ev.totals.top1;
            top3 += ev.totals.top3;
            wrong += ev.totals.wrong;
            if ev.totals.wrong > 0 && std::env::args().any(|a| a == "--misses") {
                let o = &ev.outcomes[0];
                println!("  loo wrong: {} → {:?} (expected {})", o.question, o.answered, entry.id);
            }
        }
    }
    let pct = |k: usize| 100.0 * k as f64 / n.max(1) as f64;
    println!(
        "\nleave-one-out over the entries' own {n} variants: top-1 {:.1}%, top-3 {:.1}%, wrong {:.1}%",
        pct(top1),
        pct(top3),
        pct(wrong)
    );
}

/// The default thresholds, or those given as `--score S --coverage C --lead L`, to try others.
fn thresholds_from_args() -> Thresholds {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        let at = args.iter().position(|a| a == name)?;
        args.get(at + 1)?.parse::<f32>().ok()
    };
    let d = Thresholds::default();
    Thresholds {
        min_score: arg("--score").unwrap_or(d.min_score),
        min_coverage: arg("--coverage").unwrap_or(d.min_coverage),
        min_lead: arg("--lead").unwrap_or(d.min_lead),
    }
}
