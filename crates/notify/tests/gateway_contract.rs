//! The `Gateway` port's contract, run against every SMS adapter (Alibaba Cloud, Tencent Cloud)
//! over their fake services: a notice with a template goes to the phone with the template's
//! variables in order and answers the gateway's id; one without a template is not carried and is
//! given up if sent anyway; an outage answers retry, a refused number give up; the rate comes from
//! the settings.

use std::collections::BTreeMap;

use jiesu_model::contact::PhoneNumber;
use jiesu_notify::fake::{FakeAlibaba, FakeTencent, Handle, Mode};
use jiesu_notify::gateways::{Gateways, SmsAccount, SmsSettings, Template};
use jiesu_notify::sms::{alibaba, tencent};
use jiesu_ports::{Address, Gateway, Outgoing, Sent, Via};
use jiesu_store_sqlite::SqliteStore;

fn settings(account: SmsAccount) -> SmsSettings {
    let template = |code: &str, params: &[&str]| Template {
        code: code.to_owned(),
        params: params.iter().map(|p| (*p).to_owned()).collect(),
    };
    SmsSettings {
        account,
        templates: BTreeMap::from([
            ("received".to_owned(), template("1110", &["number", "link"])),
            ("dispatched".to_owned(), template("1111", &["number", "bureau"])),
        ]),
        per_second: Some(20),
    }
}

fn message(topic: &'static str) -> Outgoing {
    Outgoing {
        reference: uuid::Uuid::now_v7(),
        via: Via::Sms,
        to: Address::Phone(PhoneNumber::parse("13812345678").expect("phone")),
        topic,
        params: vec![
            ("link", "https://12345.example.gov.cn/track?n=7ECP7JH1T9EW".to_owned()),
            ("number", "7ECP-7JH1-T9EW".to_owned()),
        ],
        subject: "受理通知".to_owned(),
        text: "您的诉求已受理".to_owned(),
    }
}

/// The variables as the fake received them, in the template's order.
fn in_order(params: &serde_json::Value) -> Vec<String> {
    match params {
        // Tencent: an array in order.
        serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        // Alibaba: an object by name.
        other => ["number", "link"].iter().filter_map(|k| other[*k].as_str().map(str::to_owned)).collect(),
    }
}

async fn contract(gateway: Gateways<SqliteStore>, fake: Handle, phone_as_sent: &str) {
    assert!(gateway.carries(Via::Sms, "received"));
    assert!(!gateway.carries(Via::Sms, "closed"), "no template: not carried");
    assert!(!gateway.carries(Via::WeCom, "new_task"), "not configured");
    assert_eq!(gateway.rate(Via::Sms), Some(20));

    let m = message("received");
    let sent = gateway.send(&m).await;
    assert!(matches!(&sent, Sent::Yes { id } if !id.is_empty()), "{sent:?}");
    let got = fake.received();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].phone.as_str(), got[0].template.as_str()), (phone_as_sent, "1110"));
    assert_eq!(got[0].reference, m.reference.to_string());
    assert_eq!(
        in_order(&got[0].params),
        ["7ECP-7JH1-T9EW", "https://12345.example.gov.cn/track?n=7ECP7JH1T9EW"]
    );

    assert_eq!(gateway.send(&message("closed")).await, Sent::GiveUp { code: "no_template".to_owned() });
    // A template naming a variable the notice lacks: a configuration to fix, not a retry.
    assert_eq!(
        gateway.send(&message("dispatched")).await,
        Sent::GiveUp { code: "template_params".to_owned() }
    );
    fake.set_mode(Mode::Down);
    assert_eq!(gateway.send(&message("received")).await, Sent::Retry { code: "http_503".to_owned() });
    fake.set_mode(Mode::Refuse("isv.MOBILE_NUMBER_ILLEGAL".to_owned()));
    let refused = gateway.send(&message("received")).await;
    assert!(matches!(refused, Sent::GiveUp { .. } | Sent::Retry { .. }), "{refused:?}");
    assert_eq!(fake.received().len(), 1, "nothing else was accepted");
    assert!(fake.rejected().is_empty(), "every call was signed right: {:?}", fake.rejected());
}

#[tokio::test]
async fn alibaba_keeps_the_gateway_contract() {
    let fake = FakeAlibaba::start("LTAI-test", "secret-test").await.expect("fake");
    let account = SmsAccount::Alibaba(alibaba::Account {
        endpoint: fake.endpoint(),
        access_key_id: "LTAI-test".to_owned(),
        access_key_secret: "secret-test".to_owned(),
        sign_name: "坪山区民生诉求".to_owned(),
    });
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let gateway = Gateways::new(store).expect("client").with_sms(Some(settings(account)));
    contract(gateway, fake, "13812345678").await;
}

#[tokio::test]
async fn tencent_keeps_the_gateway_contract() {
    let fake = FakeTencent::start("AKID-test", "key-test").await.expect("fake");
    let account = SmsAccount::Tencent(tencent::Account {
        endpoint: fake.endpoint(),
        secret_id: "AKID-test".to_owned(),
        secret_key: "key-test".to_owned(),
        sdk_app_id: "1400006666".to_owned(),
        sign_name: "坪山区民生诉求".to_owned(),
        region: "ap-guangzhou".to_owned(),
    });
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let gateway = Gateways::new(store).expect("client").with_sms(Some(settings(account)));
    contract(gateway, fake, "+8613812345678").await;
}

#[tokio::test]
async fn a_district_without_sms_carries_nothing() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let gateway = Gateways::new(store).expect("client");
    assert!(Via::ALL.iter().all(|v| !gateway.carries(*v, "received")));
    assert_eq!(gateway.send(&message("received")).await, Sent::GiveUp { code: "not_carried".to_owned() });
}
