//! Staff choose how they hear, end to end on both backends: a bureau's staff member opens 通知方式
//! in Chromium (checked with axe at 1280 and 390×844), chooses email and gives an address; a
//! request for the bureau then reaches them as an email (through a fake SMTP server that
//! requires AUTH, as a submission server does) with the link to the task. Choosing email without
//! an address is refused with the reason.

use std::time::Duration;

use fantoccini::Locator;
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::pages::{PageSession, assert_accessible, click, fill, sign_in, text};
use jiesu_e2e::{Backend, Open311Client};
use jiesu_notify::fake::{FakeSmtp, Mail};
use reqwest::StatusCode;

jiesu_e2e::e2e_on_both_backends!(a_staff_member_who_chose_email_gets_their_new_task_by_email);

fn email_through(fake: &FakeSmtp) -> impl FnOnce(&mut jiesu::Settings) + use<> {
    let port = fake.port;
    move |s| {
        s.server.public_url = "http://jiesu.example".to_owned();
        let n = &mut s.notify;
        n.quiet_start = "00:00".to_owned();
        n.quiet_end = "00:00".to_owned();
        n.email.host = "127.0.0.1".to_owned();
        n.email.port = port;
        n.email.security = "none".to_owned();
        n.email.username = "notices".to_owned();
        n.email.password = "mail-secret".to_owned().into();
        n.email.from = "接诉即办 <notices@pingshan.example.cn>".to_owned();
    }
}

async fn mails(fake: &FakeSmtp, n: usize, patience: Duration) -> Vec<Mail> {
    jiesu_e2e::arrived(n, patience, || fake.mails()).await
}

async fn a_staff_member_who_chose_email_gets_their_new_task_by_email(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    let fake = FakeSmtp::start("notices", "mail-secret").await.expect("fake smtp");
    let app = backend.start_with(Roles::ALL, email_through(&fake)).await;

    // Email without an address: refused, with the reason.
    let s = PageSession::sign_in(&app.base, "um-staff").await;
    let form = [("csrf", s.csrf.as_str()), ("how", "email"), ("email", "")];
    let (status, page) = s.post("/staff/notifications", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("选择邮件时请填写邮箱"), "{page}");

    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(c, &app.base, "um-staff", "/staff/password").await;
    click(c, "#to-notice-settings").await;
    let default =
        c.find(Locator::Css("#how-wecom")).await.expect("radio").prop("checked").await.expect("prop");
    assert_eq!(default.as_deref(), Some("true"), "企业微信 until they choose");
    assert_accessible(c, "notice settings").await;
    c.find(Locator::Css("#how-email")).await.expect("radio").click().await.expect("choose email");
    fill(c, "#notice-email", "um.staff@pingshan.example.cn").await;
    click(c, "#save-notices").await;
    assert!(text(c, "#flash").await.contains("已保存"));
    let chosen =
        c.find(Locator::Css("#how-email")).await.expect("radio").prop("checked").await.expect("prop");
    assert_eq!(chosen.as_deref(), Some("true"), "kept");
    browser.close().await;

    let citizen = Open311Client::new(&app.base, &key);
    let fields = [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387")];
    let id = citizen.post(&fields, None).await.expect("POST").id();
    citizen.wait_for(&id, Duration::from_secs(15)).await;
    let got = mails(&fake, 1, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 1, "one new task, one email: {got:?}");
    let m = &got[0];
    assert_eq!(
        (m.to.as_slice(), m.subject.as_str()),
        (&["um.staff@pingshan.example.cn".to_owned()][..], "新任务提醒")
    );
    assert!(m.body.contains("http://jiesu.example/staff/tasks/"), "with the task's link: {}", m.body);
    assert!(fake.rejected().is_empty(), "{:?}", fake.rejected());
    app.stop().await;
}
