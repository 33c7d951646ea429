//! 秒回 learns (issue 17): consultations the knowledge base could not answer wait for the bureau
//! that leads them, grouped by what they ask; the bureau's clerk answers a group on
//! `/staff/answers`, the desk corrects and approves it, and from then on 秒回 answers the
//! question on the web form and for the call centre's operators. Another bureau's staff can
//! neither see nor answer nor set aside those questions, and only the desk reviews. In headless
//! Chromium at desktop and phone size with axe-core, on both backends.

use std::time::Duration;

use fantoccini::{Client, Locator};
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::Backend;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::citizen::ask_on_web;
use jiesu_e2e::pages::{
    DESKTOP, PageSession, assert_accessible, click, fill, hidden, sign_in, sign_out, text,
};
use jiesu_e2e::staff::StaffClient;
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(
    a_question_nobody_could_answer_is_answered_by_its_bureau_approved_and_then_answered_at_once
);

async fn instant(base: &str, q: &str) -> Value {
    let get = reqwest::Client::new().get(format!("{base}/answers")).query(&[("lang", "zh"), ("q", q)]);
    get.send().await.expect("GET").json().await.expect("JSON")
}

/// The clerk's page once `n` questions are listed (they are dispatched asynchronously).
async fn questions_page(clerk: &PageSession, n: usize) -> String {
    for _ in 0..150 {
        let (status, page) = clerk.get("/staff/answers").await;
        assert_eq!(status, StatusCode::OK);
        if page.matches("class=\"qtext\"").count() == n {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{n} questions never listed");
}

const PRIVILEGE: [&str; 2] = ["老年人优待证在哪里办理", "请问老年人优待证怎么办"];
const ASSISTANCE: &str = "低保申请需要满足什么条件";
const APPROVED: &str = "年满60周岁的老年人，可携带身份证和一寸照片到居住地社区工作站申办老年人优待证，当场受理，10个工作日内发证。";

async fn a_question_nobody_could_answer_is_answered_by_its_bureau_approved_and_then_answered_at_once(
    backend: Backend,
) {
    let app = backend.start(Roles::ALL).await;
    backend.add_staff("clerk", StaffRole::BureauStaff, Some("civil-affairs")).await;
    backend.add_staff("nurse", StaffRole::BureauStaff, Some("health")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    for q in PRIVILEGE.iter().chain([&ASSISTANCE]) {
        assert_eq!(instant(&app.base, q).await["answers"], json!([]), "秒回 has no answer for {q}");
    }
    ask_on_web(&app.base, "110101", PRIVILEGE[0]).await;
    ask_on_web(&app.base, "110201", ASSISTANCE).await;
    ask_on_web(&app.base, "110101", PRIVILEGE[1]).await;

    // Another bureau sees none of them, and cannot answer or set aside one by its id.
    let clerk = PageSession::sign_in(&app.base, "clerk").await;
    let listed = questions_page(&clerk, 3).await;
    let nurse = PageSession::sign_in(&app.base, "nurse").await;
    let (_, theirs) = nurse.get("/staff/answers").await;
    assert!(theirs.contains("id=\"no-questions\"") && !theirs.contains("优待证"), "{theirs}");
    let at = listed.find(ASSISTANCE).expect("the assistance question");
    let covers = hidden(&listed[at..], "covers").expect("its group's form");
    let answer = [
        ("csrf", nurse.csrf.as_str()),
        ("covers", &covers),
        ("questions", "低保"),
        ("answer", "x"),
        ("category", "general"),
    ];
    let (status, _) = nurse.post("/staff/answers", &answer).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) =
        nurse.post(&format!("/staff/answers/questions/{covers}/set-aside"), &[("csrf", &nurse.csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    questions_page(&clerk, 3).await;

    // The clerk answers the group of two in the browser.
    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("a desktop's screen");
    sign_in(c, &app.base, "clerk", "/staff/answers").await;
    let group = text(c, "#group-0").await;
    assert!(
        group.contains("2 人问过") && group.contains(PRIVILEGE[0]) && group.contains(PRIVILEGE[1]),
        "{group}"
    );
    assert!(text(c, "#group-1").await.contains(ASSISTANCE));
    assert_accessible(c, "a bureau's questions to answer").await;
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("a desktop's screen");
    fill(c, "#answer-0", "可到社区工作站办理优待证").await;
    fill(c, "#source-0", "《深圳市老年人优待办法》").await;
    click(c, "#propose-0").await;
    assert!(text(c, "#flash").await.contains("已提交分拨台审核"));
    assert!(text(c, "#my-answers").await.contains("待审核"));
    assert!(!text(c, "#question-groups").await.contains("优待证"), "answered: off the list");
    sign_out(c).await;

    // Only the desk reviews: the clerk cannot approve their own answer.
    let desk = PageSession::sign_in(&app.base, "desk").await;
    let (_, review) = desk.get("/staff/answers").await;
    let at = review.find("id=\"review-").expect("an answer to review") + "id=\"review-".len();
    let id = &review[at..at + 36];
    let approve =
        [("csrf", clerk.csrf.as_str()), ("verdict", "approve"), ("questions", "q"), ("answer", "a")];
    let (status, _) = clerk.post(&format!("/staff/answers/{id}/review"), &approve).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The desk corrects the wording and approves.
    sign_in(c, &app.base, "desk", "/staff/answers").await;
    let card = text(c, &format!("#review-{id}")).await;
    assert!(card.contains("民政") && card.contains("深圳市老年人优待办法"), "{card}");
    assert_accessible(c, "the desk's answers to review").await;
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.expect("a desktop's screen");
    let field = c.find(Locator::Css(&format!("#answer-{id}"))).await.expect("the answer's field");
    field.clear().await.expect("clear");
    field.send_keys(APPROVED).await.expect("type");
    click(c, &format!("#approve-{id}")).await;
    assert!(text(c, "#flash").await.contains("已采纳"));
    assert!(text(c, "#approved-answers").await.contains(APPROVED));
    assert!(text(c, "#waiting-per-bureau").await.contains('1'), "the assistance question still waits");

    // From now on 秒回 answers it, in words the question was never asked in too.
    let now = instant(&app.base, "老年人优待证要怎么办理").await;
    assert_eq!(now["answers"][0]["answer"], APPROVED, "{now}");
    let operator = StaffClient::login(&app.base, "desk").await;
    let (status, hits) = operator
        .get("/api/v1/answers?q=%E8%80%81%E5%B9%B4%E4%BA%BA%E4%BC%98%E5%BE%85%E8%AF%81%E8%A6%81%E6%80%8E%E4%B9%88%E5%8A%9E%E7%90%86")
        .await;
    assert_eq!(status, StatusCode::OK, "{hits}");
    assert!(
        hits["hits"][0]["id"].as_str().is_some_and(|i| i.starts_with("kb-"))
            && hits["hits"][0]["given"] == true,
        "{hits}"
    );
    let bureau = StaffClient::login(&app.base, "clerk").await;
    assert_eq!(bureau.get("/api/v1/answers?q=x").await.0, StatusCode::FORBIDDEN, "the operators' search");
    see_the_clerks_answer_approved(c, &app.base).await;
    browser.close().await;
    app.stop().await;
}

/// The clerk reads that the desk approved their answer, with its final wording.
async fn see_the_clerks_answer_approved(c: &Client, base: &str) {
    sign_out(c).await;
    sign_in(c, base, "clerk", "/staff/answers").await;
    let mine = text(c, "#my-answers").await;
    assert!(mine.contains("已采纳") && mine.contains(APPROVED), "{mine}");
}
