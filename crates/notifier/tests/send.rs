//! The sender on a real store against a fake Alibaba Cloud SMS gateway that checks signatures as
//! the real one does: the 立案 and dispatch SMS go once each with the template's variables, and
//! are in the request's history with the number masked; a gateway that is down is tried again
//! and delivered once when it is back; a number it refuses for good is given up, listed for
//! supervisors and written in the history.

use std::collections::BTreeMap;
use std::time::Duration;

use jiesu_domain::event::EventKind;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{Cases, NoticeState, Notifications, Store, Via};
use jiesu_domain::secret::test_key;
use jiesu_notifier::{Links, QuietHours, Record, Sender, SenderSettings, carried};
use jiesu_notify::fake::{FakeAlibaba, Handle, Mode};
use jiesu_notify::gateways::{Gateways, SmsAccount, SmsSettings, Template};
use jiesu_notify::sms::alibaba;
use jiesu_store_sqlite::SqliteStore;
use jiesu_testkit::fixtures::{admission, new_request};
use jiesu_worker::Handler;

/// Never quiet: the tests send at any hour.
fn never_quiet() -> QuietHours {
    let midnight = chrono::NaiveTime::MIN;
    QuietHours { start: midnight, end: midnight }
}

fn template(code: &str, params: &[&str]) -> Template {
    Template { code: code.to_owned(), params: params.iter().map(|p| (*p).to_owned()).collect() }
}

async fn gateways(store: &SqliteStore, fake: &Handle) -> Gateways<SqliteStore> {
    let account = SmsAccount::Alibaba(alibaba::Account {
        endpoint: fake.endpoint(),
        access_key_id: "LTAI-test".to_owned(),
        access_key_secret: "secret-test".to_owned(),
        sign_name: "坪山区民生诉求".to_owned(),
    });
    let templates = BTreeMap::from([
        ("received".to_owned(), template("SMS_1", &["number", "link"])),
        ("dispatched".to_owned(), template("SMS_2", &["number", "bureau"])),
    ]);
    let sms = SmsSettings { account, templates, per_second: Some(50) };
    Gateways::new(store.clone()).expect("client").with_sms(Some(sms))
}

struct Rig {
    store: SqliteStore,
    record: Record<SqliteStore>,
    sender: Sender<SqliteStore, Gateways<SqliteStore>>,
    fake: Handle,
    _guard: jiesu_testkit::Guard,
}

async fn rig(max_attempts: u32) -> Rig {
    rig_with(SenderSettings { max_attempts, ..SenderSettings::default() }).await
}

/// A rig whose sender works as `settings` say, never quiet and retrying at once.
async fn rig_with(settings: SenderSettings) -> Rig {
    let (store, guard) = jiesu_testkit::sqlite_store().await;
    let fake = FakeAlibaba::start("LTAI-test", "secret-test").await.expect("fake");
    let gateways = gateways(&store, &fake).await;
    let record = Record::new(store.clone(), never_quiet(), carried(&gateways));
    let links = Links { public_url: "https://12345.example.gov.cn".to_owned(), key: test_key() };
    let settings = SenderSettings { retry_first: Duration::ZERO, quiet: never_quiet(), ..settings };
    let district = LiveDistrict::new(jiesu_testkit::fixtures::district().clone());
    let sender = Sender::new(store.clone(), gateways, district, links, settings);
    Rig { store, record, sender, fake, _guard: guard }
}

/// A request admitted and its events recorded, as the notify queue would deliver them.
async fn admitted(r: &Rig) -> jiesu_domain::ids::RequestId {
    let a = admission(new_request());
    r.store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    r.record.handle(a.events.clone()).await.expect("recorded");
    a.request.submitted.id
}

async fn notices_in_history(store: &SqliteStore, id: jiesu_domain::ids::RequestId) -> Vec<EventKind> {
    let events = store.request_events(id).await.expect("events");
    let notice = |k: &EventKind| matches!(k, EventKind::NoticeSent { .. } | EventKind::NoticeGivenUp { .. });
    events.into_iter().map(|e| e.kind).filter(notice).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_citizens_sms_go_once_each_with_their_templates_and_are_in_the_history() {
    let r = rig(5).await;
    let id = admitted(&r).await;
    assert_eq!(r.sender.send_due().await.expect("send"), 2);
    assert_eq!(r.sender.send_due().await.expect("again"), 0, "nothing is sent twice");
    let got = r.fake.received();
    assert!(r.fake.rejected().is_empty(), "{:?}", r.fake.rejected());
    let mut templates: Vec<&str> = got.iter().map(|m| m.template.as_str()).collect();
    templates.sort_unstable();
    assert_eq!(templates, ["SMS_1", "SMS_2"]);
    assert!(got.iter().all(|m| m.phone == "13812345678"));
    let receipt = got.iter().find(|m| m.template == "SMS_1").expect("立案");
    let case = r.store.load_case(id).await.expect("load").expect("case");
    let number = case.request.submitted.tracking.grouped();
    assert_eq!(receipt.params["number"], number.as_str());
    assert_eq!(
        receipt.params["link"],
        format!("https://12345.example.gov.cn/track?n={}", case.request.submitted.tracking.as_str()).as_str()
    );
    let dispatch = got.iter().find(|m| m.template == "SMS_2").expect("派单");
    assert!(dispatch.params["bureau"].as_str().is_some_and(|b| !b.is_empty() && !b.contains('_')));

    let history = notices_in_history(&r.store, id).await;
    assert_eq!(history.len(), 2, "{history:?}");
    for k in &history {
        let EventKind::NoticeSent { via, to, .. } = k else { panic!("sent: {k:?}") };
        // Not `138****5678`: the last four digits are what the tracking page asks for.
        assert_eq!((*via, to.as_deref()), (Via::Sms, Some("138********")), "masked, never in full");
    }
    let line = jiesu_words::describe_in_full(
        &r.store
            .request_events(id)
            .await
            .expect("events")
            .into_iter()
            .rev()
            .find(|e| matches!(&e.kind, EventKind::NoticeSent { topic, .. } if topic == "received"))
            .expect("the receipt's line"),
        jiesu_testkit::fixtures::district(),
        jiesu_words::Lang::Zh,
    );
    assert_eq!(line, "短信已发送至138********（受理通知）");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_is_down_is_tried_again_and_each_notice_goes_once_when_it_is_back() {
    let r = rig(50).await;
    r.fake.set_mode(Mode::Down);
    let id = admitted(&r).await;
    for _ in 0..3 {
        assert_eq!(r.sender.send_due().await.expect("send"), 2, "tried, and due again at once here");
    }
    assert!(r.fake.received().is_empty());
    assert!(notices_in_history(&r.store, id).await.is_empty(), "a retry is not history");
    r.fake.set_mode(Mode::Up);
    assert_eq!(r.sender.send_due().await.expect("send"), 2);
    assert_eq!(r.sender.send_due().await.expect("send"), 0);
    assert_eq!(r.fake.received().len(), 2, "each once");
    assert_eq!(notices_in_history(&r.store, id).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_number_is_given_up_listed_and_written_in_the_history() {
    let r = rig(5).await;
    r.fake.set_mode(Mode::Refuse("isv.MOBILE_NUMBER_ILLEGAL".to_owned()));
    let id = admitted(&r).await;
    assert_eq!(r.sender.send_due().await.expect("send"), 2);
    assert_eq!(r.sender.send_due().await.expect("send"), 0, "given up: not tried again");
    let given_up = r.store.given_up_notifications(10).await.expect("list");
    assert_eq!(given_up.len(), 2);
    let given_up: Vec<_> = given_up.into_iter().map(|u| u.notice).collect();
    assert!(given_up.iter().all(|n| n.state == NoticeState::GivenUp && n.attempts == 1));
    assert!(given_up.iter().all(|n| n.last_error.as_deref() == Some("isv.MOBILE_NUMBER_ILLEGAL")));
    let history = notices_in_history(&r.store, id).await;
    assert!(history.iter().all(
        |k| matches!(k, EventKind::NoticeGivenUp { error, .. } if error == "isv.MOBILE_NUMBER_ILLEGAL")
    ));
    assert_eq!(history.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_down_past_the_last_try_gives_the_notice_up() {
    let r = rig(2).await;
    r.fake.set_mode(Mode::Down);
    let id = admitted(&r).await;
    assert_eq!(r.sender.send_due().await.expect("first try"), 2);
    assert_eq!(r.sender.send_due().await.expect("last try"), 2);
    assert_eq!(r.sender.send_due().await.expect("none left"), 0);
    let history = notices_in_history(&r.store, id).await;
    assert!(
        history.iter().all(|k| matches!(k, EventKind::NoticeGivenUp { error, .. } if error == "http_503")),
        "{history:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_replied_td_gets_nothing_more_and_a_request_set_quiet_neither() {
    use jiesu_domain::contact::PhoneNumber;
    use jiesu_domain::ports::OptOut;
    let r = rig(5).await;
    let phone = PhoneNumber::parse("13812345678").expect("phone");
    assert!(r.store.opt_out(&OptOut::phone(&phone, &test_key()), chrono::Utc::now()).await.expect("TD"));
    let id = admitted(&r).await;
    assert_eq!(r.sender.send_due().await.expect("send"), 2);
    assert!(r.fake.received().is_empty(), "nothing sent: {:?}", r.fake.received());
    let history = notices_in_history(&r.store, id).await;
    assert_eq!(history.len(), 2);
    assert!(
        history.iter().all(|k| matches!(k, EventKind::NoticeGivenUp { error, .. } if error == "opted_out"))
    );
    let event = r
        .store
        .request_events(id)
        .await
        .expect("events")
        .into_iter()
        .rev()
        .find(|e| matches!(&e.kind, EventKind::NoticeGivenUp { topic, .. } if topic == "received"));
    let line = jiesu_words::describe_in_full(
        &event.expect("the receipt's line"),
        jiesu_testkit::fixtures::district(),
        jiesu_words::Lang::Zh,
    );
    assert_eq!(line, "短信未发送至138********（受理通知）：已退订");
    assert!(r.store.given_up_notifications(10).await.expect("list").is_empty(), "not a failure to chase");

    // Another phone, but this request asked for no more notices: the same.
    let r = rig(5).await;
    let a = admission(new_request());
    r.store.opt_out(&OptOut::request(a.request.submitted.id), chrono::Utc::now()).await.expect("quiet");
    r.store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    r.record.handle(a.events.clone()).await.expect("recorded");
    assert_eq!(r.sender.send_due().await.expect("send"), 2);
    assert!(r.fake.received().is_empty());
    // And a request that did not ask is sent to as ever.
    admitted(&r).await;
    assert_eq!(r.sender.send_due().await.expect("send"), 2);
    assert_eq!(r.fake.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wechat_citizen_wechat_cannot_reach_is_sent_the_notice_by_sms_once() {
    use jiesu_domain::contact::OpenId;
    use jiesu_domain::request::Channel;
    use jiesu_notify::fake::FakeWeChat;
    use jiesu_notify::gateways::WeChatSettings;
    use jiesu_notify::platform::wechat;
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let sms = FakeAlibaba::start("LTAI-test", "secret-test").await.expect("fake");
    let wx = FakeWeChat::start("wx-test", "wx-secret").await.expect("fake");
    let account = wechat::Account {
        endpoint: wx.endpoint(),
        app_id: "wx-test".to_owned(),
        secret: "wx-secret".to_owned(),
    };
    let settings = WeChatSettings { account, templates: BTreeMap::new(), per_second: None };
    let gateways = gateways(&store, &sms).await.with_wechat(Some(settings));
    let record = Record::new(store.clone(), never_quiet(), carried(&gateways));
    let links = Links { public_url: "https://12345.example.gov.cn".to_owned(), key: test_key() };
    let settings =
        SenderSettings { retry_first: Duration::ZERO, quiet: never_quiet(), ..SenderSettings::default() };
    let district = LiveDistrict::new(jiesu_testkit::fixtures::district().clone());
    let sender = Sender::new(store.clone(), gateways, district, links, settings);

    // Two citizens wrote through WeChat, one with a phone; the account may not write to either
    // any more (outside the 48-hour window).
    let mut ids = Vec::new();
    for (openid, phone) in [("oWithPhone", true), ("oWithoutPhone", false)] {
        let mut r = new_request();
        r.channel = Channel::Wechat;
        r.contact.openid = Some(OpenId::parse(openid).expect("openid"));
        if !phone {
            r.contact.phone = None;
        }
        wx.refuse(openid, 45015);
        let a = admission(r);
        store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
        record.handle(a.events.clone()).await.expect("recorded");
        ids.push(a.request.submitted.id);
    }
    assert_eq!(sender.send_due().await.expect("send"), 4, "立案 and 派单 by WeChat for each");
    assert!(wx.delivered().is_empty());
    assert_eq!(sender.send_due().await.expect("send"), 2, "the one with a phone: both by SMS instead");
    assert_eq!(sender.send_due().await.expect("send"), 0, "and nothing more");
    let got = sms.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|m| m.phone == "13812345678"));
    let history = notices_in_history(&store, ids[0]).await;
    let lines: Vec<(Via, bool)> = history
        .iter()
        .map(|k| match k {
            EventKind::NoticeSent { via, .. } => (*via, true),
            EventKind::NoticeGivenUp { via, .. } => (*via, false),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(lines.iter().filter(|l| **l == (Via::WeChat, false)).count(), 2, "{history:?}");
    assert_eq!(lines.iter().filter(|l| **l == (Via::Sms, true)).count(), 2, "{history:?}");
    // Only the citizen who could not be reached at all is on the supervisors' list.
    let listed = store.given_up_notifications(10).await.expect("list");
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().all(|u| u.notice.request_id == ids[1] && u.notice.via == Via::WeChat));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_batches_in_flight_send_every_notice_once() {
    let r =
        rig_with(SenderSettings { batch: 4, concurrency: 2, batches: 4, ..SenderSettings::default() }).await;
    for _ in 0..30 {
        admitted(&r).await;
    }
    let shutdown = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(r.sender.clone().run(shutdown.clone()));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while r.fake.received().len() < 60 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Long enough for a loop that took a row twice to have sent it twice.
    tokio::time::sleep(Duration::from_millis(300)).await;
    shutdown.cancel();
    running.await.expect("the sender stops");
    let got = r.fake.received();
    assert!(r.fake.rejected().is_empty(), "{:?}", r.fake.rejected());
    let mut each: Vec<(String, String)> =
        got.iter().map(|m| (m.template.clone(), m.params["number"].to_string())).collect();
    each.sort();
    each.dedup();
    assert_eq!((got.len(), each.len()), (60, 60), "30 requests' 立案 and 派单, each once");
}
