//! The notify role through WeChat and 企业微信, end to end on both backends, against fake servers
//! that issue access tokens and check fields as the real ones do: a citizen who wrote through
//! the official account hears of their request there (a template message for 立案, customer-
//! service messages for the rest, the return-visit link in the last), the bureau hears of its new
//! task in 企业微信 with a card that opens the task, each token is fetched once and kept in the
//! database, and the history names each notice without the OpenID.

use std::collections::BTreeMap;
use std::time::Duration;

use jiesu::Roles;
use jiesu::notify::{RecipientsConfig, WeChatTemplateConfig};
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::Backend;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::wechat::{APP_ID, message};
use jiesu_notify::fake::{Delivered, FakeWeChat, FakeWeCom, PlatformHandle};
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(a_wechat_citizen_hears_in_wechat_and_the_bureau_in_wecom);

const OPENID: &str = "oJiesuNotifyCitizen00000001";
const BASE: &str = "http://jiesu.example";

/// The settings that send through the two fakes, at any hour.
fn through(wecom: &PlatformHandle, wechat: &PlatformHandle) -> impl FnOnce(&mut jiesu::Settings) + use<> {
    let (wecom, wechat) = (wecom.endpoint(), wechat.endpoint());
    move |s| {
        s.server.public_url = BASE.to_owned();
        let n = &mut s.notify;
        n.quiet_start = "00:00".to_owned();
        n.quiet_end = "00:00".to_owned();
        n.wecom.endpoint = wecom;
        n.wecom.corp_id = "ww-e2e".to_owned();
        n.wecom.secret = "wecom-secret".to_owned().into();
        n.wecom.agent_id = 1_000_002;
        let party = RecipientsConfig { parties: "7".to_owned(), ..RecipientsConfig::default() };
        n.wecom.to = BTreeMap::from([("bureau:urban-management".to_owned(), party)]);
        n.wechat.endpoint = wechat;
        n.wechat.app_id = APP_ID.to_owned();
        n.wechat.secret = "wx-secret".to_owned().into();
        let fields = BTreeMap::from([
            ("character_string1".to_owned(), "number".to_owned()),
            ("phrase2".to_owned(), "status".to_owned()),
        ]);
        n.wechat.templates = BTreeMap::from([(
            "received".to_owned(),
            WeChatTemplateConfig { id: "tpl-1".to_owned(), fields },
        )]);
    }
}

/// Says `xml` to the account in plain mode and answers the reply's text.
async fn say(base: &str, xml: &str) -> String {
    jiesu_e2e::wechat::say(base, xml, false).await
}

/// Waits until `fake` delivered `n` messages, then a moment more, so one too many would show.
async fn delivered(fake: &PlatformHandle, n: usize) -> Vec<Delivered> {
    jiesu_e2e::arrived(n, Duration::from_secs(30), || fake.delivered()).await
}

async fn a_wechat_citizen_hears_in_wechat_and_the_bureau_in_wecom(backend: Backend) {
    let wecom = FakeWeCom::start("ww-e2e", "wecom-secret", 1_000_002).await.expect("fake 企业微信");
    let wechat = FakeWeChat::start(APP_ID, "wx-secret").await.expect("fake WeChat");
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start_with(Roles::ALL, through(&wecom, &wechat)).await;

    say(&app.base, &message(OPENID, Some("5001"), &["--type", "text", "--content", "秀新路口的路灯不亮了"]))
        .await;
    let at = ["--type", "location", "--lat", "22.7393", "--lng", "114.3918", "--label", "坑梓街道秀新路"];
    say(&app.base, &message(OPENID, Some("5002"), &at)).await;
    let reply =
        say(&app.base, &message(OPENID, Some("5003"), &["--type", "text", "--content", "提交"])).await;
    let after = reply.split("工单编号：").nth(1).unwrap_or_else(|| panic!("no tracking number: {reply}"));
    let grouped: String = after.chars().take(14).collect();
    let id: String = grouped.chars().filter(|c| *c != '-').collect();

    // 立案 by the template, 派单 as a customer-service message; the new task in 企业微信.
    let citizen = delivered(&wechat, 2).await;
    let receipt = citizen.iter().find(|m| m.api == "template/send").expect("立案 by template");
    assert_eq!(receipt.to, OPENID);
    assert_eq!(receipt.body["data"]["character_string1"]["value"], grouped.as_str());
    assert_eq!(receipt.body["data"]["phrase2"]["value"], "受理通知");
    assert_eq!(receipt.body["url"], format!("{BASE}/track?n={id}").as_str());
    let dispatched = citizen.iter().find(|m| m.api == "custom/send").expect("派单");
    assert!(
        dispatched.body["text"]["content"].as_str().expect("text").contains("城市管理"),
        "{dispatched:?}"
    );
    let staff = delivered(&wecom, 1).await;
    assert_eq!(staff.len(), 1, "{staff:?}");
    assert_eq!(staff[0].to, "|7|", "the bureau's department");
    let card = &staff[0].body["textcard"];
    assert_eq!(card["title"], "新任务提醒");
    let um = StaffClient::login(&app.base, "um-staff").await;
    let task = um.task_for(&id, "dispatched").await.expect("task");
    assert_eq!(card["url"], format!("{BASE}/staff/tasks/{task}").as_str(), "the card opens the task");

    um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    um.ok(&format!("/api/v1/tasks/{task}/resolve"), json!({ "result": "已更换灯泡" })).await;
    let desk = StaffClient::login(&app.base, "desk").await;
    desk.ok(&format!("/api/v1/requests/{id}/review"), json!({ "approve": true })).await;
    let citizen = delivered(&wechat, 3).await;
    assert_eq!(citizen.len(), 3, "received, dispatched, resolved: {citizen:?}");
    let resolved = citizen[2].body["text"]["content"].as_str().expect("text");
    assert!(
        resolved.contains(&format!("{BASE}/track/visit?n={id}&k=")),
        "the return visit's link: {resolved}"
    );
    assert_eq!((wechat.absorbed(), wecom.absorbed()), (0, 0), "nothing sent twice");
    assert_eq!((wechat.fetches(), wecom.fetches()), (1, 1), "each token fetched once, then kept");
    assert!(wechat.rejected().is_empty() && wecom.rejected().is_empty(), "{:?}", wechat.rejected());

    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    let history = case["history"].to_string();
    assert!(history.contains("微信消息已发送至oJie****（受理通知）"), "{history}");
    assert!(history.contains("企业微信消息已发送至坪山区城市管理和综合执法局（新任务提醒）"), "{history}");
    assert!(!history.contains(OPENID), "never the whole OpenID: {history}");
    app.stop().await;
}
