//! The citizens' web pages, used as a person uses them: in headless Chromium, fill the form,
//! attach a photo, submit, follow the tracking link, prove it is yours, read where it stands.
//! And what a browser would not let through: the server's own checks. Photos at and over the
//! size limit, posted as the form does. On both backends.

use std::time::Duration;

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

jiesu_e2e::e2e_on_both_backends!(
    a_citizen_reports_with_a_photo_and_follows_the_tracking_link,
    the_server_refuses_what_a_browser_would_not_send_and_a_resubmit_is_stored_once,
    the_tracking_page_shows_nothing_for_wrong_digits_and_locks_after_five,
    three_photos_are_kept_in_order_and_served_back,
    a_photo_over_the_size_limit_is_refused_with_a_clear_error,
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
    // When it should be resolved: the end of the resolution limit, district time.
    let expected = c.find(Locator::Css("#expected-at")).await.expect("expected").text().await.expect("text");
    // In district time, as people write it: "12月14日 23:59".
    assert!(expected.contains('月') && expected.contains(':') && !expected.contains('T'), "{expected}");
    let history = c.find_all(Locator::Css("#history li")).await.expect("history");
    assert_eq!(history.len(), 2, "received, sent to the bureau: the routing is the administration's");

    // English, on request: the same page (its link carries the proof).
    c.find(Locator::Css("#lang")).await.expect("language link").click().await.expect("switch");
    let handled = c
        .wait()
        .for_element(Locator::Css("html[lang=en] #handled-by"))
        .await
        .expect("result")
        .text()
        .await
        .expect("text");
    assert_eq!(handled, "Pingshan Urban Management and Law Enforcement Bureau");
    browser.close().await;

    // The photo was stored and is served back.
    let record =
        Open311Client::new(&app.base, "").wait_for(&tracking.replace('-', ""), Duration::from_secs(5)).await;
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
    Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(10)).await;
    app.stop().await;
    assert_eq!(backend.count_requests().await, 1);
}

async fn the_tracking_page_shows_nothing_for_wrong_digits_and_locks_after_five(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let (_, page) = post(&app.base, form("t-5")).await;
    let tracking = page.split("id=\"tracking\">").nth(1).map(|s| s[..14].replace('-', "")).expect("tracking");
    Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(10)).await;
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

const MIB: usize = 1024 * 1024;

/// A photo of `len` bytes: `header` (what the type is recognised by), then `fill`.
fn photo(header: &[u8], len: usize, fill: u8) -> Vec<u8> {
    let mut bytes = header.to_vec();
    bytes.resize(len, fill);
    bytes
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
const WEBP: &[u8] = b"RIFF\x00\x00\x00\x00WEBPVP8 ";

/// The tracking number on the "received" page, without its dashes.
fn tracking_on(page: &str) -> String {
    page.split("id=\"tracking\">").nth(1).map(|s| s[..14].replace('-', "")).expect("a tracking number")
}

/// The photos kept in the media directory (not half-written ones).
fn kept_photos(backend: &Backend) -> Vec<String> {
    std::fs::read_dir(backend.media.path())
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

async fn fetch_photo(url: &str) -> (String, Vec<u8>) {
    let resp = reqwest::get(url).await.expect("GET photo");
    assert_eq!(resp.status(), StatusCode::OK, "{url}");
    let kind = resp.headers()["content-type"].to_str().expect("type").to_owned();
    (kind, resp.bytes().await.expect("bytes").to_vec())
}

async fn three_photos_are_kept_in_order_and_served_back(backend: Backend) {
    backend.add_staff("desk", StaffRole::Operator, None).await;
    // A 1 MB limit keeps the largest photo allowed small enough for a quick test.
    let app = backend.start_with(Roles::ALL, |s| s.web.max_photo_mb = 1).await;
    let photos = [
        (photo(JPEG, MIB, 1), "image/jpeg"), // exactly the limit
        (photo(PNG, 300_000, 2), "image/png"),
        (photo(WEBP, 200_000, 3), "image/webp"),
    ];
    let mut three = form("t-photos");
    for (i, (bytes, _)) in photos.iter().enumerate() {
        // Named and labelled wrongly on purpose: the type comes from the bytes.
        let part =
            Part::bytes(bytes.clone()).file_name(format!("{i}.gif")).mime_str("image/gif").expect("mime");
        three = three.part("photos", part);
    }
    // Together well over server.body_limit (1 MiB): the form has a limit of its own for photos.
    let (status, page) = post(&app.base, three).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let tracking = tracking_on(&page);
    let record = Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(10)).await;
    assert_eq!(kept_photos(&backend).len(), 3, "each photo stored once");

    // Open311 shows the first; the staff see all three, in the order they were attached.
    let first = record["media_url"].as_str().expect("media_url");
    assert_eq!(fetch_photo(first).await, (photos[0].1.to_owned(), photos[0].0.clone()));
    let desk = StaffClient::login(&app.base, "desk").await;
    let (status, case) = desk.get(&format!("/api/v1/requests/{tracking}")).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let urls: Vec<&str> =
        case["request"]["media"].as_array().expect("media").iter().filter_map(|u| u.as_str()).collect();
    assert_eq!(urls.len(), 3, "{case}");
    assert_eq!(urls[0], first);
    for (url, (bytes, kind)) in urls.iter().zip(&photos) {
        let (served_kind, served) = fetch_photo(url).await;
        assert_eq!(served_kind, *kind, "{url}");
        assert!(served == *bytes, "{url}: the bytes uploaded ({} bytes) come back", bytes.len());
    }
    app.stop().await;
}

async fn a_photo_over_the_size_limit_is_refused_with_a_clear_error(backend: Backend) {
    let app = backend.start_with(Roles::ALL, |s| s.web.max_photo_mb = 1).await;
    // The form announces the limit in force.
    let (zh, en) = (
        reqwest::get(format!("{}/", app.base)).await.expect("GET").text().await.expect("page"),
        reqwest::get(format!("{}/?lang=en", app.base)).await.expect("GET").text().await.expect("page"),
    );
    assert!(zh.contains("每张不超过1MB"), "the form says the limit in force");
    assert!(en.contains("1 MB each"), "the form says the limit in force");

    for (lang, error) in [("zh", "每张照片不能超过1MB。"), ("en", "Each photo must be 1 MB or smaller.")]
    {
        let too_big = Part::bytes(photo(JPEG, MIB + 1, 7)).file_name("big.jpg");
        let small = Part::bytes(JPEG.to_vec()).file_name("small.jpg");
        let f =
            form(&format!("t-big-{lang}")).text("lang", lang).part("photos", small).part("photos", too_big);
        let (status, page) = post(&app.base, f).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{lang}");
        assert!(page.contains("id=\"errors\""), "{lang}: shown as an error");
        assert!(page.contains(error), "{lang}: says what is wrong and the limit");
        assert!(page.contains("路灯不亮"), "{lang}: what was typed is kept");
        assert!(!page.contains("id=\"tracking\""), "{lang}: not received");
    }
    assert!(kept_photos(&backend).is_empty(), "a refused form keeps none of its photos");

    // Without the big photo the same form goes through, and it is the only request stored.
    let small = Part::bytes(JPEG.to_vec()).file_name("small.jpg");
    let (status, page) = post(&app.base, form("t-big-zh").part("photos", small)).await;
    assert_eq!(status, StatusCode::OK);
    Open311Client::new(&app.base, "").wait_for(&tracking_on(&page), Duration::from_secs(10)).await;
    app.stop().await;
    assert_eq!(backend.count_requests().await, 1);
    assert_eq!(kept_photos(&backend).len(), 1);
}
