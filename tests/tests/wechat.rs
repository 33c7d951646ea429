//! The WeChat official account, with wechatpy playing WeChat: URL verification, a citizen's
//! request built over several messages (plain and safe mode), WeChat's retries, replays and stale
//! pushes. Through the real queue and dispatcher, on both backends.

use std::time::{Duration, Instant};

use jiesu::Roles;
use jiesu_e2e::wechat::{TOKEN, message, peer, push, say, send};
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;

jiesu_e2e::e2e_on_both_backends!(
    url_verification_echoes_only_a_correct_signature,
    a_citizen_reports_over_several_encrypted_messages,
    wechat_s_retries_get_the_same_answer_and_store_one_request,
    a_menu_tap_and_a_voice_message_in_plain_mode,
    replays_stale_pushes_and_bad_signatures_are_refused,
    a_stuck_database_still_gets_an_answer_in_time,
    a_question_answered_at_once_is_recorded_and_one_declined_becomes_a_request,
);

const OPENID: &str = "oJiesuTestUser0000000000001";
const KENGZI_GCJ: (&str, &str) = ("22.7393", "114.3918");

/// The tracking number in a submission reply ("工单编号：XXXX-XXXX-XXXX").
fn tracking_in(reply: &str) -> String {
    let after = reply.split("工单编号：").nth(1).unwrap_or_else(|| panic!("no tracking number in {reply:?}"));
    after.chars().take(14).filter(|c| *c != '-').collect()
}

async fn url_verification_echoes_only_a_correct_signature(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let v = peer(&["verify-url", "--token", TOKEN, "--echostr", "echo-5310"], None);
    let q: Vec<(String, String)> = v["query"]
        .as_object()
        .expect("query")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().into()))
        .collect();
    let http = reqwest::Client::new();
    let ok = http.get(format!("{}/wechat", app.base)).query(&q).send().await.expect("GET");
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.text().await.expect("body"), "echo-5310");
    let mut forged = q.clone();
    forged.iter_mut().filter(|(k, _)| k == "signature").for_each(|(_, v)| *v = "0".repeat(40));
    let bad = http.get(format!("{}/wechat", app.base)).query(&forged).send().await.expect("GET");
    assert_eq!(bad.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn a_citizen_reports_over_several_encrypted_messages(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let reply =
        say(&app.base, &message(OPENID, Some("1000"), &["--type", "text", "--content", "你好"]), true).await;
    assert!(reply.starts_with("您好，我在。"), "a greeting is answered: {reply}");
    let reply = say(
        &app.base,
        &message(OPENID, Some("1001"), &["--type", "text", "--content", "秀新路口的路灯不亮了"]),
        true,
    )
    .await;
    assert!(reply.contains("位置"), "{reply}");
    let (lat, lon) = KENGZI_GCJ;
    let location = message(
        OPENID,
        Some("1002"),
        &["--type", "location", "--lat", lat, "--lng", lon, "--label", "坑梓街道秀新路"],
    );
    let reply = say(&app.base, &location, true).await;
    assert!(reply.contains("提交"), "{reply}");
    for i in 0..3 {
        let (id, url, media) =
            (format!("100{}", 3 + i), format!("http://mmbiz.qpic.cn/mmbiz_jpg/x/{i}"), format!("m{i}"));
        let photo = message(OPENID, Some(&id), &["--type", "image", "--pic-url", &url, "--media-id", &media]);
        let reply = say(&app.base, &photo, true).await;
        assert!(
            reply.contains(&format!("已收到{}张照片", i + 1)),
            "kept for the submit, not submitted: {reply}"
        );
    }
    let reply =
        say(&app.base, &message(OPENID, Some("1006"), &["--type", "text", "--content", "提交"]), true).await;
    assert!(reply.starts_with("已受理"), "submitted on 提交 ({reply})");
    let tracking = tracking_in(&reply);
    // No phone was given: the reply carries the request's private link, which shows its page.
    let link = reply.split("评价：").nth(1).and_then(|l| l.split('\n').next()).expect("a private link");
    assert!(link.contains(&format!("/track/visit?n={tracking}&k=")), "{reply}");
    let local = format!("{}{}", app.base, &link[link.find("/track/").expect("a path")..]);
    let page = reqwest::get(&local).await.expect("GET the link");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("page").contains("秀新路口的路灯不亮了"), "the request's page");
    let again =
        say(&app.base, &message(OPENID, Some("1007"), &["--type", "text", "--content", "提交"]), true).await;
    assert!(again.contains("已经提交"), "a late 提交 says it is in: {again}");
    assert_eq!(tracking_in(&again), tracking, "with its number");
    let record = Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(10)).await;
    assert_eq!(record["agency_responsible"], "坪山区城市管理和综合执法局", "路灯 read from the words");
    assert_eq!(record["address"], "坑梓街道秀新路");
    // WeChat's GCJ-02 point is stored as WGS84: a few hundred metres from where WeChat said.
    let (wlat, wlon) = (record["lat"].as_f64().expect("lat"), record["long"].as_f64().expect("long"));
    let offset = ((wlat - 22.7393) * 111_000.0).hypot((wlon - 114.3918) * 102_000.0);
    assert!((100.0..800.0).contains(&offset), "converted by {offset} m");
    assert_eq!(record["media_url"], "http://mmbiz.qpic.cn/mmbiz_jpg/x/0");
    app.stop().await;
}

async fn wechat_s_retries_get_the_same_answer_and_store_one_request(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    say(
        &app.base,
        &message(OPENID, Some("2001"), &["--type", "text", "--content", "小区门口井盖丢了"]),
        true,
    )
    .await;
    let (lat, lon) = KENGZI_GCJ;
    say(&app.base, &message(OPENID, Some("2002"), &["--type", "location", "--lat", lat, "--lng", lon]), true)
        .await;
    let submit = message(OPENID, Some("2003"), &["--type", "text", "--content", "提交"]);
    let first = say(&app.base, &submit, true).await;
    // WeChat did not get our answer in time and sends the same message again, twice (new
    // timestamps and nonces, same MsgId).
    for _ in 0..2 {
        assert_eq!(say(&app.base, &submit, true).await, first);
    }
    let tracking = tracking_in(&first);
    Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.stop().await;
    assert_eq!(backend.count_requests().await, 1);
}

async fn a_menu_tap_and_a_voice_message_in_plain_mode(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let tap = message(
        OPENID,
        None,
        &[
            "--type",
            "event",
            "--event",
            "CLICK",
            "--event-key",
            "CATEGORY_010102",
            "--create-time",
            "1700000001",
        ],
    );
    let reply = say(&app.base, &tap, false).await;
    assert!(reply.contains("描述"), "{reply}");
    let voice = message(
        OPENID,
        Some("3001"),
        &["--type", "voice", "--media-id", "v1", "--format", "amr", "--recognition", "坪山大道有个大坑"],
    );
    assert!(say(&app.base, &voice, false).await.contains("位置"));
    // WeChat retries an event it had no answer to: same sender and CreateTime, no MsgId. The
    // retry gets the first answer and does not start the draft afresh (which would drop the words).
    assert_eq!(say(&app.base, &tap, false).await, reply, "an event is handled once");
    let (lat, lon) = KENGZI_GCJ;
    say(
        &app.base,
        &message(OPENID, Some("3002"), &["--type", "location", "--lat", lat, "--lng", lon]),
        false,
    )
    .await;
    let reply =
        say(&app.base, &message(OPENID, Some("3003"), &["--type", "text", "--content", "提交"]), false).await;
    let tracking = tracking_in(&reply);
    let record = Open311Client::new(&app.base, "").wait_for(&tracking, Duration::from_secs(10)).await;
    assert_eq!(record["service_code"], "010102", "the category of the menu item");
    assert_eq!(record["description"], "坪山大道有个大坑", "the recognised speech");
    let status =
        say(&app.base, &message(OPENID, Some("3004"), &["--type", "text", "--content", "查询"]), false).await;
    assert!(status.contains(&tracking[..4]) && status.contains("交通运输局"), "{status}");
    assert!(status.contains("预计办结：20"), "and by when: {status}");
    app.stop().await;
}

async fn replays_stale_pushes_and_bad_signatures_are_refused(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let hello = message(OPENID, Some("4001"), &["--type", "text", "--content", "你好"]);
    let stale = push(&hello, true, Some(chrono_now() - 3600), None);
    assert_eq!(send(&app.base, &stale).await.0, StatusCode::FORBIDDEN, "an hour old");

    // A captured plain-mode query replayed with another body (the signature does not cover it).
    let captured = push(&hello, false, None, Some("777"));
    assert_eq!(send(&app.base, &captured).await.0, StatusCode::OK);
    let forged_body = message(OPENID, Some("4002"), &["--type", "text", "--content", "伪造的诉求"]);
    let replay = jiesu_e2e::wechat::Push { query: captured.query.clone(), body: forged_body };
    assert_eq!(send(&app.base, &replay).await.0, StatusCode::FORBIDDEN);

    // A safe-mode body whose msg_signature does not match.
    let mut tampered = push(&hello, true, None, None);
    tampered.query.iter_mut().filter(|(k, _)| k == "msg_signature").for_each(|(_, v)| *v = "0".repeat(40));
    assert_eq!(send(&app.base, &tampered).await.0, StatusCode::FORBIDDEN);
    // Garbage under a correct signature (plain mode signs only the query) is a 400, not a crash.
    let mut garbage = push(&hello, false, None, None);
    garbage.body = "<xml><Broken".into();
    assert_eq!(send(&app.base, &garbage).await.0, StatusCode::BAD_REQUEST);
    app.stop().await;
    assert_eq!(backend.count_requests().await, 0);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// WeChat waits five seconds for the passive reply and shows the citizen an error after that.
/// With the database stuck behind another writer, the answer still comes within the reply budget
/// (asking to send again); once the database is free, the next message goes through.
async fn a_stuck_database_still_gets_an_answer_in_time(backend: Backend) {
    let app = backend.start_with(Roles::ALL, |s| s.wechat.reply_deadline_ms = 800).await;
    let lock = backend.hold_write_lock("channel_nonces").await;
    let started = Instant::now();
    let reply = say(
        &app.base,
        &message(OPENID, Some("6001"), &["--type", "text", "--content", "秀新路口的路灯不亮了"]),
        true,
    )
    .await;
    let took = started.elapsed();
    assert!(reply.contains("系统繁忙"), "{reply}");
    assert!(took < Duration::from_millis(2500), "answered after {took:?}");
    lock.release().await;
    // An answered push is not retried by WeChat: the citizen sends again.
    let reply = say(
        &app.base,
        &message(OPENID, Some("6002"), &["--type", "text", "--content", "秀新路口的路灯不亮了"]),
        true,
    )
    .await;
    assert!(reply.contains("位置"), "asks for the place: {reply}");
    app.stop().await;
}

/// WeChat reports locations in GCJ-02; we store WGS84. Our conversion agrees with PyPI
/// eviltransform's (an independent implementation) to well under a metre, over the district and
/// across China, where the offset itself is hundreds of metres.
#[test]
fn gcj02_points_convert_as_an_independent_implementation_does() {
    use jiesu_domain::geo::{GeoPoint, gcj02_to_wgs84, haversine_m};
    let mut points: Vec<[f64; 2]> = Vec::new();
    for i in 0..=10 {
        for j in 0..=10 {
            points.push([22.60 + 0.03 * f64::from(i), 114.20 + 0.03 * f64::from(j)]);
        }
    }
    // Beijing, Urumqi, Harbin, Sanya.
    points.extend([[39.9087, 116.3975], [43.8256, 87.6168], [45.8038, 126.5349], [18.2528, 109.5119]]);
    let input = serde_json::to_string(&points).expect("JSON");
    let theirs = peer(&["gcj2wgs"], Some(&input));
    let theirs = theirs["points"].as_array().expect("points");
    assert_eq!(theirs.len(), points.len());
    for (p, t) in points.iter().zip(theirs) {
        let (lat, lon) = gcj02_to_wgs84(p[0], p[1]);
        let ours = GeoPoint::new(lat, lon).expect("a point");
        let other = GeoPoint::new(t[0].as_f64().expect("lat"), t[1].as_f64().expect("lng")).expect("a point");
        let given = GeoPoint::new(p[0], p[1]).expect("a point");
        assert!(haversine_m(given, ours) > 100.0, "GCJ-02 is offset at {p:?}");
        let apart = haversine_m(ours, other);
        assert!(apart < 0.5, "{p:?}: ours {ours:?}, eviltransform's {other:?}: {apart:.3} m apart");
    }
}

/// 秒回 in the conversation: one citizen's question is answered and they say it is settled (a
/// consultation stored closed); another says the answer does not settle theirs, so it becomes the
/// request's description and is reported as usual.
async fn a_question_answered_at_once_is_recorded_and_one_declined_becomes_a_request(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let text = |from: &'static str, id: &'static str, content: &'static str| {
        message(from, Some(id), &["--type", "text", "--content", content])
    };
    let reply = say(&app.base, &text(OPENID, "5001", "请问在坪山办结婚登记需要带什么材料"), true).await;
    assert!(reply.contains("身份证") && reply.contains("解决了"), "answered at once: {reply}");
    let reply = say(&app.base, &text(OPENID, "5002", "解决了"), true).await;
    assert!(reply.contains("直接办结"), "{reply}");
    let answered = tracking_in(&reply);
    let record = Open311Client::new(&app.base, "").wait_for(&answered, Duration::from_secs(10)).await;
    assert_eq!(record["status"], "closed", "never dispatched: {record}");

    // Another citizen, in plain mode (the conversation is the same as in safe mode).
    const OTHER: &str = "oJiesuTestUser0000000000002";
    let reply = say(&app.base, &text(OTHER, "5101", "我的社保卡丢了怎么补办"), false).await;
    assert!(reply.contains("解决了"), "an answer is offered: {reply}");
    let reply = say(&app.base, &text(OTHER, "5102", "没解决"), false).await;
    assert!(reply.contains("位置"), "the question is the draft's description: {reply}");
    let (lat, lon) = KENGZI_GCJ;
    say(&app.base, &message(OTHER, Some("5103"), &["--type", "location", "--lat", lat, "--lng", lon]), false)
        .await;
    let reply = say(&app.base, &text(OTHER, "5104", "提交"), false).await;
    assert!(reply.starts_with("已受理"), "{reply}");
    let record =
        Open311Client::new(&app.base, "").wait_for(&tracking_in(&reply), Duration::from_secs(10)).await;
    assert_eq!(record["description"], "我的社保卡丢了怎么补办");
    app.stop().await;
}
