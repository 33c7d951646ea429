//! The email gateway against a fake SMTP server on localhost that requires AUTH before mail, as a
//! submission server does: a notice arrives with its subject, body and a Message-ID made from the
//! row's id; a server that is down (421) is retried; a refused mailbox (550) and wrong credentials
//! (535) are given up.

use jiesu_model::notice::{EmailAddress, Via};
use jiesu_notify::call::Outcome;
use jiesu_notify::email::{EmailAccount, Mailer, Security};
use jiesu_notify::fake::{FakeSmtp, SmtpMode};
use jiesu_notify::gateways::{EmailSettings, Gateways};
use jiesu_ports::{Address, Gateway, Outgoing, Sent};

fn account(fake: &FakeSmtp, password: &str) -> EmailAccount {
    EmailAccount {
        host: "127.0.0.1".to_owned(),
        port: fake.port,
        security: Security::None,
        username: "notices".to_owned(),
        password: password.to_owned(),
        from: "接诉即办 <notices@pingshan.example.cn>".to_owned(),
    }
}

#[tokio::test]
async fn a_notice_arrives_with_its_subject_body_and_message_id() {
    let fake = FakeSmtp::start("notices", "mail-secret").await.expect("fake");
    let mailer = Mailer::new(&account(&fake, "mail-secret")).expect("mailer");
    let to = EmailAddress::parse("li.lei@water.example.cn").expect("address");
    let reference = uuid::Uuid::now_v7();
    let sent = mailer
        .send(&to, "新任务提醒", "您单位有新任务：7ECP-7JH1-T9EW\nhttps://x/staff/tasks/1", reference)
        .await;
    assert!(matches!(sent, Outcome::Sent { .. }), "{sent:?}; {:?}", fake.rejected());
    let mails = fake.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(
        (m.from.as_str(), m.to.as_slice()),
        ("notices@pingshan.example.cn", &["li.lei@water.example.cn".to_owned()][..])
    );
    assert_eq!(m.subject, "新任务提醒");
    assert!(m.body.contains("您单位有新任务：7ECP-7JH1-T9EW"), "{m:?}");
    assert_eq!(m.message_id, format!("<{reference}@pingshan.example.cn>"));

    fake.set_mode(SmtpMode::Down);
    assert_eq!(mailer.send(&to, "s", "t", reference).await, Outcome::Retry { code: "smtp_421".to_owned() });
    fake.set_mode(SmtpMode::Refuse);
    assert_eq!(mailer.send(&to, "s", "t", reference).await, Outcome::GiveUp { code: "smtp_550".to_owned() });
    fake.set_mode(SmtpMode::Up);
    let wrong = Mailer::new(&account(&fake, "guessed")).expect("mailer");
    assert_eq!(wrong.send(&to, "s", "t", reference).await, Outcome::GiveUp { code: "smtp_535".to_owned() });
    assert_eq!(fake.mails().len(), 1, "nothing more accepted");
}

#[tokio::test]
async fn the_gateway_carries_email_only_when_configured_and_only_to_a_mailbox() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let fake = FakeSmtp::start("notices", "mail-secret").await.expect("fake");
    let none = Gateways::new(store.clone()).expect("client");
    assert!(!none.carries(Via::Email, "new_task"));
    let settings = EmailSettings { account: account(&fake, "mail-secret"), per_second: None };
    let gateway = Gateways::new(store).expect("client").with_email(Some(settings)).expect("email");
    assert!(gateway.carries(Via::Email, "new_task"));
    let message = |to: Address| Outgoing {
        reference: uuid::Uuid::now_v7(),
        via: Via::Email,
        to,
        topic: "new_task",
        params: Vec::new(),
        subject: "新任务提醒".to_owned(),
        text: "您单位有新任务".to_owned(),
    };
    let to = Address::Email(EmailAddress::parse("li.lei@water.example.cn").expect("address"));
    assert!(matches!(gateway.send(&message(to)).await, Sent::Yes { .. }));
    let not = gateway.send(&message(Address::Staff("desk".to_owned()))).await;
    assert_eq!(not, Sent::GiveUp { code: "not_an_email".to_owned() });
}
