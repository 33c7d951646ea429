//! Citizens' SMS replies, pushed as Alibaba Cloud and Tencent Cloud push them, to the endpoint on
//! a real store: TD puts the phone on the opt-out list (as a digest), anything else does not;
//! a wrong key is answered as if there were no endpoint, a body not in the format with the
//! provider's own error.

use jiesu_model::contact::PhoneNumber;
use jiesu_model::secret::test_key;
use jiesu_notify::inbound::{Replies, routes};
use jiesu_notify::sms::replies::{Provider, is_opt_out};
use jiesu_ports::{Notifications, OptOut};
use jiesu_store_sqlite::SqliteStore;
use serde_json::{Value, json};

const KEY: &str = "reply-key-0123456789";

async fn serve(store: &SqliteStore, provider: Provider) -> String {
    let app = routes(Replies { store: store.clone(), key: test_key(), provider, secret: KEY.to_owned() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/notify/sms/replies")
}

async fn push(url: &str, key: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new().post(url).query(&[("key", key)]).json(body).send().await.expect("POST");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn opt_out(phone: &str) -> OptOut {
    OptOut::phone(&PhoneNumber::parse(phone).expect("phone"), &test_key())
}

#[tokio::test]
async fn alibaba_uplink_messages_saying_td_opt_the_phone_out() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let url = serve(&store, Provider::Alibaba).await;
    let up = |phone: &str, content: &str| {
        json!({ "phone_number": phone, "content": content, "send_time": "2026-12-07 10:00:00",
                "sign_name": "坪山区民生诉求", "dest_code": "1234", "sequence_id": 1 })
    };
    let body = json!([up("13812345678", "TD"), up("13900001111", "谢谢，灯已经修好了")]);
    assert_eq!(push(&url, KEY, &body).await, (200, json!({ "code": 0, "msg": "成功" })));
    let asked = [opt_out("13812345678"), opt_out("13900001111")];
    assert_eq!(store.opted_out(&asked).await.expect("read"), [asked[0].clone()]);
    // WeChat's and the provider's retries: the same push again changes nothing.
    assert_eq!(push(&url, KEY, &body).await.0, 200);

    assert_eq!(push(&url, "not-the-key", &body).await.0, 404, "a wrong key: no such endpoint");
    let (status, answer) = push(&url, KEY, &json!({ "not": "an array" })).await;
    assert_eq!((status, answer["code"].as_i64()), (400, Some(1)));
}

#[tokio::test]
async fn a_tencent_reply_saying_td_opts_the_phone_out() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let url = serve(&store, Provider::Tencent).await;
    let reply = json!({ "extend": "", "mobile": "13812345678", "nationcode": "86",
                        "sign": "坪山区民生诉求", "text": " td。", "time": 1_765_069_323 });
    assert_eq!(push(&url, KEY, &reply).await, (200, json!({ "result": 0, "errmsg": "OK" })));
    assert_eq!(store.opted_out(&[opt_out("+8613812345678")]).await.expect("read").len(), 1);
}

#[test]
fn only_an_unsubscribe_word_is_an_opt_out() {
    for yes in ["TD", "td", " T ", "退订", "取消。", "N"] {
        assert!(is_opt_out(yes), "{yes}");
    }
    for no in ["", "TD路灯还是不亮", "谢谢", "不满意", "TDD"] {
        assert!(!is_opt_out(no), "{no}");
    }
}
