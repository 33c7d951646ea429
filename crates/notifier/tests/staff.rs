//! Staff hear as each of them chose, on a real store against a fake SMTP server and a fake
//! 企业微信: a new task's bureau staff who chose email get an email at once; one who chose the
//! digest gets nothing until the digest hour, then one email listing every notice due to them;
//! one who chose 企业微信 is the card's only recipient (no department configured); one who chose
//! nothing gets nothing, and a group where nobody chose 企业微信 is not a failure to chase.

use std::collections::BTreeMap;
use std::time::Duration;

use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::notice::{EmailAddress, NoticePrefs, StaffNotices};
use jiesu_domain::ports::{Accounts, Notifications, PasswordHash, Store};
use jiesu_domain::secret::test_key;
use jiesu_domain::staff::{StaffRole, User, Username};
use jiesu_notifier::{Links, QuietHours, Record, Sender, SenderSettings, carried};
use jiesu_notify::email::{EmailAccount, Security};
use jiesu_notify::fake::{FakeSmtp, FakeWeCom};
use jiesu_notify::gateways::{EmailSettings, Gateways, WeComSettings};
use jiesu_notify::platform::wecom;
use jiesu_store_sqlite::SqliteStore;
use jiesu_testkit::fixtures::{admission, new_request};
use jiesu_worker::Handler;

fn never_quiet() -> QuietHours {
    let midnight = chrono::NaiveTime::MIN;
    QuietHours { start: midnight, end: midnight }
}

async fn user(store: &SqliteStore, name: &str, role: StaffRole, bureau: &BureauCode, prefs: NoticePrefs) {
    let now = chrono::Utc::now();
    let u = User::new(Username::parse(name).expect("name"), role, Some(bureau.clone()), now).expect("user");
    let hash = PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$x".to_owned());
    let made = AuditEntry::new(None, AuditAction::UserCreated, name, "", now);
    store.insert_user(&u, &hash, &made).await.expect("user");
    store.set_notice_prefs(u.id, &prefs, now).await.expect("prefs");
}

fn by(how: StaffNotices, email: Option<&str>) -> NoticePrefs {
    NoticePrefs { how, email: email.map(|e| EmailAddress::parse(e).expect("email")), wecom_id: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_staff_member_hears_as_they_chose_and_the_digest_comes_at_its_hour() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let smtp = FakeSmtp::start("notices", "mail-secret").await.expect("smtp");
    let wx = FakeWeCom::start("ww-test", "wx-secret", 1_000_002).await.expect("wecom");
    let account = EmailAccount {
        host: "127.0.0.1".to_owned(),
        port: smtp.port,
        security: Security::None,
        username: "notices".to_owned(),
        password: "mail-secret".to_owned(),
        from: "接诉即办 <notices@pingshan.example.cn>".to_owned(),
    };
    let wecom = WeComSettings {
        account: wecom::Account {
            endpoint: wx.endpoint(),
            corp_id: "ww-test".to_owned(),
            secret: "wx-secret".to_owned(),
            agent_id: 1_000_002,
        },
        to: BTreeMap::new(),
        duplicate_check_secs: 1800,
        per_second: None,
    };
    let gateways = Gateways::new(store.clone())
        .expect("client")
        .with_wecom(Some(wecom))
        .with_email(Some(EmailSettings { account, per_second: None }))
        .expect("email");
    // The request's lead bureau, whose staff hear of the new task.
    let a = admission(new_request());
    let lead = a.tasks[0].bureau.clone();
    user(
        &store,
        "at.once",
        StaffRole::BureauStaff,
        &lead,
        by(StaffNotices::Email, Some("once@x.example.cn")),
    )
    .await;
    user(
        &store,
        "daily",
        StaffRole::BureauAdmin,
        &lead,
        by(StaffNotices::Digest, Some("daily@x.example.cn")),
    )
    .await;
    user(&store, "in.wecom", StaffRole::BureauStaff, &lead, by(StaffNotices::WeCom, None)).await;
    user(&store, "quiet", StaffRole::BureauStaff, &lead, by(StaffNotices::Off, None)).await;
    // The digest two seconds from now, district time.
    let soon =
        (chrono::Utc::now() + chrono::Duration::seconds(2)).with_timezone(&jiesu_domain::time::LOCAL).time();
    let record = Record::new(store.clone(), never_quiet(), carried(&gateways)).with_digest_at(soon);
    let links = Links { public_url: "https://12345.example.gov.cn".to_owned(), key: test_key() };
    let settings =
        SenderSettings { retry_first: Duration::ZERO, quiet: never_quiet(), ..SenderSettings::default() };
    let district = LiveDistrict::new(jiesu_testkit::fixtures::district().clone());
    let sender = Sender::new(store.clone(), gateways, district, links, settings);

    // Each request: the new task by 企业微信 to the group, and by email to "at.once", one each.
    for adm in [&a, &admission(new_request())] {
        store.ingest(std::slice::from_ref(adm)).await.expect("ingest");
        record.handle(adm.events.clone()).await.expect("recorded");
        assert_eq!(sender.send_due().await.expect("send"), 2);
    }
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2, "one per task, at once: {mails:?}");
    assert!(mails.iter().all(|m| m.to == ["once@x.example.cn"] && m.subject == "新任务提醒"), "{mails:?}");
    assert!(mails[0].body.contains("/staff/tasks/"), "with the task's link: {:?}", mails[0].body);
    // (Several due to one person at once would go as one email: the digest is that.)
    let cards = wx.delivered();
    assert_eq!(cards.len(), 2);
    assert!(cards.iter().all(|c| c.body["touser"] == "in.wecom"), "only who chose 企业微信: {cards:?}");

    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(sender.send_due().await.expect("send"), 2, "the digest's two rows");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 3, "both in one email: {mails:?}");
    let digest = &mails[2];
    assert_eq!(
        (digest.to.as_slice(), digest.subject.as_str()),
        (&["daily@x.example.cn".to_owned()][..], "接诉即办：2 条通知")
    );
    assert_eq!(digest.body.matches("【新任务提醒】").count(), 2, "{}", digest.body);
    assert_eq!(sender.send_due().await.expect("send"), 0);
    assert!(smtp.rejected().is_empty(), "{:?}", smtp.rejected());
    assert!(store.given_up_notifications(10).await.expect("list").is_empty());
}
