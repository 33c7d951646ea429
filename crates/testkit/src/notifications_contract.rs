//! The notification rows' contract: one row per (event, audience, channel) however often it is
//! recorded, the due ones in time order, each settled once, the given-up ones listed. Every
//! adapter runs every case through `notifications_contract!`.

use chrono::{Duration, Timelike, Utc};
use jiesu_domain::event::{Actor, Event, EventKind};
use jiesu_domain::ids::EventId;
use jiesu_domain::notices::{Audience, Notice, Topic};
use jiesu_domain::ports::{
    AccessToken, AccessTokens, NoticeState, Notification, Notifications, OPTED_OUT, OptOut, Settle, Store,
    StoreError, Try, Via, Webhooks,
};
use jiesu_domain::webhook::{Webhook, WebhookSecret, WebhookUrl};

use crate::fixtures::{admission, new_request};

#[macro_export]
macro_rules! notifications_contract {
    ($factory:path) => {
        $crate::notifications_contract!(@cases $factory;
            a_notice_is_stored_once_however_often_its_event_comes,
            due_notices_come_earliest_first_and_each_is_settled_once,
            a_claimed_notice_is_not_claimed_again_until_its_lease_ends,
            a_settled_notice_is_in_the_requests_history_once,
            an_access_token_is_shared_the_longer_lived_kept_and_dropped_only_if_unchanged,
            an_opt_out_is_kept_once_and_a_notice_given_up_for_it_is_not_listed,
            a_webhook_is_registered_once_listed_with_its_client_and_removed,
            a_notice_sent_instead_is_recorded_with_the_try_and_only_its_failure_listed,
            staff_notice_settings_default_to_wecom_are_kept_and_skip_disabled_accounts,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::notifications_contract::$case(store).await;
            }
        )*
    };
}

/// A stored request's id.
async fn stored<S: Store>(store: &S) -> jiesu_domain::ids::RequestId {
    let a = admission(new_request());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    a.request.submitted.id
}

fn notice(audience: Audience, topic: Topic, urgent: bool) -> Notice {
    Notice { audience, topic, urgent }
}

/// The citizen's 立案 SMS, due at `at`.
fn receipt(request: jiesu_domain::ids::RequestId, at: chrono::DateTime<Utc>) -> Notification {
    let n = notice(Audience::Citizen, Topic::Received, true);
    Notification::new(EventId::generate(), request, n, Via::Sms, at)
}

pub async fn a_notice_is_stored_once_however_often_its_event_comes<S: Store + Notifications>(store: S) {
    let request = stored(&store).await;
    let event = EventId::generate();
    let now = Utc::now();
    let bureau = jiesu_domain::bureau::BureauCode::parse("water").expect("code");
    let rows = |at| {
        vec![
            Notification::new(event, request, notice(Audience::Citizen, Topic::Received, true), Via::Sms, at),
            Notification::new(
                event,
                request,
                notice(Audience::Bureau(bureau.clone()), Topic::Closed, false),
                Via::WeCom,
                at,
            ),
        ]
    };
    assert_eq!(store.record_notifications(&rows(now)).await.expect("record"), 2);
    // The event again (a redelivery): new ids, the same keys: nothing more.
    assert_eq!(store.record_notifications(&rows(now)).await.expect("again"), 0);
    let due = store.claim_notifications(now, now + Duration::minutes(1), 10).await.expect("due");
    assert_eq!(due.len(), 2);
    assert_eq!(due.iter().filter(|n| n.audience == Audience::Citizen).count(), 1);
    let citizen = due.iter().find(|n| n.audience == Audience::Citizen).expect("the citizen's");
    assert_eq!((citizen.topic.clone(), citizen.via, citizen.urgent), (Topic::Received, Via::Sms, true));
    assert_eq!(
        due.iter().find(|n| n.via == Via::WeCom).map(|n| n.audience.clone()),
        Some(Audience::Bureau(bureau))
    );
}

pub async fn due_notices_come_earliest_first_and_each_is_settled_once<S: Store + Notifications>(store: S) {
    let request = stored(&store).await;
    let now = Utc::now();
    let at = |minutes| now + Duration::minutes(minutes);
    let rows: Vec<Notification> =
        [(3, Topic::Closed), (1, Topic::Received), (2, Topic::Resolved), (60, Topic::Reopened)]
            .into_iter()
            .map(|(m, topic)| {
                Notification::new(
                    EventId::generate(),
                    request,
                    notice(Audience::Citizen, topic, false),
                    Via::Sms,
                    at(m),
                )
            })
            .collect();
    store.record_notifications(&rows).await.expect("record");
    assert_eq!(store.claim_notifications(at(5), at(6), 2).await.expect("due").len(), 2, "the limit holds");
    let due = store.claim_notifications(at(7), at(8), 10).await.expect("due");
    let topics: Vec<Topic> = due.iter().map(|n| n.topic.clone()).collect();
    assert_eq!(
        topics,
        vec![Topic::Received, Topic::Resolved, Topic::Closed],
        "by time; the later one not yet"
    );
    assert_eq!(due.iter().map(|n| n.attempts).collect::<Vec<_>>(), vec![2, 2, 1], "each claim is a try");

    let (sent, retried, failed) = (due[0].id, due[1].id, due[2].id);
    let ok = Settle::Sent { gateway_id: "900619746936498440^0".to_owned() };
    assert!(store.settle_notification(sent, &ok, at(7), None).await.expect("settle"));
    assert!(!store.settle_notification(sent, &ok, at(7), None).await.expect("again"), "settled once");
    let retry = Settle::Retry { next_at: at(30), error: "http_503".to_owned() };
    assert!(store.settle_notification(retried, &retry, at(7), None).await.expect("retry"));
    let give_up = Settle::GiveUp { error: "isv.MOBILE_NUMBER_ILLEGAL".to_owned() };
    assert!(store.settle_notification(failed, &give_up, at(7), None).await.expect("give up"));

    assert!(store.claim_notifications(at(10), at(11), 10).await.expect("due").is_empty(), "the retry waits");
    let later = store.claim_notifications(at(45), at(46), 10).await.expect("due");
    let again = later.iter().find(|n| n.id == retried).expect("the retry is due again");
    assert_eq!((again.attempts, again.last_error.as_deref()), (3, Some("http_503")));
    assert_eq!(again.state, NoticeState::Pending);
    assert_eq!(later.len(), 1, "the retry; the one due at 60 minutes not yet");
    let given_up = store.given_up_notifications(10).await.expect("list");
    assert_eq!(given_up.len(), 1);
    let (given_up, tracking) = (&given_up[0].notice, &given_up[0].tracking);
    assert_eq!(given_up.id, failed);
    assert_eq!(given_up.last_error.as_deref(), Some("isv.MOBILE_NUMBER_ILLEGAL"));
    assert!(given_up.settled_at.is_some());
    let stored = store.request_by_tracking(tracking).await.expect("read").expect("its request");
    assert_eq!(stored.request.submitted.id, request, "with its request's tracking number");
}

pub async fn a_claimed_notice_is_not_claimed_again_until_its_lease_ends<S: Store + Notifications>(store: S) {
    let request = stored(&store).await;
    let now = Utc::now();
    let row = receipt(request, now);
    store.record_notifications(std::slice::from_ref(&row)).await.expect("record");
    let lease = now + Duration::seconds(30);
    let (a, b) =
        tokio::join!(store.claim_notifications(now, lease, 10), store.claim_notifications(now, lease, 10));
    let claimed = a.expect("claim").len() + b.expect("claim").len();
    assert_eq!(claimed, 1, "two senders at once: one of them has it");
    assert!(
        store.claim_notifications(now + Duration::seconds(29), lease, 10).await.expect("claim").is_empty()
    );
    // The sender died without settling: when its lease ends, the row is tried again.
    let again = store.claim_notifications(now + Duration::seconds(31), now + Duration::minutes(1), 10).await;
    let again = again.expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (row.id, 2));
}

pub async fn a_settled_notice_is_in_the_requests_history_once<S: Store + Notifications>(store: S) {
    let request = stored(&store).await;
    let now = Utc::now();
    let row = receipt(request, now);
    store.record_notifications(std::slice::from_ref(&row)).await.expect("record");
    let claimed = store.claim_notifications(now, now + Duration::minutes(1), 10).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    let history = |to: &str| Event {
        id: EventId::generate(),
        request_id: request,
        task_id: None,
        occurred_at: now,
        actor: Actor::System,
        kind: EventKind::NoticeSent {
            via: Via::Sms,
            audience: "citizen".to_owned(),
            to: Some(to.to_owned()),
            topic: "received".to_owned(),
        },
        http_request_id: None,
    };
    let ok = Settle::Sent { gateway_id: "2019".to_owned() };
    assert!(
        store.settle_notification(row.id, &ok, now, Some(&history("138********"))).await.expect("settle")
    );
    // A second sender whose lease had run out settles the same row: no second history line.
    assert!(
        !store.settle_notification(row.id, &ok, now, Some(&history("138********"))).await.expect("again")
    );
    let events = store.request_events(request).await.expect("events");
    let notices: Vec<_> = events.iter().filter(|e| matches!(e.kind, EventKind::NoticeSent { .. })).collect();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].kind, history("138********").kind);
    // History only: the relay has nothing to publish for it.
    let outbox =
        store.lease_outbox(1000, now + Duration::days(1), now + Duration::days(2)).await.expect("outbox");
    assert!(outbox.iter().all(|o| o.event.id != notices[0].id), "not published");
}

pub async fn an_opt_out_is_kept_once_and_a_notice_given_up_for_it_is_not_listed<S: Store + Notifications>(
    store: S,
) {
    let key = jiesu_domain::secret::test_key();
    let phone = jiesu_domain::contact::PhoneNumber::parse("13812345678").expect("phone");
    let (td, other) =
        (OptOut::phone(&phone, &key), OptOut::request(jiesu_domain::ids::RequestId::generate()));
    let now = Utc::now();
    assert!(store.opted_out(&[]).await.expect("none asked").is_empty());
    assert!(store.opted_out(&[td.clone(), other.clone()]).await.expect("read").is_empty());
    assert!(store.opt_out(&td, now).await.expect("opt out"));
    assert!(!store.opt_out(&td, now).await.expect("again"), "kept once");
    assert_eq!(store.opted_out(&[td.clone(), other]).await.expect("read"), [td]);

    // Two notices given up: one for an opt-out (not a failure), one the gateway refused.
    let request = stored(&store).await;
    let rows = [receipt(request, now), receipt(request, now)];
    store.record_notifications(&rows).await.expect("record");
    for (row, error) in rows.iter().zip([OPTED_OUT, "isv.MOBILE_NUMBER_ILLEGAL"]) {
        let give_up = Settle::GiveUp { error: error.to_owned() };
        assert!(store.settle_notification(row.id, &give_up, now, None).await.expect("settle"));
    }
    let listed = store.given_up_notifications(10).await.expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].notice.id, rows[1].id);
}

pub async fn an_access_token_is_shared_the_longer_lived_kept_and_dropped_only_if_unchanged<
    S: Store + AccessTokens,
>(
    store: S,
) {
    let name = "wecom:ww1234:1000002";
    assert_eq!(store.access_token(name).await.expect("read"), None);
    let now = Utc::now().with_nanosecond(0).expect("whole seconds");
    let token =
        |t: &str, secs: i64| AccessToken { token: t.to_owned(), expires_at: now + Duration::seconds(secs) };
    assert_eq!(store.save_access_token(name, &token("a", 7200)).await.expect("save"), token("a", 7200));
    assert_eq!(store.access_token(name).await.expect("read"), Some(token("a", 7200)));
    // Two processes refreshed at once: the one that lasts longer is kept, both read it.
    assert_eq!(store.save_access_token(name, &token("b", 7000)).await.expect("save"), token("a", 7200));
    assert_eq!(store.save_access_token(name, &token("c", 7300)).await.expect("save"), token("c", 7300));
    assert_eq!(store.access_token("wechat:wx5678").await.expect("read"), None, "per account");
    // The platform refused "a": it is not stored any more, "c" stays.
    assert!(!store.drop_access_token(name, "a").await.expect("drop"));
    assert_eq!(store.access_token(name).await.expect("read"), Some(token("c", 7300)));
    assert!(store.drop_access_token(name, "c").await.expect("drop"));
    assert_eq!(store.access_token(name).await.expect("read"), None);
}

pub async fn a_webhook_is_registered_once_listed_with_its_client_and_removed<
    S: Store + Webhooks + jiesu_domain::ports::Audit,
>(
    store: S,
) {
    use jiesu_domain::api_client::{ApiClient, ApiKey, ClientChannel};
    use jiesu_domain::audit::{AuditAction, AuditEntry};
    use jiesu_domain::ports::AuditQuery;
    let now = Utc::now().with_nanosecond(0).expect("whole seconds");
    let app = ApiClient::new("坪山 app", ClientChannel::Open311, now).expect("client");
    let made = AuditEntry::new(None, AuditAction::KeyCreated, &app.name, "", now);
    store.insert_api_client(&app, &ApiKey::from_random([1; 20]).hash(), &made).await.expect("client");
    let url = |u: &str| WebhookUrl::parse(u).expect("url");
    let secret = WebhookSecret::from_random([9; 32]);
    let topics = ["resolved".to_owned(), "received".to_owned()];
    let hook =
        Webhook::new(app.id, url("https://app.example.cn/hook"), &topics, secret.clone(), now).expect("hook");
    let audit = |a: AuditAction| AuditEntry::new(None, a, &app.name, "https://app.example.cn/hook", now);
    assert!(store.webhooks().await.expect("list").is_empty());
    store.add_webhook(&hook, &audit(AuditAction::WebhookAdded)).await.expect("add");
    let listed = store.webhooks().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].webhook, hook, "read back whole, the secret too");
    assert_eq!((listed[0].client_name.as_str(), listed[0].active()), ("坪山 app", true));
    // The same URL again for the same client: refused.
    let again =
        Webhook::new(app.id, url("https://app.example.cn/hook"), &[], secret.clone(), now).expect("hook");
    let refused = store.add_webhook(&again, &audit(AuditAction::WebhookAdded)).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    // A client that does not exist: refused.
    let stray = Webhook::new(uuid::Uuid::now_v7(), url("https://x.cn/h"), &[], secret, now).expect("hook");
    let refused = store.add_webhook(&stray, &audit(AuditAction::WebhookAdded)).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    // The client's key revoked: listed, not active.
    let revoked = AuditEntry::new(None, AuditAction::KeyRevoked, &app.name, "", now);
    assert!(store.revoke_api_client(app.id, now, &revoked).await.expect("revoke"));
    assert!(!store.webhooks().await.expect("list")[0].active());
    assert!(store.remove_webhook(hook.id, &audit(AuditAction::WebhookRemoved)).await.expect("remove"));
    assert!(!store.remove_webhook(hook.id, &audit(AuditAction::WebhookRemoved)).await.expect("again"));
    assert!(store.webhooks().await.expect("list").is_empty());
    // Added once, removed once: the refused and the repeated left no entry.
    let actions = vec![AuditAction::WebhookAdded, AuditAction::WebhookRemoved];
    let page = jiesu_domain::ports::Page::first(10);
    let query = AuditQuery { actions, page, ..Default::default() };
    let log = store.audit_log(&query).await.expect("audit");
    let actions: Vec<AuditAction> = log.iter().map(|e| e.action).collect();
    assert_eq!(actions, [AuditAction::WebhookRemoved, AuditAction::WebhookAdded], "newest first");
}

pub async fn a_notice_sent_instead_is_recorded_with_the_try_and_only_its_failure_listed<
    S: Store + Notifications,
>(
    store: S,
) {
    let request = stored(&store).await;
    let now = Utc::now();
    let later = now + Duration::seconds(1);
    let wechat = Notification::new(
        EventId::generate(),
        request,
        notice(Audience::Citizen, Topic::Received, true),
        Via::WeChat,
        now,
    );
    store.record_notifications(std::slice::from_ref(&wechat)).await.expect("record");
    let due = store.claim_notifications(now, now + Duration::minutes(1), 10).await.expect("due");
    assert_eq!(due.len(), 1);
    // WeChat cannot reach the citizen: given up, and the same notice by SMS instead.
    let sms = Notification::new(
        wechat.event_id,
        request,
        notice(Audience::Citizen, Topic::Received, true),
        Via::Sms,
        later,
    );
    let t = Try {
        id: wechat.id,
        outcome: Settle::GiveUp { error: "45015".to_owned() },
        history: None,
        instead: Some(sms.clone()),
    };
    assert_eq!(store.settle_notifications(std::slice::from_ref(&t), later).await.expect("settle"), [true]);
    // The same try again (another sender after a lease ran out): not recorded, nothing added.
    let again = Try { instead: Some(Notification { id: uuid::Uuid::now_v7(), ..sms.clone() }), ..t };
    assert_eq!(store.settle_notifications(&[again], later).await.expect("settle"), [false]);
    let due = store.claim_notifications(later, later + Duration::minutes(1), 10).await.expect("due");
    assert_eq!(due.iter().map(|n| (n.id, n.via)).collect::<Vec<_>>(), [(sms.id, Via::Sms)], "the SMS, once");
    assert!(store.given_up_notifications(10).await.expect("list").is_empty(), "sent another way: not listed");
    // The SMS fails too: that one is listed.
    let give_up = Settle::GiveUp { error: "isv.MOBILE_NUMBER_ILLEGAL".to_owned() };
    assert!(store.settle_notification(sms.id, &give_up, later, None).await.expect("settle"));
    let listed = store.given_up_notifications(10).await.expect("list");
    assert_eq!(listed.iter().map(|u| u.notice.id).collect::<Vec<_>>(), [sms.id]);
}

pub async fn staff_notice_settings_default_to_wecom_are_kept_and_skip_disabled_accounts<
    S: Store + Notifications + jiesu_domain::ports::Accounts,
>(
    store: S,
) {
    use jiesu_domain::audit::{AuditAction, AuditEntry};
    use jiesu_domain::notice::{EmailAddress, NoticePrefs, StaffNotices};
    use jiesu_domain::ports::{PasswordHash, UserChange};
    use jiesu_domain::staff::{StaffRole, User, Username};
    let now = Utc::now().with_nanosecond(0).expect("whole seconds");
    let water = jiesu_domain::bureau::BureauCode::parse("water").expect("code");
    let hash = PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$x".to_owned());
    let mut users = Vec::new();
    for (name, role, bureau) in [
        ("li.lei", StaffRole::BureauStaff, Some(water.clone())),
        ("han.mei", StaffRole::Supervisor, None),
        ("gone", StaffRole::Operator, None),
    ] {
        let u = User::new(Username::parse(name).expect("name"), role, bureau, now).expect("user");
        let made = AuditEntry::new(None, AuditAction::UserCreated, name, "", now);
        store.insert_user(&u, &hash, &made).await.expect("insert");
        users.push(u);
    }
    let gone = AuditEntry::new(None, AuditAction::UserDisabled, "gone", "", now);
    store.change_user(&users[2].username, &UserChange::Disable, now, &gone).await.expect("disable");
    assert_eq!(
        store.notice_prefs(users[0].id).await.expect("read"),
        NoticePrefs::default(),
        "企业微信 by default"
    );
    let email = EmailAddress::parse("li.lei@water.example.cn").expect("email");
    let digest = NoticePrefs {
        how: StaffNotices::Digest,
        email: Some(email.clone()),
        wecom_id: Some("LiLei01".to_owned()),
    };
    store.set_notice_prefs(users[0].id, &digest, now).await.expect("save");
    assert_eq!(store.notice_prefs(users[0].id).await.expect("read"), digest);
    let off = NoticePrefs { how: StaffNotices::Off, ..NoticePrefs::default() };
    store.set_notice_prefs(users[1].id, &off, now).await.expect("save");
    let all = store.staff_prefs().await.expect("all");
    let seen: Vec<(&str, StaffNotices)> = all.iter().map(|p| (p.username.as_str(), p.prefs.how)).collect();
    assert_eq!(
        seen,
        [("han.mei", StaffNotices::Off), ("li.lei", StaffNotices::Digest)],
        "a disabled account is not told"
    );
    assert_eq!(
        (all[1].role, all[1].bureau.as_ref(), all[1].wecom_id().as_str()),
        (StaffRole::BureauStaff, Some(&water), "LiLei01")
    );
    assert_eq!(all[0].wecom_id(), "han.mei", "their username when they gave none");
    // Changed again: the latest is kept.
    let email_now = NoticePrefs { how: StaffNotices::Email, email: Some(email), wecom_id: None };
    store.set_notice_prefs(users[0].id, &email_now, now).await.expect("save");
    assert_eq!(store.notice_prefs(users[0].id).await.expect("read"), email_now);
}
