//! The SMS calls sent over HTTP to fake gateways that check them as the real services do: a good
//! call is accepted and counted once; a wrong key, a replayed nonce or a stale clock is refused
//! the way the service refuses it; a gateway that is down, or refuses the number, is read as
//! retry or give up.

use chrono::{Duration, Utc};
use jiesu_model::contact::PhoneNumber;
use jiesu_notify::fake::{FakeAlibaba, FakeTencent, Mode};
use jiesu_notify::send::{client, send};
use jiesu_notify::sms::{Outcome, Sms, alibaba, tencent};

fn sms(reference: &str) -> Sms {
    Sms {
        to: PhoneNumber::parse("13800138000").expect("phone"),
        template: "SMS_154950909".to_owned(),
        params: vec![("tracking".to_owned(), "7ECP-7JH1-T9EW".to_owned())],
        reference: reference.to_owned(),
    }
}

#[tokio::test]
async fn alibaba_calls_are_checked_like_the_real_service_checks_them() {
    let fake = FakeAlibaba::start("LTAI-test", "secret-test").await.expect("fake");
    let account = alibaba::Account {
        endpoint: fake.endpoint(),
        access_key_id: "LTAI-test".to_owned(),
        access_key_secret: "secret-test".to_owned(),
        sign_name: "坪山区民生诉求".to_owned(),
    };
    let http = client().expect("client");
    let now = Utc::now();
    let call = alibaba::call(&account, &sms("n-1"), now, "nonce-1");
    assert!(matches!(send(&http, &call, alibaba::outcome).await, Outcome::Sent { .. }));
    let got = fake.received();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].phone.as_str(), got[0].reference.as_str()), ("13800138000", "n-1"));
    assert_eq!(got[0].params["tracking"], "7ECP-7JH1-T9EW");
    // The same call again: its nonce was used, so the gateway refuses a replay.
    let replay = send(&http, &call, alibaba::outcome).await;
    assert!(matches!(replay, Outcome::Retry { ref code } if code == "SignatureNonceUsed"), "{replay:?}");
    // A wrong secret never goes through.
    let wrong = alibaba::Account { access_key_secret: "not-it".to_owned(), ..account.clone() };
    let forged = send(&http, &alibaba::call(&wrong, &sms("n-2"), now, "nonce-2"), alibaba::outcome).await;
    assert_eq!(forged, Outcome::GiveUp { code: "SignatureDoesNotMatch".to_owned() });
    // Signed twenty minutes ago: refused as expired.
    let stale = alibaba::call(&account, &sms("n-3"), now - Duration::minutes(20), "nonce-3");
    assert!(matches!(send(&http, &stale, alibaba::outcome).await, Outcome::Retry { .. }));
    fake.set_mode(Mode::Down);
    let down = send(&http, &alibaba::call(&account, &sms("n-4"), now, "nonce-4"), alibaba::outcome).await;
    assert_eq!(down, Outcome::Retry { code: "http_503".to_owned() });
    fake.set_mode(Mode::Refuse("isv.MOBILE_NUMBER_ILLEGAL".to_owned()));
    let bad = send(&http, &alibaba::call(&account, &sms("n-5"), now, "nonce-5"), alibaba::outcome).await;
    assert_eq!(bad, Outcome::GiveUp { code: "isv.MOBILE_NUMBER_ILLEGAL".to_owned() });
    assert_eq!(fake.received().len(), 1, "only the first was accepted");
    assert_eq!(fake.rejected().len(), 3, "{:?}", fake.rejected());
}

#[tokio::test]
async fn tencent_calls_are_checked_like_the_real_service_checks_them() {
    let fake = FakeTencent::start("AKID-test", "key-test").await.expect("fake");
    let account = tencent::Account {
        endpoint: fake.endpoint(),
        secret_id: "AKID-test".to_owned(),
        secret_key: "key-test".to_owned(),
        sdk_app_id: "1400006666".to_owned(),
        sign_name: "坪山区民生诉求".to_owned(),
        region: "ap-guangzhou".to_owned(),
    };
    let http = client().expect("client");
    let mut message = sms("n-1");
    message.template = "1110".to_owned();
    let sent = send(&http, &tencent::call(&account, &message, Utc::now()), tencent::outcome).await;
    assert_eq!(sent, Outcome::Sent { id: "fake:1".to_owned() });
    let got = fake.received();
    assert_eq!((got[0].phone.as_str(), got[0].template.as_str()), ("+8613800138000", "1110"));
    assert_eq!(got[0].params, serde_json::json!(["7ECP-7JH1-T9EW"]));
    let wrong = tencent::Account { secret_key: "not-it".to_owned(), ..account.clone() };
    let forged = send(&http, &tencent::call(&wrong, &message, Utc::now()), tencent::outcome).await;
    assert_eq!(forged, Outcome::GiveUp { code: "AuthFailure.SignatureFailure".to_owned() });
    let stale = tencent::call(&account, &message, Utc::now() - Duration::minutes(10));
    assert_eq!(
        send(&http, &stale, tencent::outcome).await,
        Outcome::Retry { code: "AuthFailure.SignatureExpire".to_owned() }
    );
    fake.set_mode(Mode::Refuse("LimitExceeded.PhoneNumberDailyLimit".to_owned()));
    assert!(matches!(
        send(&http, &tencent::call(&account, &message, Utc::now()), tencent::outcome).await,
        Outcome::Retry { .. }
    ));
    fake.set_mode(Mode::Down);
    assert_eq!(
        send(&http, &tencent::call(&account, &message, Utc::now()), tencent::outcome).await,
        Outcome::Retry { code: "http_503".to_owned() }
    );
    assert_eq!(fake.received().len(), 1);
}

#[tokio::test]
async fn a_gateway_nobody_answers_at_is_retried() {
    // A port nothing listens on: bind one, note it, let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let account = alibaba::Account {
        endpoint: format!("http://127.0.0.1:{port}"),
        access_key_id: "a".to_owned(),
        access_key_secret: "b".to_owned(),
        sign_name: "c".to_owned(),
    };
    let call = alibaba::call(&account, &sms("n"), Utc::now(), "nonce");
    assert_eq!(
        send(&client().expect("client"), &call, alibaba::outcome).await,
        Outcome::Retry { code: "unreachable".to_owned() }
    );
}
