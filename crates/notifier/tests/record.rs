//! Events become notification rows on a real store: a request's admission gives the citizen's
//! 立案 SMS and the lead bureau's new task; the same events again add nothing; a request with no
//! phone gives the citizen nothing; a notice that may wait in quiet hours is due in the morning.

use std::collections::BTreeSet;

use jiesu_domain::notices::{Audience, Topic};
use jiesu_domain::ports::{Notifications, Store, Via};
use jiesu_notifier::{QuietHours, Record};
use jiesu_testkit::fixtures::{admission, new_request};
use jiesu_worker::Handler;

/// Every topic by these channels.
fn every(vias: &[Via]) -> BTreeSet<(Via, &'static str)> {
    vias.iter().flat_map(|v| Topic::KEYS.into_iter().map(move |t| (*v, t))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admission_records_the_citizens_and_the_bureaus_notices_once() {
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let a = admission(new_request());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    // Quiet from an hour ago to an hour from now: only what is urgent goes at once.
    let local = jiesu_domain::time::now().with_timezone(&jiesu_domain::time::LOCAL).time();
    let hour = chrono::Duration::hours(1);
    let quiet = QuietHours { start: local - hour, end: local + hour };
    let record = Record::new(store.clone(), quiet, every(&Via::ALL));
    record.handle(a.events.clone()).await.expect("recorded");
    record.handle(a.events.clone()).await.expect("redelivered");
    let now = jiesu_domain::time::now();
    let due = store.claim_notifications(now, now, 50).await.expect("due");
    let lead = a.tasks[0].bureau.clone();
    let shown: Vec<(Audience, Via, &str)> = due
        .iter()
        .map(|n| {
            (n.audience.clone(), n.via, if matches!(n.topic, Topic::Received) { "received" } else { "other" })
        })
        .collect();
    assert_eq!(
        shown,
        vec![(Audience::Citizen, Via::Sms, "received")],
        "立案 at once, the rest waits: {due:?}"
    );
    let later = store.claim_notifications(now + chrono::Duration::hours(2), now, 50).await.expect("due");
    assert_eq!(later.len(), 3, "received, dispatched, the bureau's new task: {later:?}");
    assert!(later.iter().any(|n| n.audience == Audience::Bureau(lead.clone()) && n.via == Via::WeCom));
    assert!(later.iter().any(|n| n.topic == Topic::Dispatched { bureau: lead.clone() }));

    // No phone and not from WeChat: the citizen cannot be reached, the bureau still hears.
    let mut silent = new_request();
    silent.contact.phone = None;
    let b = admission(silent);
    store.ingest(std::slice::from_ref(&b)).await.expect("ingest");
    let rows = record.rows(&b.events).await.expect("rows");
    assert!(rows.iter().all(|n| n.audience != Audience::Citizen), "{rows:?}");
    assert_eq!(rows.len(), 1);

    // A district with SMS only: the bureau's 企业微信 notice is not recorded.
    let sms_only = Record::new(store.clone(), QuietHours::default(), every(&[Via::Sms]));
    let rows = sms_only.rows(&a.events).await.expect("rows");
    assert!(rows.iter().all(|n| n.via == Via::Sms), "{rows:?}");
    assert_eq!(rows.len(), 2, "received and dispatched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_hears_the_public_notices_it_asked_for_of_public_requests_only() {
    use jiesu_domain::api_client::{ApiClient, ApiKey, ClientChannel};
    use jiesu_domain::audit::{AuditAction, AuditEntry};
    use jiesu_domain::ports::Webhooks;
    use jiesu_domain::webhook::{Webhook, WebhookSecret, WebhookUrl};
    let (store, _guard) = jiesu_testkit::sqlite_store().await;
    let now = jiesu_domain::time::now();
    let audit = || AuditEntry::new(None, AuditAction::WebhookAdded, "app", "", now);
    let mut hooks = Vec::new();
    for (name, topics) in
        [("all", vec![]), ("resolved only", vec!["resolved".to_owned()]), ("revoked", vec![])]
    {
        let app = ApiClient::new(name, ClientChannel::Open311, now).expect("client");
        store
            .insert_api_client(&app, &ApiKey::from_random(rand_bytes(name)).hash(), &audit())
            .await
            .expect("client");
        let url = WebhookUrl::parse("https://app.example.cn/hook").expect("url");
        let hook =
            Webhook::new(app.id, url, &topics, WebhookSecret::from_random([1; 32]), now).expect("hook");
        store.add_webhook(&hook, &audit()).await.expect("hook");
        if name == "revoked" {
            store.revoke_api_client(app.id, now, &audit()).await.expect("revoke");
        }
        hooks.push(hook.id);
    }
    let record = Record::new(store.clone(), QuietHours::default(), every(&Via::ALL));
    let a = admission(new_request());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    let rows = record.rows(&a.events).await.expect("rows");
    let to_hooks: Vec<(Audience, &str, bool)> = rows
        .iter()
        .filter(|n| n.via == Via::Webhook)
        .map(|n| (n.audience.clone(), n.topic.key(), n.urgent))
        .collect();
    assert_eq!(
        to_hooks,
        [(Audience::Webhook(hooks[0]), "received", true), (Audience::Webhook(hooks[0]), "dispatched", true),],
        "the first hears what the citizen hears, at once; the second asked only for resolved; \
         the third's key is revoked: {rows:?}"
    );
    assert!(
        rows.iter().filter(|n| n.via != Via::Webhook).all(|n| !matches!(n.audience, Audience::Webhook(_)))
    );

    // A confidential request: nothing to any webhook, the citizen and the bureau still hear.
    let mut secret = new_request();
    secret.contact.confidential = true;
    let b = admission(secret);
    store.ingest(std::slice::from_ref(&b)).await.expect("ingest");
    let rows = record.rows(&b.events).await.expect("rows");
    assert!(rows.iter().all(|n| n.via != Via::Webhook), "{rows:?}");
    assert_eq!(rows.len(), 3);
}

fn rand_bytes(name: &str) -> [u8; 20] {
    let mut b = [0; 20];
    for (i, c) in name.bytes().enumerate().take(20) {
        b[i] = c;
    }
    b
}
