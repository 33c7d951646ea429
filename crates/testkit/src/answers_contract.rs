//! The knowledge base's queue: a consultation nobody answered on receipt waits for its lead
//! bureau only, leaves when an answer covering it is proposed or it is set aside, comes back when
//! the desk rejects that answer, and an approved answer keeps the desk's edits. Every adapter runs
//! every case through `answers_contract!`.

use chrono::{Duration, Utc};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{AnswerBook, AnswerState, Review, Store, StoreError, StoredAnswer};
use jiesu_domain::request::Kind;
use jiesu_domain::staff::Username;
use jiesu_domain::text::Description;
use uuid::Uuid;

use crate::fixtures::{admission, answered_consultation, new_request};

#[macro_export]
macro_rules! answers_contract {
    ($factory:path) => {
        $crate::answers_contract!(@cases $factory;
            a_question_waits_for_its_bureau_until_an_answer_covers_it_and_returns_if_rejected,
            only_consultations_nobody_answered_are_questions_and_one_can_be_set_aside,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::answers_contract::$case(store).await;
            }
        )*
    };
}

/// A consultation stored and dispatched; its id and the bureau leading it.
async fn consultation<S: Store>(store: &S, words: &str) -> (RequestId, BureauCode) {
    let mut new = new_request();
    new.kind = Kind::Consultation;
    new.description = Description::parse(words).expect("words");
    let a = admission(new);
    let lead = a.tasks.first().expect("dispatched to a bureau").bureau.clone();
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    (a.request.submitted.id, lead)
}

fn user(name: &str) -> Username {
    Username::parse(name).expect("username")
}

fn proposal(bureau: &BureauCode, answer: &str) -> StoredAnswer {
    StoredAnswer {
        id: Uuid::now_v7(),
        bureau: bureau.clone(),
        category: "street_lights".to_owned(),
        questions: vec!["路灯坏了找谁".to_owned(), "路灯不亮归谁管".to_owned()],
        answer: answer.to_owned(),
        source: Some("《坪山区城市照明管理办法》".to_owned()),
        valid_to: None,
        state: AnswerState::Proposed,
        proposed_by: user("clerk"),
        proposed_at: jiesu_domain::time::now(),
        reviewed_by: None,
        reviewed_at: None,
        review_note: None,
    }
}

fn review(id: Uuid, approve: bool) -> Review {
    Review {
        id,
        approve,
        questions: None,
        answer: None,
        note: Some("请写明办理时限".to_owned()),
        by: user("desk"),
        at: jiesu_domain::time::now(),
    }
}

async fn open<S: AnswerBook>(store: &S, bureau: Option<&BureauCode>) -> Vec<RequestId> {
    let since = Utc::now() - Duration::days(90);
    store
        .open_questions(bureau, since, 100)
        .await
        .expect("questions")
        .into_iter()
        .map(|q| q.request)
        .collect()
}

pub async fn a_question_waits_for_its_bureau_until_an_answer_covers_it_and_returns_if_rejected<
    S: Store + AnswerBook,
>(
    store: S,
) {
    let (id, lead) = consultation(&store, "路灯坏了应该找哪个部门").await;
    let other = BureauCode::parse("civil-affairs").expect("code");
    assert_ne!(lead, other);
    assert_eq!(open(&store, Some(&lead)).await, [id]);
    assert_eq!(open(&store, None).await, [id]);
    assert!(open(&store, Some(&other)).await.is_empty(), "another bureau's question is not listed");
    let listed = store.open_questions(Some(&lead), Utc::now() - Duration::days(1), 10).await.expect("q");
    assert_eq!(listed[0].text, "路灯坏了应该找哪个部门");
    assert!(
        open(&store, Some(&lead)).await.len() == 1
            && store
                .open_questions(Some(&lead), Utc::now() + Duration::minutes(1), 10)
                .await
                .expect("q")
                .is_empty(),
        "only those received since"
    );

    // Another bureau cannot answer it, and nothing is written when it tries.
    let foreign = proposal(&other, "找民政局");
    let refused = store.propose_answer(&foreign, &[id]).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    assert!(store.stored_answers(AnswerState::Proposed, None, 10).await.expect("list").is_empty());

    let first = proposal(&lead, "路灯由城市管理部门负责维修");
    store.propose_answer(&first, &[id]).await.expect("propose");
    assert!(open(&store, None).await.is_empty(), "covered: off the queue");
    assert!(matches!(
        store.propose_answer(&proposal(&lead, "again"), &[id]).await,
        Err(StoreError::Conflict(_))
    ));
    let waiting = store.stored_answers(AnswerState::Proposed, None, 10).await.expect("list");
    assert_eq!(waiting, std::slice::from_ref(&first));
    assert!(store.stored_answers(AnswerState::Proposed, Some(&other), 10).await.expect("list").is_empty());
    let covered = store.covered_questions(first.id).await.expect("covered");
    assert_eq!(covered.iter().map(|q| q.request).collect::<Vec<_>>(), [id]);

    // Sent back: the question waits again, and the note stays with the answer.
    assert!(store.review_answer(&review(first.id, false)).await.expect("reject"));
    assert!(!store.review_answer(&review(first.id, true)).await.expect("twice"), "decided once");
    assert_eq!(open(&store, Some(&lead)).await, [id]);
    let rejected = store.stored_answers(AnswerState::Rejected, Some(&lead), 10).await.expect("list");
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].review_note.as_deref(), Some("请写明办理时限"));
    assert_eq!(rejected[0].reviewed_by, Some(user("desk")));

    // Answered again, approved with the desk's wording.
    let second = proposal(&lead, "路灯由城市管理部门负责维修，一般3个工作日内修复");
    store.propose_answer(&second, &[id]).await.expect("propose again");
    let edited = Review {
        questions: Some(vec!["路灯坏了找谁修".to_owned()]),
        answer: Some("路灯由区城市管理和综合执法局负责维修，一般3个工作日内修复。".to_owned()),
        note: None,
        ..review(second.id, true)
    };
    assert!(store.review_answer(&edited).await.expect("approve"));
    let approved = store.stored_answers(AnswerState::Approved, None, 10).await.expect("list");
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].questions, ["路灯坏了找谁修"]);
    assert!(approved[0].answer.starts_with("路灯由区城市管理"));
    assert_eq!(approved[0].source, first.source);
    assert!(open(&store, None).await.is_empty(), "answered for good");
}

pub async fn only_consultations_nobody_answered_are_questions_and_one_can_be_set_aside<
    S: Store + AnswerBook,
>(
    store: S,
) {
    let complaint = admission(new_request());
    let answered = admission(answered_consultation());
    store.ingest(&[complaint, answered]).await.expect("ingest");
    assert!(open(&store, None).await.is_empty(), "a complaint, and a consultation answered on the call");

    let (id, lead) = consultation(&store, "我家的情况比较特殊，想当面咨询").await;
    let (kept, _) = consultation(&store, "路灯坏了找谁").await;
    let other = BureauCode::parse("civil-affairs").expect("code");
    let (by, at) = (user("clerk"), Utc::now());
    assert!(
        !store.set_aside(id, &other, &by, at).await.expect("set aside"),
        "not another bureau's to set aside"
    );
    assert!(store.set_aside(id, &lead, &by, at).await.expect("set aside"));
    assert!(!store.set_aside(id, &lead, &by, at).await.expect("again"), "once");
    assert_eq!(open(&store, None).await, [kept]);
    let missing = RequestId::generate();
    assert!(!store.set_aside(missing, &lead, &by, at).await.expect("unknown"));
    assert!(
        matches!(
            store.propose_answer(&proposal(&lead, "x"), &[kept, id]).await,
            Err(StoreError::Conflict(_))
        ),
        "one question set aside: the whole proposal is refused"
    );
    assert_eq!(open(&store, None).await, [kept], "and nothing was written");
}
