//! Prints how the sample knowledge base answers the held-out evaluation set: top-1, top-3,
//! wrong-answer and no-answer shares, per-category figures, each wrong answer, and the mean
//! search time. `cargo run --release -p jiesu-answers --example evaluate`
#![allow(clippy::print_stdout)]

use std::time::Instant;

use jiesu_answers::{EvaluationSet, KnowledgeBase, evaluate};

const SAMPLE: &str = include_str!("../../../config/answers/sample.toml");
const EVALUATION: &str = include_str!("../../../config/answers/evaluation.toml");

fn main() {
    let started = Instant::now();
    let kb = KnowledgeBase::from_toml(SAMPLE).expect("the sample knowledge base is valid");
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

    // A micro measurement, not a test: the mean over many rounds of every question.
    let rounds = 50;
    let started = Instant::now();
    let mut hits = 0;
    for _ in 0..rounds {
        for c in &set.cases {
            hits += kb.search(&c.question, set.today).len();
        }
    }
    let per_query = started.elapsed() / (rounds * set.cases.len()) as u32;
    println!("\nmean search time {:.1} µs per query ({hits} hits in all)", per_query.as_secs_f64() * 1e6);
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
