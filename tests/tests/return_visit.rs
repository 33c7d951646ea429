//! The return visit (回访) as a citizen answers it, in headless Chromium: once the dispatch desk
//! has reviewed the result, the tracking page asks whether the problem is solved; "not solved"
//! sends it back to the bureau that resolved it (重办). On both backends.

use std::time::Duration;

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(a_citizen_who_says_not_solved_gets_the_request_reopened);

async fn a_citizen_who_says_not_solved_gets_the_request_reopened(backend: Backend) {
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
    let task = um.task_for(&id, "dispatched").await.expect("task");
    um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    um.ok(&format!("/api/v1/tasks/{task}/resolve"), json!({ "result": "已更换灯泡" })).await;
    let desk = StaffClient::login(&app.base, "desk").await;
    desk.ok(&format!("/api/v1/requests/{id}/review"), json!({ "approve": true })).await;

    let browser = Browser::start().await;
    let c = &browser.client;
    c.goto(&format!("{}/track?n={id}", app.base)).await.expect("open the tracking page");
    c.find(Locator::Css("#last4")).await.expect("digits").send_keys("5678").await.expect("type");
    c.find(Locator::Css("#look-up")).await.expect("button").click().await.expect("look up");
    c.wait().for_element(Locator::Css("#visit-form")).await.expect("the return-visit form");
    let status = c.find(Locator::Css("#status")).await.expect("status").text().await.expect("text");
    assert_eq!(status, "待回访");
    let history = c.find(Locator::Css("#history")).await.expect("history").text().await.expect("text");
    assert!(history.contains("已更换灯泡"), "the result is the citizen's to read: {history}");
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
