//! The return visit (回访) as a citizen answers it, in headless Chromium: once the dispatch desk
//! has reviewed the result, the tracking page asks whether the problem is solved; "not solved"
//! sends it back to the bureau that resolved it (重办). And the bureau cannot answer it in the
//! citizen's place: the visit takes the request's own link secret. On both backends.

use std::time::Duration;

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(
    a_citizen_who_says_not_solved_gets_the_request_reopened,
    a_bureau_cannot_give_the_return_visit_with_what_it_sees,
);

/// A request with a phone number, resolved by its bureau and passed by the desk's closure review:
/// its return visit is due.
struct Reviewed {
    app: jiesu_e2e::backend::Running,
    id: String,
    um: StaffClient,
    task: String,
    desk: StaffClient,
}

async fn reviewed(backend: &Backend) -> Reviewed {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);
    let fields =
        [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", "13812345678")];
    let id = citizen.post(&fields, None).await.expect("POST").id();
    citizen.wait_for(&id, Duration::from_secs(15)).await;
    let um = StaffClient::login(&app.base, "um-staff").await;
    let desk = StaffClient::login(&app.base, "desk").await;
    let task = jiesu_e2e::staff::work_to_review(&um, &desk, &id).await;
    Reviewed { app, id, um, task, desk }
}

async fn a_citizen_who_says_not_solved_gets_the_request_reopened(backend: Backend) {
    let Reviewed { app, id, um, task, desk } = reviewed(&backend).await;

    let browser = Browser::start().await;
    let c = &browser.client;
    c.goto(&format!("{}/track?n={id}", app.base)).await.expect("open the tracking page");
    c.find(Locator::Css("#last4")).await.expect("digits").send_keys("5678").await.expect("type");
    c.find(Locator::Css("#look-up")).await.expect("button").click().await.expect("look up");
    c.wait().for_element(Locator::Css("#visit-form")).await.expect("the return-visit form");
    let status = c.find(Locator::Css("#status")).await.expect("status").text().await.expect("text");
    assert_eq!(status, "待回访");
    let history = c.find(Locator::Css("#history")).await.expect("history").text().await.expect("text");
    assert!(history.contains("灯具已更换"), "the result is the citizen's to read: {history}");
    c.find(Locator::Css("#solved-no")).await.expect("radio").click().await.expect("choose");
    c.find(Locator::Css("#sat-dissatisfied")).await.expect("radio").click().await.expect("choose");
    c.find(Locator::Css("#comment"))
        .await
        .expect("comment")
        .send_keys("路灯晚上还是不亮")
        .await
        .expect("type");
    c.find(Locator::Css("#visit-submit")).await.expect("button").click().await.expect("send");
    let notice = c
        .wait()
        .for_element(Locator::Css("#visit-notice"))
        .await
        .expect("notice")
        .text()
        .await
        .expect("text");
    assert!(notice.contains("重新办理"), "{notice}");
    let status = c.find(Locator::Css("#status")).await.expect("status").text().await.expect("text");
    assert_eq!(status, "已派单", "reopened");
    assert!(c.find(Locator::Css("#visit-form")).await.is_err(), "answered once");
    browser.close().await;

    // Back with the bureau that resolved it, as a fresh task with fresh clocks.
    let again = um.task_for(&id, "dispatched").await.expect("a new task for the same bureau");
    assert_ne!(again, task);
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    assert_eq!(case["return_visits"][0]["solved"], false);
    assert_eq!(case["return_visits"][0]["comment"], "路灯晚上还是不亮");
    app.stop().await;
}

async fn a_bureau_cannot_give_the_return_visit_with_what_it_sees(backend: Backend) {
    use jiesu_e2e::citizen::{post_visit, track, visit_secret};
    let Reviewed { app, id, um, task, desk } = reviewed(&backend).await;

    // The bureau's view of the case: the tracking number and the masked phone.
    let (_, seen) = um.get(&format!("/api/v1/tasks/{task}")).await;
    let masked = seen["case"]["request"]["contact"]["phone"].as_str().expect("a masked phone").to_owned();
    assert!(!masked.contains("5678"), "staff see the digits the tracking page asks for: {masked}");
    let shown_tail: String = masked.chars().skip(masked.chars().count() - 4).collect();
    let (status, _) = track(&app.base, &id, &shown_tail).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the tracking page with what staff see");
    // Even with the right digits (guessed, or told), the visit takes the link's secret only.
    // (Four failures in all: a fifth would lock the number for the citizen too.)
    for form in [
        vec![("n", id.as_str()), ("last4", "5678"), ("solved", "yes"), ("satisfaction", "satisfied")],
        vec![("n", id.as_str()), ("k", "00000000000000000000000000"), ("solved", "yes")],
        vec![("n", id.as_str()), ("k", ""), ("last4", shown_tail.as_str()), ("solved", "yes")],
    ] {
        let (status, page) = post_visit(&app.base, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{form:?}: {page}");
    }
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    assert_eq!(case["request"]["status"], "reviewed", "no visit was recorded");
    assert_eq!(case["return_visits"], json!([]));

    // The citizen's tracking page gives the link; the link opens the form and takes the visit.
    let (status, page) = track(&app.base, &id, "5678").await;
    assert_eq!(status, StatusCode::OK);
    let k = visit_secret(&page).expect("the return-visit link");
    let link = reqwest::get(format!("{}/track/visit?n={id}&k={k}", app.base)).await.expect("GET the link");
    assert_eq!(link.status(), StatusCode::OK);
    assert!(link.text().await.expect("page").contains("visit-form"));
    let (status, _) =
        post_visit(&app.base, &[("n", id.as_str()), ("k", k.as_str()), ("solved", "yes")]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    assert_eq!(case["request"]["status"], "closed");
    assert_eq!(case["return_visits"][0]["by"]["type"], "citizen", "recorded as the citizen's");
    app.stop().await;
}
