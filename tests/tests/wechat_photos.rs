//! WeChat photos downloaded into Jiesu's photo store: wechatpy plays WeChat's pushes, a fake
//! WeChat API (a real HTTP server on localhost that issues tokens for the right AppId and secret
//! only and serves a media file only for a valid, unexpired token and a known `MediaId`) plays the
//! media API. The reply never waits for a download; the request's photos end up served by Jiesu
//! (`/media/...`) with the fake's bytes, and the notify role sends with the same token. Plain and
//! safe mode, an expired token, a vanished photo and a restart, on both backends.

use std::time::Duration;

use jiesu::Roles;
use jiesu_e2e::wechat::{APP_ID, message, say};
use jiesu_e2e::{Backend, Open311Client};
use jiesu_notify::fake::{FakeWeChat, Mode, PlatformHandle};
use reqwest::StatusCode;

jiesu_e2e::e2e_on_both_backends!(
    three_photos_in_safe_mode_are_served_by_jiesu_with_wechat_s_bytes,
    three_photos_in_plain_mode_are_served_by_jiesu_with_wechat_s_bytes,
    an_expired_access_token_is_renewed_and_a_vanished_photo_does_not_hold_the_request,
    a_photo_wechat_could_not_give_before_a_restart_is_fetched_after_it,
);

const OPENID: &str = "oJiesuPhotoUser000000000001";
const SECRET: &str = "wx-photo-secret";

/// A JPEG's first bytes and a marker, so each photo's bytes are its own.
fn jpeg(marker: &str) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    b.extend_from_slice(marker.as_bytes());
    b
}

fn with_media_api(fake: &PlatformHandle) -> impl FnOnce(&mut jiesu::Settings) + use<> {
    let endpoint = fake.endpoint();
    move |s| {
        s.wechat.app_secret = SECRET.into();
        s.wechat.api_endpoint = endpoint;
    }
}

/// As `with_media_api`, and the notify role telling citizens through the same account, at any hour.
fn with_notices_too(fake: &PlatformHandle) -> impl FnOnce(&mut jiesu::Settings) + use<> {
    let endpoint = fake.endpoint();
    let media = with_media_api(fake);
    move |s| {
        media(s);
        let n = &mut s.notify;
        (n.quiet_start, n.quiet_end) = ("00:00".to_owned(), "00:00".to_owned());
        n.wechat.endpoint = endpoint;
        n.wechat.app_id = APP_ID.to_owned();
        n.wechat.secret = SECRET.to_owned().into();
    }
}

fn photo(id: &str, media: &str) -> String {
    let url = format!("http://mmbiz.qpic.cn/mmbiz_jpg/{media}/0");
    message(OPENID, Some(id), &["--type", "image", "--pic-url", &url, "--media-id", media])
}

/// The description and the place, then the photos (`(MsgId, MediaId)`), then 提交: the
/// tracking number.
async fn report(base: &str, photos: &[(&str, &str)], encrypted: bool) -> String {
    let text = message(OPENID, Some("8001"), &["--type", "text", "--content", "秀新路口的路灯不亮了"]);
    say(base, &text, encrypted).await;
    let at = ["--type", "location", "--lat", "22.7393", "--lng", "114.3918", "--label", "坑梓街道秀新路"];
    say(base, &message(OPENID, Some("8002"), &at), encrypted).await;
    for (i, (id, media)) in photos.iter().enumerate() {
        let reply = say(base, &photo(id, media), encrypted).await;
        assert!(reply.contains(&format!("已收到{}张照片", i + 1)), "{reply}");
    }
    let reply =
        say(base, &message(OPENID, Some("8009"), &["--type", "text", "--content", "提交"]), encrypted).await;
    assert!(reply.starts_with("已受理"), "{reply}");
    let link = reply.split("评价：").nth(1).and_then(|l| l.split('\n').next()).expect("a private link");
    format!("{base}{}", &link[link.find("/track/").expect("a path")..])
}

/// The photos' URLs on the request's private page, in order, once the request is stored.
async fn photo_urls(base: &str, page: &str) -> Vec<String> {
    let tracking = page.split("n=").nth(1).and_then(|n| n.split('&').next()).expect("a number");
    Open311Client::new(base, "").wait_for(tracking, Duration::from_secs(10)).await;
    let answer = reqwest::get(page).await.expect("GET the page");
    assert_eq!(answer.status(), StatusCode::OK, "{page}");
    let html = answer.text().await.expect("page");
    html.split("<img src=\"").skip(1).filter_map(|s| s.split('"').next()).map(str::to_owned).collect()
}

/// Waits for Jiesu to serve `url`; its bytes.
async fn served(url: &str) -> Vec<u8> {
    served_within(url, Duration::from_secs(15)).await
}

async fn served_within(url: &str, patience: Duration) -> Vec<u8> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let answer = reqwest::get(url).await.expect("GET the photo");
        if answer.status() == StatusCode::OK {
            assert_eq!(answer.headers()["content-type"], "image/jpeg");
            return answer.bytes().await.expect("bytes").to_vec();
        }
        assert!(tokio::time::Instant::now() < deadline, "{url} never came: {}", answer.status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn three_photos_are_served_with_wechat_s_bytes(backend: Backend, encrypted: bool) {
    let fake = FakeWeChat::start(APP_ID, SECRET).await.expect("fake WeChat");
    for m in ["m-a", "m-b", "m-c"] {
        fake.add_media(m, jpeg(m));
    }
    let app = backend.start_with(Roles::ALL, with_notices_too(&fake)).await;
    let page = report(&app.base, &[("8003", "m-a"), ("8004", "m-b"), ("8005", "m-c")], encrypted).await;
    let urls = photo_urls(&app.base, &page).await;
    assert_eq!(urls.len(), 3, "{urls:?}");
    for (url, m) in urls.iter().zip(["m-a", "m-b", "m-c"]) {
        assert!(url.starts_with(&format!("{}/media/", app.base)), "served by Jiesu: {url}");
        assert_eq!(served(url).await, jpeg(m), "{url}");
    }
    let tracking = page.split("n=").nth(1).and_then(|n| n.split('&').next()).expect("a number");
    let record = Open311Client::new(&app.base, "").wait_for(tracking, Duration::from_secs(10)).await;
    assert_eq!(record["media_url"], urls[0].as_str(), "the request links Jiesu's copy, not WeChat's");
    assert_eq!(fake.media_served(), 3);
    // The notify role tells the citizen the request was received, with the token the photos'
    // download fetched and stored: one token for the account, whichever role needed it first.
    let told = tokio::time::Instant::now() + Duration::from_secs(20);
    while fake.delivered().is_empty() {
        assert!(tokio::time::Instant::now() < told, "the citizen was never told: {:?}", fake.rejected());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(fake.fetches(), 1, "one token for the three photos and the notice");
    app.stop().await;
}

async fn three_photos_in_safe_mode_are_served_by_jiesu_with_wechat_s_bytes(backend: Backend) {
    three_photos_are_served_with_wechat_s_bytes(backend, true).await;
}

async fn three_photos_in_plain_mode_are_served_by_jiesu_with_wechat_s_bytes(backend: Backend) {
    three_photos_are_served_with_wechat_s_bytes(backend, false).await;
}

/// The first photo is fetched with a token; WeChat then ends it (the next call answers 42001),
/// so the second photo's download drops it, fetches a new one and gets the photo. The third
/// photo's media is gone (40007): the request is in all the same, that photo is not served.
async fn an_expired_access_token_is_renewed_and_a_vanished_photo_does_not_hold_the_request(backend: Backend) {
    let fake = FakeWeChat::start(APP_ID, SECRET).await.expect("fake WeChat");
    fake.add_media("m-1", jpeg("one"));
    fake.add_media("m-2", jpeg("two"));
    let app = backend.start_with(Roles::ALL, with_media_api(&fake)).await;
    let text = message(OPENID, Some("8101"), &["--type", "text", "--content", "小区门口井盖丢了"]);
    say(&app.base, &text, true).await;
    say(&app.base, &photo("8102", "m-1"), true).await;
    let first = tokio::time::Instant::now() + Duration::from_secs(15);
    while fake.media_served() < 1 {
        assert!(tokio::time::Instant::now() < first, "the first photo was never fetched");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fake.expire_tokens();
    say(&app.base, &photo("8103", "m-2"), true).await;
    say(&app.base, &photo("8104", "m-gone"), true).await;
    let at = ["--type", "location", "--lat", "22.7393", "--lng", "114.3918"];
    say(&app.base, &message(OPENID, Some("8105"), &at), true).await;
    let reply =
        say(&app.base, &message(OPENID, Some("8106"), &["--type", "text", "--content", "提交"]), true).await;
    assert!(reply.starts_with("已受理"), "{reply}");
    let link = reply.split("评价：").nth(1).and_then(|l| l.split('\n').next()).expect("a private link");
    let page = format!("{}{}", app.base, &link[link.find("/track/").expect("a path")..]);
    let urls = photo_urls(&app.base, &page).await;
    assert_eq!(urls.len(), 3, "{urls:?}");
    assert_eq!(served(&urls[0]).await, jpeg("one"));
    assert_eq!(served(&urls[1]).await, jpeg("two"), "fetched with a renewed token");
    assert_eq!(fake.fetches(), 2, "a second token, after the first was refused");
    let rejected = fake.rejected();
    assert!(rejected.iter().any(|r| r.starts_with("42001")), "{rejected:?}");
    let gone = tokio::time::Instant::now() + Duration::from_secs(15);
    while !fake.rejected().iter().any(|r| r.starts_with("40007")) {
        assert!(tokio::time::Instant::now() < gone, "the vanished photo was never asked for");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let missing = reqwest::get(&urls[2]).await.expect("GET");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "never fetched, never served");
    assert_eq!(fake.rejected().iter().filter(|r| r.starts_with("40007")).count(), 1, "and not asked again");
    app.stop().await;
}

/// WeChat's API is down when the photo comes: the reply goes out all the same, the download waits
/// in the database. The process stops; WeChat comes back; a new process (the same database)
/// fetches the photo, and the request submitted meanwhile shows it.
async fn a_photo_wechat_could_not_give_before_a_restart_is_fetched_after_it(backend: Backend) {
    let fake = FakeWeChat::start(APP_ID, SECRET).await.expect("fake WeChat");
    fake.add_media("m-r", jpeg("restart"));
    fake.set_mode(Mode::Down);
    let app = backend.start_with(Roles::ALL, with_media_api(&fake)).await;
    let text = message(OPENID, Some("8201"), &["--type", "text", "--content", "小区门口井盖丢了"]);
    say(&app.base, &text, false).await;
    let reply = say(&app.base, &photo("8202", "m-r"), false).await;
    assert!(reply.contains("已收到1张照片"), "answered while WeChat's API is down: {reply}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.stop().await;
    assert_eq!(fake.media_served(), 0);

    fake.set_mode(Mode::Up);
    let app = backend.start_with(Roles::ALL, with_media_api(&fake)).await;
    let at = ["--type", "location", "--lat", "22.7393", "--lng", "114.3918"];
    say(&app.base, &message(OPENID, Some("8203"), &at), false).await;
    let reply =
        say(&app.base, &message(OPENID, Some("8204"), &["--type", "text", "--content", "提交"]), false).await;
    let link = reply.split("评价：").nth(1).and_then(|l| l.split('\n').next()).expect("a private link");
    let page = format!("{}{}", app.base, &link[link.find("/track/").expect("a path")..]);
    let urls = photo_urls(&app.base, &page).await;
    assert_eq!(urls.len(), 1, "{urls:?}");
    // The first process's port is gone; the photo's name is what carries over.
    let name = urls[0].rsplit('/').next().expect("a name");
    let here = format!("{}/media/{name}", app.base);
    assert_eq!(served_within(&here, Duration::from_secs(40)).await, jpeg("restart"));
    app.stop().await;
}
