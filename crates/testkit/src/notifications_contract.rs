//! The notification rows' contract: one row per (event, audience, channel) however often it is
//! recorded, the due ones in time order, each settled once, the given-up ones listed. Every
//! adapter runs every case through `notifications_contract!`.

use chrono::{Duration, Utc};
use jiesu_domain::ids::EventId;
use jiesu_domain::notices::{Audience, Notice, Topic};
use jiesu_domain::ports::{NoticeState, Notification, Notifications, Settle, Store, Via};

use crate::fixtures::{admission, new_request};

#[macro_export]
macro_rules! notifications_contract {
    ($factory:path) => {
        $crate::notifications_contract!(@cases $factory;
            a_notice_is_stored_once_however_often_its_event_comes,
            due_notices_come_earliest_first_and_each_is_settled_once,
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
    let due = store.due_notifications(now, 10).await.expect("due");
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
    let due = store.due_notifications(at(5), 10).await.expect("due");
    let topics: Vec<Topic> = due.iter().map(|n| n.topic.clone()).collect();
    assert_eq!(
        topics,
        vec![Topic::Received, Topic::Resolved, Topic::Closed],
        "by time; the later one not yet"
    );
    assert_eq!(store.due_notifications(at(5), 2).await.expect("due").len(), 2, "the limit holds");

    let (sent, retried, failed) = (due[0].id, due[1].id, due[2].id);
    let ok = Settle::Sent { gateway_id: "900619746936498440^0".to_owned() };
    assert!(store.settle_notification(sent, &ok, at(5)).await.expect("settle"));
    assert!(!store.settle_notification(sent, &ok, at(5)).await.expect("again"), "settled once");
    let retry = Settle::Retry { next_at: at(30), error: "http_503".to_owned() };
    assert!(store.settle_notification(retried, &retry, at(5)).await.expect("retry"));
    let give_up = Settle::GiveUp { error: "isv.MOBILE_NUMBER_ILLEGAL".to_owned() };
    assert!(store.settle_notification(failed, &give_up, at(6)).await.expect("give up"));

    assert!(store.due_notifications(at(10), 10).await.expect("due").is_empty(), "the retry waits");
    let later = store.due_notifications(at(45), 10).await.expect("due");
    let again = later.iter().find(|n| n.id == retried).expect("the retry is due again");
    assert_eq!((again.attempts, again.last_error.as_deref()), (1, Some("http_503")));
    assert_eq!(again.state, NoticeState::Pending);
    let given_up = store.given_up_notifications(10).await.expect("list");
    assert_eq!(given_up.len(), 1);
    assert_eq!(given_up[0].id, failed);
    assert_eq!(given_up[0].last_error.as_deref(), Some("isv.MOBILE_NUMBER_ILLEGAL"));
    assert!(given_up[0].settled_at.is_some());
}
