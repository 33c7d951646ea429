//! The citizens' web pages, used as a person uses them: in headless Chromium, fill the form,
//! attach a photo, submit, follow the tracking link, prove it is yours, read where it stands.
//! And what a browser would not let through: the server's own checks. On both backends.

use std::time::Duration;

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_e2e::Backend;
use jiesu_e2e::browser::Browser;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

jiesu_e2e::e2e_on_both_backends!(
    a_citizen_reports_with_a_photo_and_follows_the_tracking_link,
    the_server_refuses_what_a_browser_would_not_send_and_a_resubmit_is_stored_once,
    the_tracking_page_shows_nothing_for_wrong_digits_and_locks_after_five,
);

/// The smallest file our photo check accepts as a JPEG.
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];

async fn a_citizen_reports_with_a_photo_and_follows_the_tracking_link(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let photo = backend.media.path().join("upload.jpg");
    std::fs::write(&photo, JPEG).expect("write the photo");
    let browser = Browser::start().await;
    let c = &browser.client;

    c.goto(&format!("{}/", app.base)).await.expect("open the form");
    assert_eq!(
        c.find(Locator::Css("h1")).await.expect("title").text().await.expect("text"),
        "反映问题",
        "Chinese first"
    );
    c.find(Locator::Css("#category"))
        .await
        .expect("category")
        .select_by_value("010101")
        .await
        .expect("choose");
    c.find(Locator::Css("#kind")).await.expect("kind").select_by_value("complaint").await.expect("choose");
    c.find(Locator::Css("#description"))
        .await
        .expect("field")
        .send_keys("秀新路口的路灯连续三晚不亮")
        .await
        .expect("type");
    c.find(Locator::Css("#address")).await.expect("field").send_keys("坑梓街道秀新路").await.expect("type");
    c.find(Locator::Css("#lat")).await.expect("field").send_keys("22.742").await.expect("type");
    c.find(Locator::Css("#lon")).await.expect("field").send_keys("114.387").await.expect("type");
    c.find(Locator::Css("#photos"))
        .await
        .expect("field")
        .send_keys(&photo.display().to_string())
        .await
        .expect("attach");
    c.find(Locator::Css("#phone")).await.expect("field").send_keys("138 1234 5678").await.expect("type");
    c.find(Locator::Css("#submit")).await.expect("button").click().await.expect("submit");

    let tracking = c
        .wait()
        .for_element(Locator::Css("#tracking"))
        .await
        .expect("the received page")
        .text()
        .await
        .expect("text");
    assert_eq!(tracking.len(), 14, "shown grouped: {tracking}");
    c.find(Locator::Css("#track-link")).await.expect("link").click().await.expect("follow the tracking link");
    let number = c.wait().for_element(Locator::Css("#n")).await.expect("tracking form");
    assert_eq!(
        number.prop("value").await.expect("value").as_deref(),
        Some(tracking.replace('-', "").as_str()),
        "prefilled"
    );

    // The dispatcher works asynchronously: look it up until it is stored.
    let mut found = None;
    for _ in 0..50 {
        c.find(Locator::Css("#last4")).await.expect("digits").send_keys("5678").await.expect("type");
        c.find(Locator::Css("#look-up")).await.expect("button").click().await.expect("look up");
        if let Ok(handled) = c.wait().for_element(Locator::Css("#handled-by, #errors")).await
            && handled.attr("id").await.expect("id").as_deref() == Some("handled-by")
        {
            found = Some(handled.text().await.expect("text"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(found.as_deref(), Some("坪山区城市管理和综合执法局"));
    assert_eq!(c.find(Locator::Css("#status")).await.expect("status").text().await.expect("text"), "已派单");
    let history = c.find_all(Locator::Css("#history li")).await.expect("history");
    assert_eq!(history.len(), 3, "received, routed, dispatched");

    // English, on request.
    c.find(Locator::Css("#lang")).await.expect("language link").click().await.expect("switch");
    c.wait()
        .for_element(Locator::Css("#last4"))
        .await
        .expect("digits")
        .send_keys("5678")
        .await
        .expect("type");
    c.find(Locator::Css("#look-up")).await.expect("button").click().await.expect("look up");
    let handled =
        c.wait().for_element(Locator::Css("#handled-by")).await.expect("result").text().await.expect("text");
    assert_eq!(handled, "Pingshan Urban Management and Law Enforcement Bureau");
    browser.close().await;

    // The photo was stored and is served back.
    let record = jiesu_e2e::Open311Client::new(&app.base, "")
        .wait_for(&tracking.replace('-', ""), Duration::from_secs(5))
        .await;
    let url = record["media_url"].as_str().expect("the photo's URL").to_owned();
    let served = reqwest::get(&url).await.expect("GET photo");
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.bytes().await.expect("bytes").as_ref(), JPEG);
    app.stop().await;
}

fn form(token: &str) -> Form {
    Form::new()
        .text("form_token", token.to_owned())
        .text("lang", "zh")
        .text("category", "010101")
        .text("kind", "help")
        .text("description", "路灯不亮")
        .text("address", "坑梓街道秀新路")
        .text("phone", "13812345678")
}

async fn post(base: &str, form: Form) -> (StatusCode, String) {
    let resp =
        reqwest::Client::new().post(format!("{base}/requests")).multipart(form).send().await.expect("POST");
    (resp.status(), resp.text().await.expect("page"))
}

async fn the_server_refuses_what_a_browser_would_not_send_and_a_resubmit_is_stored_once(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let (status, page) = post(&app.base, form("t-1").text("phone", "110")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("请填写正确的手机号码"), "errors in the page's language");
    assert!(page.contains("路灯不亮"), "what was typed is kept");
    let svg = Part::bytes(b"<svg onload=alert(1)>".to_vec())
        .file_name("x.jpg")
        .mime_str("image/jpeg")
        .expect("mime");
    let (status, page) = post(&app.base, form("t-2").part("photos", svg)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("JPEG、PNG或WebP"), "checked by content, not by name or claimed type");
    let mut four = form("t-3");
    for i in 0..4 {
        four = four.part("photos", Part::bytes(JPEG.to_vec()).file_name(format!("{i}.jpg")));
    }
    assert_eq!(post(&app.base, four).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        std::fs::read_dir(backend.media.path()).map(|d| d.count()).unwrap_or(0),
        0,
        "refused forms leave no photo"
    );

    // A double click: the same form twice, one request, one tracking number.
    let (a, first) = post(&app.base, form("t-4")).await;
    let (b, second) = post(&app.base, form("t-4")).await;
    assert_eq!((a, b), (StatusCode::OK, StatusCode::OK));
    let number = |page: &str| page.split("id=\"tracking\">").nth(1).map(|s| s[..14].to_owned());
    assert_eq!(number(&first), number(&second));
    let tracking = number(&first).expect("a tracking number").replace('-', "");
    jiesu_e2e::Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(10)).await;
    app.stop().await;
    assert_eq!(backend.count_requests().await, 1);
}

async fn the_tracking_page_shows_nothing_for_wrong_digits_and_locks_after_five(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let (_, page) = post(&app.base, form("t-5")).await;
    let tracking = page.split("id=\"tracking\">").nth(1).map(|s| s[..14].replace('-', "")).expect("tracking");
    jiesu_e2e::Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(10)).await;
    let http = reqwest::Client::new();
    let look = |digits: &'static str| {
        let (http, base, n) = (http.clone(), app.base.clone(), tracking.clone());
        async move {
            let resp = http
                .post(format!("{base}/track"))
                .form(&[("n", n.as_str()), ("last4", digits)])
                .send()
                .await
                .expect("POST");
            let status = resp.status();
            (status, resp.text().await.expect("page"))
        }
    };
    let (status, page) = look("0000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("路灯不亮"), "nothing of the request is shown");
    for _ in 0..4 {
        look("1111").await;
    }
    let (status, _) = look("5678").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "locked even for the right digits after five failures");
    app.stop().await;
}
