//! 企业微信 and WeChat through the `Gateway` port, against fake servers that issue tokens and
//! check fields as the real ones do, with the tokens kept in a real store: one token shared by
//! two gateways (two notify processes), fetched again ahead of its end and when the platform
//! refuses it; the duplicate checks that absorb a repeat; the codes that retry and give up.

use std::collections::BTreeMap;

use chrono::{TimeDelta, Utc};
use jiesu_model::contact::OpenId;
use jiesu_notify::fake::{FakeWeChat, FakeWeCom, Mode, PlatformHandle};
use jiesu_notify::gateways::{Gateways, WeChatSettings, WeChatTemplate, WeComSettings};
use jiesu_notify::platform::{wechat, wecom};
use jiesu_ports::{AccessToken, AccessTokens, Address, Gateway, Outgoing, Sent, Via};
use jiesu_store_sqlite::SqliteStore;

fn message(via: Via, to: Address, topic: &'static str) -> Outgoing {
    Outgoing {
        reference: uuid::Uuid::now_v7(),
        via,
        to,
        topic,
        params: vec![
            ("number", "7ECP-7JH1-T9EW".to_owned()),
            ("link", "https://12345.example.gov.cn/staff/tasks/1".to_owned()),
            ("bureau", "深圳市坪山区城市管理和综合执法局马峦街道执法队".to_owned()),
            ("status", "受理通知".to_owned()),
        ],
        subject: "新任务提醒".to_owned(),
        text: "新主办任务：工单 7ECP-7JH1-T9EW，请及时签收。".to_owned(),
    }
}

fn wecom_settings(fake: &PlatformHandle, secret: &str) -> WeComSettings {
    let party = wecom::Recipients { parties: "12".to_owned(), ..wecom::Recipients::default() };
    let tag = wecom::Recipients { tags: "3".to_owned(), ..wecom::Recipients::default() };
    WeComSettings {
        account: wecom::Account {
            endpoint: fake.endpoint(),
            corp_id: "ww-test".to_owned(),
            secret: secret.to_owned(),
            agent_id: 1_000_002,
        },
        to: BTreeMap::from([("bureau:water".to_owned(), party), ("supervisors".to_owned(), tag)]),
        duplicate_check_secs: 1800,
        per_second: Some(10),
    }
}

async fn wecom_gateway(store: &SqliteStore, fake: &PlatformHandle, secret: &str) -> Gateways<SqliteStore> {
    Gateways::new(store.clone()).expect("client").with_wecom(Some(wecom_settings(fake, secret)))
}

fn staff(audience: &str) -> Address {
    Address::Staff(audience.to_owned())
}

#[tokio::test]
async fn wecom_sends_a_card_to_the_directory_with_one_token_for_every_process() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let fake = FakeWeCom::start("ww-test", "app-secret", 1_000_002).await.expect("fake");
    let one = wecom_gateway(&store, &fake, "app-secret").await;
    let two = wecom_gateway(&store, &fake, "app-secret").await;
    assert!(one.carries(Via::WeCom, "new_task") && !one.carries(Via::Sms, "new_task"));
    assert_eq!(one.rate(Via::WeCom), Some(10));

    let m = message(Via::WeCom, staff("bureau:water"), "new_task");
    assert!(matches!(one.send(&m).await, Sent::Yes { .. }));
    let to_supervisors = message(Via::WeCom, staff("supervisors"), "missed_deadline");
    assert!(matches!(two.send(&to_supervisors).await, Sent::Yes { .. }));
    assert_eq!(fake.fetches(), 1, "the second process used the stored token");
    let got = fake.delivered();
    assert_eq!((got[0].to.as_str(), got[1].to.as_str()), ("|12|", "||3"));
    let card = &got[0].body["textcard"];
    assert_eq!(card["title"], "新任务提醒");
    assert_eq!(card["description"], m.text.as_str());
    assert_eq!(card["url"], "https://12345.example.gov.cn/staff/tasks/1");
    assert_eq!(got[0].body["agentid"], 1_000_002);

    // Sent again (a process killed before it recorded the first send): 企业微信 shows it once.
    assert!(matches!(two.send(&m).await, Sent::Yes { .. }));
    assert_eq!((fake.delivered().len(), fake.absorbed()), (2, 1));

    // An audience the directory does not name: given up, for the supervisors to see.
    let admins = message(Via::WeCom, staff("bureau_admins:water"), "missed_deadline");
    assert_eq!(one.send(&admins).await, Sent::GiveUp { code: "no_recipient".to_owned() });

    // The platform ends the token early: dropped, fetched again, and the message goes.
    fake.expire_tokens();
    let later = message(Via::WeCom, staff("bureau:water"), "meeting");
    let mut later = later.clone();
    later.text = "协调会邀请：工单 7ECP-7JH1-T9EW。".to_owned();
    assert!(matches!(one.send(&later).await, Sent::Yes { .. }));
    assert_eq!(fake.fetches(), 2);
    assert_eq!(fake.delivered().len(), 3);

    fake.set_mode(Mode::Down);
    assert_eq!(two.send(&m).await, Sent::Retry { code: "http_503".to_owned() });
    fake.set_mode(Mode::Refuse("45009".to_owned()));
    assert_eq!(two.send(&m).await, Sent::Retry { code: "45009".to_owned() }, "a rate limit waits");
    fake.set_mode(Mode::Refuse("81013".to_owned()));
    assert_eq!(two.send(&m).await, Sent::GiveUp { code: "81013".to_owned() });
    fake.set_mode(Mode::Up);

    // A wrong secret never gets a token: retried (an administrator may fix it), never sent.
    let (other_store, _g) = jiesu_testkit::sqlite_store().await;
    let wrong = wecom_gateway(&other_store, &fake, "not-the-secret").await;
    assert_eq!(wrong.send(&m).await, Sent::Retry { code: "token_40001".to_owned() });
    assert_eq!(fake.delivered().len(), 3);
}

#[tokio::test]
async fn a_stored_token_about_to_end_is_replaced_before_it_is_used() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let fake = FakeWeCom::start("ww-test", "app-secret", 1_000_002).await.expect("fake");
    let gateway = wecom_gateway(&store, &fake, "app-secret").await;
    let name = wecom_settings(&fake, "app-secret").account.token_name();
    let ending = AccessToken { token: "old".to_owned(), expires_at: Utc::now() + TimeDelta::seconds(60) };
    store.save_access_token(&name, &ending).await.expect("saved");
    assert!(matches!(
        gateway.send(&message(Via::WeCom, staff("bureau:water"), "new_task")).await,
        Sent::Yes { .. }
    ));
    assert!(fake.rejected().is_empty(), "the old token was never sent: {:?}", fake.rejected());
    let kept = store.access_token(&name).await.expect("read").expect("a token");
    assert!(kept.token != "old" && kept.expires_at > Utc::now() + TimeDelta::hours(1));
}

fn wechat_settings(fake: &PlatformHandle) -> WeChatSettings {
    let field = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    WeChatSettings {
        account: wechat::Account {
            endpoint: fake.endpoint(),
            app_id: "wx-test".to_owned(),
            secret: "wx-secret".to_owned(),
        },
        templates: BTreeMap::from([(
            "received".to_owned(),
            WeChatTemplate {
                id: "tpl-received".to_owned(),
                fields: vec![
                    field("character_string1", "number"),
                    field("thing2", "bureau"),
                    field("phrase3", "status"),
                ],
            },
        )]),
        per_second: None,
    }
}

#[tokio::test]
async fn wechat_sends_a_template_where_one_is_configured_else_a_customer_service_message() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let fake = FakeWeChat::start("wx-test", "wx-secret").await.expect("fake");
    let gateway = Gateways::new(store.clone()).expect("client").with_wechat(Some(wechat_settings(&fake)));
    let openid = "oPingshan_citizen-01";
    let to = || Address::OpenId(OpenId::parse(openid).expect("openid"));
    assert!(gateway.carries(Via::WeChat, "closed"), "without a template: a customer-service message");

    let m = message(Via::WeChat, to(), "received");
    assert!(matches!(gateway.send(&m).await, Sent::Yes { .. }));
    let got = fake.delivered();
    assert_eq!((got[0].api, got[0].to.as_str()), ("template/send", openid));
    let body = &got[0].body;
    assert_eq!(body["template_id"], "tpl-received");
    assert_eq!(body["client_msg_id"], m.reference.to_string());
    assert_eq!(body["url"], "https://12345.example.gov.cn/staff/tasks/1");
    assert_eq!(body["data"]["character_string1"]["value"], "7ECP-7JH1-T9EW");
    let bureau = body["data"]["thing2"]["value"].as_str().expect("text");
    assert_eq!(bureau.chars().count(), 20, "a thing field takes 20 characters: {bureau}");
    assert!(bureau.ends_with('…'));
    assert_eq!(body["data"]["phrase3"]["value"], "受理通知");

    // The same notice again within ten minutes: WeChat's client_msg_id keeps it to one.
    assert!(matches!(gateway.send(&m).await, Sent::Yes { .. }));
    assert_eq!((fake.delivered().len(), fake.absorbed()), (1, 1));

    let closed = message(Via::WeChat, to(), "closed");
    assert!(matches!(gateway.send(&closed).await, Sent::Yes { .. }));
    let got = fake.delivered();
    assert_eq!(got[1].api, "custom/send");
    let link = "https://12345.example.gov.cn/staff/tasks/1";
    assert_eq!(got[1].body["text"]["content"], format!("{}\n{link}", closed.text).as_str(), "with its link");
    assert_eq!(fake.fetches(), 1);

    fake.expire_tokens();
    assert!(matches!(gateway.send(&message(Via::WeChat, to(), "reopened")).await, Sent::Yes { .. }));
    assert_eq!(fake.fetches(), 2);

    // The citizen unfollowed the account, or the 48-hour window closed: not by WeChat (the
    // sender tries SMS where there is a phone); a template not approved: never.
    for code in [43004, 45015, 43101] {
        fake.refuse(openid, code);
        assert_eq!(gateway.send(&closed).await, Sent::Unreachable { code: code.to_string() });
    }
    fake.refuse(openid, 40037);
    assert_eq!(gateway.send(&closed).await, Sent::GiveUp { code: "40037".to_owned() });
    assert_eq!(
        gateway.send(&message(Via::WeChat, staff("desk"), "closed")).await,
        Sent::GiveUp { code: "not_an_openid".to_owned() }
    );
}
