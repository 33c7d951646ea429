//! 我的诉求: a WeChat citizen (wechatpy playing WeChat) reports twice, asks for "我的诉求" and
//! opens the link from the reply in headless Chromium on a phone's screen (390×844, axe-core
//! on the page): both requests, newest first, in words, each opening its private page; another
//! citizen's request is not there. A changed link and an expired one get a page saying so,
//! never a list. On both backends (issue 17).

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_domain::contact::OpenId;
use jiesu_domain::secret::ServerKey;
use jiesu_e2e::Backend;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::pages::{PHONE, assert_accessible, text};
use jiesu_e2e::wechat::{message, mine_link, report};
use reqwest::StatusCode;

jiesu_e2e::e2e_on_both_backends!(
    a_wechat_citizen_opens_my_requests_from_a_reply_and_sees_their_two_requests,
    a_changed_or_expired_my_requests_link_gets_a_page_saying_so_not_a_list,
);

const OPENID: &str = "oJiesuMineUser0000000000001";
const OTHER: &str = "oJiesuMineUser0000000000002";
/// The server key, configured so the test can seal an expired link as the server would.
const SECRET: &str = "my-requests test key, never deployed";

fn with_key(s: &mut jiesu::Settings) {
    s.security.tracking_secret = SECRET.into();
}

/// Plain mode: the reply's text.
async fn say(base: &str, xml: &str) -> String {
    jiesu_e2e::wechat::say(base, xml, false).await
}

async fn a_wechat_citizen_opens_my_requests_from_a_reply_and_sees_their_two_requests(backend: Backend) {
    let app = backend.start_with(Roles::ALL, with_key).await;
    let first = report(&app.base, OPENID, ["9001", "9002", "9003"], "秀新路口的路灯不亮了").await;
    assert!(first.contains("/track/mine?t="), "the submission's reply carries the list link: {first}");
    assert!(!first.contains(OPENID), "and no OpenID in clear");
    report(&app.base, OTHER, ["9101", "9102", "9103"], "别人的诉求：井盖丢了").await;
    let second = report(&app.base, OPENID, ["9004", "9005", "9006"], "坪山大道有个大坑").await;
    let reply =
        say(&app.base, &message(OPENID, Some("9007"), &["--type", "text", "--content", "我的诉求"])).await;
    assert!(reply.starts_with("我的诉求"), "{reply}");
    let link = mine_link(&app.base, &reply);
    assert!(!link.contains(OPENID));

    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");
    c.goto(&link).await.expect("open 我的诉求");
    assert_eq!(text(c, "h1").await, "我的诉求");
    let items = c.find_all(Locator::Css("#mine li")).await.expect("the list");
    assert_eq!(items.len(), 2, "the citizen's two requests, not the other citizen's");
    let numbers: Vec<String> = [&second, &first]
        .iter()
        .map(|r| r.split("工单编号：").nth(1).expect("a number").chars().take(14).collect())
        .collect();
    for ((item, number), words) in
        items.iter().zip(&numbers).zip(["坪山大道有个大坑", "秀新路口的路灯不亮了"])
    {
        let shown = item.text().await.expect("an item's text");
        assert!(shown.contains(number.as_str()), "newest first: {shown:?} should be {number}");
        assert!(shown.contains(words), "the citizen's own words: {shown}");
        assert!(shown.contains("月") && shown.contains("日"), "a local time in words: {shown}");
        assert!(!shown.contains("+00:00") && !shown.contains(":00Z"), "no ISO time: {shown}");
        assert!(
            ["已受理", "待分拨", "已派单"].iter().any(|w| shown.contains(w)),
            "a status in words: {shown}"
        );
    }
    let page = c.source().await.expect("the page");
    assert!(!page.contains(OPENID) && !page.contains("别人的诉求"), "nobody else's, and no OpenID");
    assert_accessible(c, "我的诉求").await;
    c.set_window_size(PHONE.0, PHONE.1).await.expect("a phone's screen");

    // Each item opens the request's private page, the one the citizen's reply linked.
    c.find(Locator::Css("#mine li a")).await.expect("the newest").click().await.expect("open it");
    c.wait().for_element(Locator::Css("#tracking")).await.expect("the request's page");
    let page = c.source().await.expect("the page");
    assert!(page.contains("坪山大道有个大坑"), "the newest request's page");
    assert!(c.current_url().await.expect("url").as_str().contains("/track/visit?n="));
    browser.close().await;
    app.stop().await;
}

async fn a_changed_or_expired_my_requests_link_gets_a_page_saying_so_not_a_list(backend: Backend) {
    let app = backend.start_with(Roles::ALL, with_key).await;
    let reply = report(&app.base, OPENID, ["9201", "9202", "9203"], "秀新路口的路灯不亮了").await;
    let link = mine_link(&app.base, &reply);
    let good = reqwest::get(&link).await.expect("GET");
    assert_eq!(good.status(), StatusCode::OK);
    assert!(good.text().await.expect("page").contains("id=\"mine\""), "the real link shows the list");

    // One character of the token changed.
    let at = link.len() - 10;
    let flipped = if &link[at..=at] == "A" { "B" } else { "A" };
    let changed = format!("{}{flipped}{}", &link[..at], &link[at + 1..]);
    let refused = reqwest::get(&changed).await.expect("GET");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let page = refused.text().await.expect("page");
    assert!(page.contains("这个链接无效") && page.contains("我的诉求"), "{page}");
    assert!(!page.contains("id=\"mine\""), "never a list");

    // Sealed as the server would, with the server's key, but a day past its time.
    let key = ServerKey::new(SECRET.as_bytes()).expect("key");
    let openid = OpenId::parse(OPENID).expect("openid");
    let past = jiesu_domain::time::now() - chrono::Duration::days(1);
    let expired = jiesu_channels::web::mine::seal(&key, &openid, past, [3; 16]);
    let refused = reqwest::get(format!("{}/track/mine?t={expired}", app.base)).await.expect("GET");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let page = refused.text().await.expect("page");
    assert!(page.contains("已过期") && !page.contains("id=\"mine\""), "{page}");
    for junk in ["", "?t=", "?t=abc"] {
        let url = format!("{}/track/mine{junk}", app.base);
        let answer = reqwest::get(&url).await.expect("GET");
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{url}");
    }
    app.stop().await;
}
