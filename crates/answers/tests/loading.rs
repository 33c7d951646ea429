//! Reading a knowledge base: the TOML shape, and each check an entry must pass.

use chrono::NaiveDate;
use jiesu_answers::{Entry, Error, KnowledgeBase};

fn entry(id: &str) -> Entry {
    Entry {
        id: id.to_owned(),
        questions: vec!["结婚登记怎么办理".to_owned()],
        answer: "带上身份证到婚姻登记处。".to_owned(),
        bureau: "civil-affairs".to_owned(),
        category: "marriage".to_owned(),
        valid_from: None,
        valid_to: None,
        source: None,
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

#[test]
fn entries_are_read_from_entry_tables_with_optional_dates_and_source() {
    let kb = KnowledgeBase::from_toml(
        r#"
[[entry]]
id = "marriage"
questions = ["结婚登记怎么办理", "领证要带什么"]
answer = "带上身份证。"
bureau = "civil-affairs"
category = "marriage"
valid_from = "2025-05-10"
valid_to = "2026-12-31"
source = "《婚姻登记条例》"

[[entry]]
id = "id-card"
questions = ["身份证丢了怎么补办"]
answer = "到派出所补领。"
bureau = "police"
category = "household"
"#,
    )
    .expect("valid");
    assert_eq!(kb.entries().len(), 2);
    let marriage = kb.get("marriage").expect("read");
    assert_eq!(marriage.questions.len(), 2);
    assert_eq!(marriage.valid_from, Some(day(2025, 5, 10)));
    assert_eq!(marriage.valid_to, Some(day(2026, 12, 31)));
    assert_eq!(marriage.source.as_deref(), Some("《婚姻登记条例》"));
    assert_eq!(kb.get("id-card").expect("read").valid_from, None);
    assert!(kb.get("missing").is_none());
}

#[test]
fn an_empty_file_is_an_empty_knowledge_base_that_answers_nothing() {
    let kb = KnowledgeBase::from_toml("").expect("valid");
    assert!(kb.entries().is_empty());
    assert!(kb.search("结婚登记", day(2026, 1, 1)).is_empty());
}

#[test]
fn unknown_keys_missing_fields_and_bad_dates_are_syntax_errors() {
    let base =
        "[[entry]]\nid = \"a\"\nquestions = [\"q\"]\nanswer = \"a\"\nbureau = \"b\"\ncategory = \"c\"\n";
    for text in [
        format!("{base}colour = \"red\"\n"),
        base.replace("bureau = \"b\"\n", ""),
        format!("{base}valid_from = \"2025-13-01\"\n"),
        format!("{base}[[answer]]\n"),
        "not toml at all".to_owned(),
    ] {
        let err = KnowledgeBase::from_toml(&text).expect_err(&text);
        assert!(matches!(err, Error::Syntax(_)), "{text}: {err:?}");
    }
}

#[test]
fn ids_must_be_lowercase_slugs() {
    for id in ["", "Marriage", "结婚", "a b", "a_b"] {
        let err = KnowledgeBase::new(vec![entry(id)]).expect_err(id);
        assert!(matches!(err, Error::BadId { .. }), "{id:?}: {err:?}");
    }
    KnowledgeBase::new(vec![entry("marriage-2025")]).expect("a slug");
}

#[test]
fn a_duplicate_id_is_refused_and_named() {
    let err = KnowledgeBase::new(vec![entry("a"), entry("b"), entry("a")]).expect_err("duplicate");
    assert!(matches!(&err, Error::DuplicateId { id } if id == "a"), "{err:?}");
    assert!(err.to_string().contains("\"a\""), "{err}");
}

#[test]
fn an_entry_without_questions_or_with_a_blank_one_is_refused() {
    let mut none = entry("a");
    none.questions.clear();
    assert!(matches!(KnowledgeBase::new(vec![none]), Err(Error::NoQuestions { .. })));

    let mut blank = entry("a");
    blank.questions.push("  ".to_owned());
    assert!(matches!(KnowledgeBase::new(vec![blank]), Err(Error::BlankQuestion { .. })));
}

#[test]
fn a_blank_answer_bureau_or_category_is_refused_by_name() {
    type Blank = fn(&mut Entry);
    let cases: [(Blank, &str); 3] = [
        (|e| e.answer = " ".to_owned(), "answer"),
        (|e| e.bureau = String::new(), "bureau"),
        (|e| e.category = String::new(), "category"),
    ];
    for (blank, name) in cases {
        let mut e = entry("a");
        blank(&mut e);
        let err = KnowledgeBase::new(vec![e]).expect_err(name);
        assert!(matches!(err, Error::BlankField { field, .. } if field == name), "{name}: {err:?}");
    }
}

#[test]
fn a_validity_that_ends_before_it_starts_is_refused_but_one_day_is_fine() {
    let mut e = entry("a");
    e.valid_from = Some(day(2026, 3, 2));
    e.valid_to = Some(day(2026, 3, 1));
    let err = KnowledgeBase::new(vec![e.clone()]).expect_err("inverted");
    assert!(matches!(err, Error::ValidToBeforeFrom { .. }), "{err:?}");

    e.valid_to = e.valid_from;
    KnowledgeBase::new(vec![e]).expect("a single day");
}
