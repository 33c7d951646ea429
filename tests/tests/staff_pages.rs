//! The staff pages, used as bureau clerks use them: in headless Chromium, a request a citizen
//! reported on the web form is found in a clerk's inbox, claimed, disclaimed on to the next
//! bureau, claimed there, worked with a photo and resolved with one, reviewed and return-visited
//! by the dispatch desk, all through the pages, each
//! page checked with axe-core at desktop and phone size. And what a browser would not do: another
//! bureau's clerk opening the case or posting each action by URL (404, nothing changes), a form
//! without its token (403, nothing changes). On both backends.

use std::time::Duration;

use fantoccini::{Client, Locator};
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::Backend;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::pages::{self, PageSession, assert_accessible, click, fill, sign_in, sign_out, text};
use jiesu_e2e::staff::StaffClient;
use reqwest::StatusCode;
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(
    a_reported_request_is_claimed_disclaimed_claimed_and_resolved_through_the_pages,
    another_bureau_reaches_nothing_by_url_and_a_form_without_its_token_changes_nothing,
    the_desk_places_a_request_every_bureau_disclaimed_under_a_corrected_category,
);

/// The smallest file the photo check accepts as a JPEG.
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];

/// Blocked drains (010105): the water bureau leads, the urban management bureau is next.
const CATEGORY: &str = "010105";

/// The citizen reports on the web form; answers the tracking number.
async fn report(c: &Client, base: &str) -> String {
    c.goto(&format!("{base}/")).await.expect("open the form");
    pages::choose(c, "#category", CATEGORY).await;
    fill(c, "#description", "六联路口排水管道堵塞，下雨天积水很深").await;
    fill(c, "#address", "坪山街道六联路口").await;
    fill(c, "#lat", "22.6967").await;
    fill(c, "#lon", "114.3465").await;
    fill(c, "#phone", "138 1234 5678").await;
    c.find(Locator::Css("#submit")).await.expect("button").click().await.expect("submit");
    text(c, "#tracking").await.replace('-', "")
}

/// Opens the inbox until the request's task is listed (the dispatcher works asynchronously),
/// then its case page.
async fn open_task(c: &Client, base: &str, tracking: &str) {
    let grouped = format!("{}-{}-{}", &tracking[..4], &tracking[4..8], &tracking[8..]);
    for _ in 0..100 {
        c.goto(&format!("{base}/staff/inbox")).await.expect("open the inbox");
        let listed = c.find_all(Locator::Css("#tasks li")).await.expect("rows");
        for row in listed {
            if row.text().await.expect("text").contains(&grouped) {
                row.find(Locator::Css("a.title")).await.expect("link").click().await.expect("open");
                c.wait().for_element(Locator::Css("#tracking")).await.expect("the case page");
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{tracking} never reached the inbox");
}

async fn a_reported_request_is_claimed_disclaimed_claimed_and_resolved_through_the_pages(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    backend.add_staff("water.li", StaffRole::BureauStaff, Some("water")).await;
    backend.add_staff("city.wang", StaffRole::BureauStaff, Some("urban-management")).await;
    let photo = backend.media.path().join("result.jpg");
    std::fs::write(&photo, JPEG).expect("write the photo");
    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(pages::DESKTOP.0, pages::DESKTOP.1).await.expect("resize");

    let tracking = report(c, &app.base).await;
    c.goto(&format!("{}/staff/login", app.base)).await.expect("open");
    assert_accessible(c, "the sign-in page").await;

    // The water bureau's clerk: sent to sign in, then back to the inbox.
    sign_in(c, &app.base, "water.li", "/staff/inbox").await;
    assert_eq!(text(c, "#main h1").await, "待办 · 坪山区水务局");
    assert_accessible(c, "the inbox").await;
    open_task(c, &app.base, &tracking).await;
    assert_accessible(c, "the case page").await;
    assert_eq!(text(c, "#phone").await, "138********", "masked");
    assert!(text(c, "#candidates").await.contains("坪山区城市管理和综合执法局"), "the routing explained");

    // The lead bureau may read the number; the reading is in the history.
    click(c, "#reveal").await;
    assert_eq!(text(c, "#phone").await, "13812345678");
    assert!(text(c, "#history").await.contains("号码"), "{}", text(c, "#history").await);

    click(c, "#claim").await;
    assert!(text(c, "#flash").await.contains("已签收"));
    assert!(text(c, "#task-state").await.contains("办理中"));

    // Not ours: disclaimed with a reason, after confirming.
    c.find(Locator::Css("#disclaim-form")).await.expect("form");
    c.execute("document.querySelectorAll('details').forEach(d => d.open = true)", vec![])
        .await
        .expect("open");
    pages::choose(c, "#reason", "not_our_function").await;
    fill(c, "#explanation", "排水管道属城市管理部门养护范围").await;
    pages::click_confirmed(c, "#disclaim").await;
    assert!(text(c, "#flash").await.contains("已退单"));
    sign_out(c).await;

    // The next candidate's clerk finds it, claims, reports progress with a photo, resolves.
    sign_in(c, &app.base, "city.wang", "/staff/inbox").await;
    open_task(c, &app.base, &tracking).await;
    assert!(text(c, "#candidates").await.contains("已退单"), "the first bureau's disclaim is shown");
    click(c, "#claim").await;
    fill(c, "#note", "已派人到现场疏通").await;
    fill(c, "#progress-photos", &photo.display().to_string()).await;
    click(c, "#progress").await;
    assert!(text(c, "#flash").await.contains("进展已记录"));
    c.execute("document.querySelectorAll('details').forEach(d => d.open = true)", vec![])
        .await
        .expect("open");
    fill(c, "#result", "管道已疏通，积水已排除").await;
    fill(c, "#resolve-photos", &photo.display().to_string()).await;
    click(c, "#resolve").await;
    assert!(text(c, "#flash").await.contains("已办结"));
    let history = text(c, "#history").await;
    assert!(history.contains("管道已疏通，积水已排除") && history.contains("已派人到现场疏通"), "{history}");
    assert_eq!(
        c.find_all(Locator::Css("#history img")).await.expect("photos").len(),
        2,
        "each action's photo shown"
    );
    assert_accessible(c, "the resolved case page").await;
    // The check does find what it should: an image without a text alternative.
    c.execute("document.querySelector('#main').appendChild(document.createElement('img'))", vec![])
        .await
        .expect("add");
    let found = pages::axe(c, pages::DESKTOP).await;
    assert!(found.iter().any(|v| v.starts_with("image-alt")), "axe-core runs: {found:?}");

    // English on request, remembered.
    click(c, "a[href^='/staff/lang/en']").await;
    assert!(text(c, "#h-history").await.contains("History"));
    click(c, "a[href^='/staff/lang/zh']").await;
    sign_out(c).await;

    // The dispatch desk reviews the result and records the phone return visit.
    backend.add_staff("desk.zhou", StaffRole::Operator, None).await;
    sign_in(c, &app.base, "desk.zhou", "/staff").await;
    assert_eq!(text(c, "#main h1").await, "分拨台", "the desk starts at its queues");
    click(c, "#queue-review").await;
    assert_accessible(c, "the desk's review queue").await;
    let grouped = format!("{}-{}-{}", &tracking[..4], &tracking[4..8], &tracking[8..]);
    assert!(text(c, "#requests").await.contains(&grouped));
    // The result waits on the desk's own clock (a working day to review), shown on the row.
    let badge = text(c, "#requests .clock").await;
    assert!(badge.starts_with("剩余"), "the review's time left: {badge}");
    click(c, &format!("a[href='/staff/requests/{tracking}']")).await;
    assert_accessible(c, "the desk's request page").await;
    assert!(
        text(c, "#h-clocks + dl").await.contains("分拨台结案审核"),
        "the request page shows the desk's clock"
    );
    click(c, "#approve").await;
    assert!(text(c, "#flash").await.contains("结案审核已完成"));
    click(c, "#reveal").await;
    assert_eq!(text(c, "#phone").await, "13812345678", "the desk calls the citizen back");
    c.find(Locator::Css("#solved-yes")).await.expect("solved").click().await.expect("choose");
    c.find(Locator::Css("#sat-satisfied")).await.expect("satisfied").click().await.expect("choose");
    fill(c, "#visit-comment", "很满意，处理很快").await;
    click(c, "#record-visit").await;
    assert!(text(c, "#flash").await.contains("回访已记录"));
    browser.close().await;

    // The JSON API sees what the pages did.
    let desk = StaffClient::login(&app.base, "desk.zhou").await;
    let (status, case) = desk.get(&format!("/api/v1/requests/{tracking}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(case["request"]["status"], "closed", "{case}");
    let resolved =
        case["history"].as_array().expect("history").iter().find(|h| h["type"] == "task_resolved").cloned();
    assert_eq!(
        resolved.map(|h| h["event"]["photos"].as_array().map_or(0, Vec::len)),
        Some(1),
        "the result's photo"
    );
    let reveals =
        case["history"].as_array().expect("history").iter().filter(|h| h["type"] == "phone_revealed").count();
    assert_eq!(reveals, 2, "the lead clerk's reading and the desk's, each recorded");
    app.stop().await;
}

async fn another_bureau_reaches_nothing_by_url_and_a_form_without_its_token_changes_nothing(
    backend: Backend,
) {
    let app = backend.start(Roles::ALL).await;
    backend.add_staff("water.li", StaffRole::BureauStaff, Some("water")).await;
    backend.add_staff("market.zhao", StaffRole::BureauStaff, Some("market-regulation")).await;
    backend.add_staff("desk.zhou", StaffRole::Operator, None).await;
    let tracking = jiesu_e2e::citizen::report_on_web(&app.base, CATEGORY).await;
    let desk = StaffClient::login(&app.base, "desk.zhou").await;
    let case =
        desk.get_until(&format!("/api/v1/requests/{tracking}"), |c| c["lead"]["code"] == "water").await;
    let task = case["tasks"][0]["id"].as_str().expect("task id").to_owned();
    let history = |c: &serde_json::Value| c["history"].as_array().map_or(0, Vec::len);
    let before = history(&case);

    // No session: to the sign-in form, which comes back here.
    let anonymous =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let resp = anonymous.get(format!("{}/staff/tasks/{task}", app.base)).send().await.expect("GET");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().expect("ascii").to_owned();
    assert_eq!(to, format!("/staff/login?next=%2Fstaff%2Ftasks%2F{task}"));

    // Another bureau: the case page and every action are "not found", and nothing changes.
    let other = PageSession::sign_in(&app.base, "market.zhao").await;
    let (status, page) = other.get(&format!("/staff/tasks/{task}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    assert!(!page.contains("六联路口"), "nothing of the request shows");
    let csrf = other.csrf.clone();
    let actions: [(&str, Vec<(&str, &str)>); 8] = [
        ("claim", vec![]),
        ("progress", vec![("note", "看看")]),
        ("resolve", vec![("result", "已办")]),
        ("disclaim", vec![("reason", "not_our_function"), ("explanation", "不是")]),
        ("extension", vec![("days", "3"), ("reason", "需要时间")]),
        ("assist", vec![("bureau", "police")]),
        ("release", vec![("task", task.as_str())]),
        ("reveal", vec![]),
    ];
    for (action, fields) in &actions {
        let mut form = fields.clone();
        form.push(("csrf", csrf.as_str()));
        let (status, page) = other.post(&format!("/staff/tasks/{task}/{action}"), &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}: {page}");
        assert!(!page.contains("13812345678"), "{action} revealed nothing");
    }
    let (_, after) = desk.get(&format!("/api/v1/requests/{tracking}")).await;
    assert_eq!(history(&after), before, "another bureau changed nothing: {after}");
    assert_eq!(after["tasks"][0]["state"], "dispatched");

    // The desk's pages and actions are not a bureau's.
    let (status, _) = other.get("/staff/desk").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = other.get(&format!("/staff/requests/{tracking}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.contains("六联路口"));
    for action in ["dispatch", "transfer", "review", "visit", "disclaim-review", "reveal"] {
        let form = [("csrf", csrf.as_str()), ("bureau", "police"), ("approve", "yes"), ("solved", "yes")];
        let (status, page) = other.post(&format!("/staff/requests/{tracking}/{action}"), &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}: {page}");
    }

    // The task's own clerk, without the token or with another session's: 403, nothing changes.
    let own = PageSession::sign_in(&app.base, "water.li").await;
    for form in [vec![], vec![("csrf", "not-the-token")], vec![("csrf", csrf.as_str())]] {
        let (status, page) = own.post(&format!("/staff/tasks/{task}/claim"), &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{form:?}: {page}");
    }
    let (_, after) = desk.get(&format!("/api/v1/requests/{tracking}")).await;
    assert_eq!(after["tasks"][0]["state"], "dispatched", "a forged claim changed nothing");
    assert_eq!(history(&after), before);
    // With it, the same POST works.
    let (status, _) = own.post(&format!("/staff/tasks/{task}/claim"), &[("csrf", own.csrf.as_str())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, after) = desk.get(&format!("/api/v1/requests/{tracking}")).await;
    assert_eq!(after["tasks"][0]["state"], "claimed");

    // Changing one's own password: the current one is checked, and the change ends the session.
    let form = |current: &'static str| {
        [
            ("csrf", own.csrf.clone()),
            ("current", current.to_owned()),
            ("new", "a new long passphrase".into()),
            ("repeat", "a new long passphrase".into()),
        ]
    };
    let wrong = form("not my password");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) = own.post("/staff/password", &wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(page.contains("当前密码不正确"));
    let right = form(jiesu_e2e::staff::PASSWORD);
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _) = own.post("/staff/password", &right).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = own.get("/staff/inbox").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the session ended with the old password");
    let login = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({ "username": "water.li", "password": "a new long passphrase" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(login.status(), StatusCode::OK, "the new password signs in");
    let own = PageSession::sign_in_with(&app.base, "water.li", "a new long passphrase").await;

    // Signing out ends the session: its token is worthless afterwards.
    let (status, _) = own.post("/staff/logout", &[("csrf", own.csrf.as_str())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = own.get("/staff/inbox").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "back to the sign-in form");
    app.stop().await;
}

/// The blocked drain's candidates, in the rules' order.
const DRAIN_CANDIDATES: [&str; 4] = ["water", "urban-management", "street-pingshan", "service-centre"];

async fn the_desk_places_a_request_every_bureau_disclaimed_under_a_corrected_category(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    for bureau in DRAIN_CANDIDATES {
        backend.add_staff(&format!("{bureau}.clerk"), StaffRole::BureauStaff, Some(bureau)).await;
    }
    backend.add_staff("desk.zhou", StaffRole::Operator, None).await;
    let tracking = jiesu_e2e::citizen::report_on_web(&app.base, CATEGORY).await;
    for bureau in DRAIN_CANDIDATES {
        let clerk = StaffClient::login(&app.base, &format!("{bureau}.clerk")).await;
        let task = clerk.task_for(&tracking, "dispatched").await.unwrap_or_else(|| panic!("{bureau}'s task"));
        let why = json!({ "reason": "not_our_function", "explanation": "实为停水，不是排水" });
        clerk.ok(&format!("/api/v1/tasks/{task}/disclaim"), why).await;
    }
    let desk = StaffClient::login(&app.base, "desk.zhou").await;
    desk.get_until(&format!("/api/v1/requests/{tracking}"), |c| c["request"]["status"] == "escalated").await;

    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(pages::DESKTOP.0, pages::DESKTOP.1).await.expect("resize");
    sign_in(c, &app.base, "desk.zhou", "/staff/desk?queue=escalated").await;
    click(c, &format!("a[href='/staff/requests/{tracking}']")).await;
    assert_accessible(c, "the desk's page of an escalated request").await;
    // The search box narrows the whole taxonomy to what was typed and picks the first match.
    fill(c, "#dispatch-category-search", "停水").await;
    let picked =
        c.find(Locator::Css("#dispatch-category")).await.expect("picker").prop("value").await.expect("value");
    assert_eq!(picked.as_deref(), Some("060101"), "停水 is the first category matching");
    let shown = c
        .execute("return [...document.querySelectorAll('#dispatch-category option')].filter(o => o.value && !o.hidden).length", vec![])
        .await
        .expect("count");
    assert_eq!(shown, json!(1), "only 停水 is left among the categories");
    click(c, "#dispatch").await;
    assert!(text(c, "#flash").await.contains("已派单"), "{}", text(c, "#main").await);
    let history = text(c, "#history").await;
    assert!(history.contains("分拨中心将问题分类由“排水管道堵塞”改为“停水”"), "{history}");
    browser.close().await;

    let (_, case) = desk.get(&format!("/api/v1/requests/{tracking}")).await;
    assert_eq!(case["request"]["category"]["code"], "060101", "{case}");
    assert_eq!(case["request"]["status"], "dispatched");
    // Rule `water-supply` (0601): the water supply company leads, the water bureau assists.
    assert_eq!(case["lead"]["code"], "water-supply", "placed by the corrected category's rule: {case}");
    app.stop().await;
}
