//! The store port's contract. Every adapter runs every case through `store_contract!`.

use chrono::Duration;
use jiesu_domain::api_client::{ApiClient, ApiKey, ClientChannel};
use jiesu_domain::audit::{AuditAction, AuditEntry};
use jiesu_domain::category::CategoryCode;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{IngestOutcome, Page, RequestQuery, Store, StoreError};
use jiesu_domain::request::RequestStatus;
use jiesu_domain::sla::DeadlineKind;
use jiesu_domain::task::{TaskRole, TaskState};

mod keyset;
pub use keyset::*;

use crate::fixtures::{
    admission, anonymous_request_by_address, answered_consultation, hotline_request, new_request,
};

/// Instantiates the contract for an adapter: `store_contract!(jiesu_testkit::sqlite_store);`
/// where the argument is an async fn returning `(store, guard)`.
#[macro_export]
macro_rules! store_contract {
    ($factory:path) => {
        $crate::store_contract!(@cases $factory;
            ingest_stores_a_request_with_its_tasks_and_events,
            a_request_with_only_an_address_and_no_contact_round_trips,
            a_request_with_every_detail_round_trips,
            an_answered_consultation_is_stored_closed_without_tasks,
            the_same_channel_reference_is_stored_once,
            a_batch_with_a_repeat_inside_stores_it_once,
            a_batch_larger_than_a_statement_is_stored_whole,
            a_tracking_number_taken_by_another_request_is_reported,
            an_unknown_tracking_number_is_not_found,
            api_clients_are_found_by_key_hash_and_names_are_unique,
            api_clients_are_listed_touched_and_revoked,
            the_outbox_leases_oldest_first_and_not_twice,
            an_expired_outbox_lease_is_offered_again,
            published_events_leave_the_outbox,
            concurrent_outbox_leases_do_not_overlap,
            listing_by_tracking_numbers_returns_exactly_those,
            listing_filters_by_category_status_and_time_newest_first,
            listing_pages_through_the_results,
            the_histories_of_several_requests_come_back_together,
            a_channel_reference_tells_its_tracking_number,
            a_reference_still_on_the_queue_is_known_once_recorded,
            a_confidential_request_is_never_listed_and_pages_count_without_it,
            public_list_pages_after_cursors_hold_every_public_request_once_newest_first,
            the_first_server_secret_stored_is_the_one_every_caller_gets,
            ping_answers,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::store_contract::$case(store).await;
            }
        )*
    };
}

pub async fn ingest_stores_a_request_with_its_tasks_and_events(store: impl Store) {
    let a = admission(new_request());
    assert_eq!(store.ingest(std::slice::from_ref(&a)).await.expect("ingest"), [IngestOutcome::Stored]);

    let view = store.request_by_tracking(&a.request.submitted.tracking).await.expect("read").expect("stored");
    assert_eq!(view.request, a.request, "the request reads back exactly as stored");
    assert_eq!(view.request.status, RequestStatus::Dispatched);
    assert_eq!(view.tasks, a.tasks);
    assert_eq!(view.tasks[0].role, TaskRole::Lead);
    assert_eq!(view.tasks[0].state, TaskState::Dispatched);
    let resolve_by =
        a.deadlines.iter().filter(|d| d.kind == DeadlineKind::Resolution).map(|d| d.due_at).max();
    assert!(resolve_by.is_some(), "the lead task's resolution clock runs");
    assert_eq!(view.expected_at, resolve_by, "expected when the resolution clock runs out");
    let listed = store
        .list_requests(&RequestQuery { tracking: vec![a.request.submitted.tracking.clone()], ..query() })
        .await
        .expect("list");
    assert_eq!(listed[0].expected_at, resolve_by, "the same in a listing");

    let events = store.request_events(a.request.submitted.id).await.expect("events");
    assert_eq!(events, a.events, "every event, in order");
}

pub async fn a_request_with_only_an_address_and_no_contact_round_trips(store: impl Store) {
    let a = admission(anonymous_request_by_address());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    let view = store.request_by_tracking(&a.request.submitted.tracking).await.expect("read").expect("stored");
    assert_eq!(view.request, a.request);
    assert_eq!(view.request.submitted.location.point(), None);
}

pub async fn a_request_with_every_detail_round_trips(store: impl Store) {
    let a = admission(hotline_request());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    let view = store.request_by_tracking(&a.request.submitted.tracking).await.expect("read").expect("stored");
    assert_eq!(view.request, a.request);
    assert!(view.request.submitted.contact.confidential);
    assert_eq!(
        view.request.area.as_ref().map(|a| a.as_str()),
        Some("pingshan.kengzi.jinsha"),
        "placed by the named area"
    );
    assert_eq!(
        view.request.submitted.category.as_ref().map(|c| c.as_str()),
        Some("030101"),
        "construction noise, read from the words"
    );
}

pub async fn an_answered_consultation_is_stored_closed_without_tasks(store: impl Store) {
    let a = admission(answered_consultation());
    store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
    let view = store.request_by_tracking(&a.request.submitted.tracking).await.expect("read").expect("stored");
    assert_eq!(view.request.status, RequestStatus::Closed);
    assert!(view.tasks.is_empty());
    assert_eq!(view.expected_at, None, "answered on receipt: nothing to expect");
    assert_eq!(view.request.submitted.details.answer, a.request.submitted.details.answer);
}

pub async fn the_same_channel_reference_is_stored_once(store: impl Store) {
    let first = admission(new_request());
    // A resend: new id and tracking number, same channel reference.
    let mut again = new_request();
    again.channel_ref = first.request.submitted.channel_ref.clone();
    let again = admission(again);

    assert_eq!(store.ingest(std::slice::from_ref(&first)).await.expect("first"), [IngestOutcome::Stored]);
    let outcome = store.ingest(std::slice::from_ref(&again)).await.expect("second");
    assert_eq!(outcome, [IngestOutcome::Duplicate { tracking: first.request.submitted.tracking.clone() }]);
    assert_eq!(store.request_by_tracking(&again.request.submitted.tracking).await.expect("read"), None);
    // Redelivery of the very same admission is a duplicate too.
    let outcome = store.ingest(std::slice::from_ref(&first)).await.expect("redelivery");
    assert!(matches!(outcome[0], IngestOutcome::Duplicate { .. }));
    let events = store.request_events(first.request.submitted.id).await.expect("events");
    assert_eq!(events.len(), first.events.len(), "no event was written twice");
}

pub async fn a_batch_with_a_repeat_inside_stores_it_once(store: impl Store) {
    let a = admission(new_request());
    let b = admission(new_request());
    let outcomes = store.ingest(&[a.clone(), b.clone(), a.clone()]).await.expect("ingest");
    assert_eq!(outcomes[0], IngestOutcome::Stored);
    assert_eq!(outcomes[1], IngestOutcome::Stored);
    assert_eq!(outcomes[2], IngestOutcome::Duplicate { tracking: a.request.submitted.tracking.clone() });
}

/// More requests than one multi-row statement holds (SQLite binds at most 500 values in one), with a
/// repeat at the end: every request with its tasks and events, every event in the outbox once.
pub async fn a_batch_larger_than_a_statement_is_stored_whole(store: impl Store) {
    let mut batch: Vec<_> = (0..60).map(|_| admission(new_request())).collect();
    batch.push(batch[7].clone());
    let outcomes = store.ingest(&batch).await.expect("ingest");
    assert!(outcomes[..60].iter().all(|o| *o == IngestOutcome::Stored), "{outcomes:?}");
    assert!(matches!(outcomes[60], IngestOutcome::Duplicate { .. }));
    let mut events = 0;
    for a in &batch[..60] {
        let view =
            store.request_by_tracking(&a.request.submitted.tracking).await.expect("read").expect("stored");
        assert_eq!(view.tasks.len(), a.tasks.len());
        let stored = store.request_events(a.request.submitted.id).await.expect("events");
        assert_eq!(stored, a.events, "its events, in order");
        events += a.events.len();
    }
    let now = jiesu_domain::time::now();
    let outbox = store.lease_outbox(10_000, now, now + Duration::minutes(1)).await.expect("outbox");
    assert_eq!(outbox.len(), events, "every event in the outbox once");
}

pub async fn a_tracking_number_taken_by_another_request_is_reported(store: impl Store) {
    let first = admission(new_request());
    let mut clash = new_request();
    clash.tracking = first.request.submitted.tracking.clone();
    let clash = admission(clash);
    store.ingest(std::slice::from_ref(&first)).await.expect("first");
    let outcome = store.ingest(std::slice::from_ref(&clash)).await.expect("clash");
    assert_eq!(outcome, [IngestOutcome::TrackingTaken]);
    let view =
        store.request_by_tracking(&first.request.submitted.tracking).await.expect("read").expect("first");
    assert_eq!(view.request.submitted.id, first.request.submitted.id, "the first holder keeps its number");
}

pub async fn an_unknown_tracking_number_is_not_found(store: impl Store) {
    let unknown = TrackingNumber::random();
    assert_eq!(store.request_by_tracking(&unknown).await.expect("read"), None);
    assert_eq!(store.request_events(RequestId::generate()).await.expect("events"), []);
}

pub async fn api_clients_are_found_by_key_hash_and_names_are_unique(store: impl Store) {
    let client =
        ApiClient::new("坪山 app", ClientChannel::Open311, jiesu_domain::time::now()).expect("valid");
    let key = ApiKey::from_random([42; 20]);
    let made = |c: &ApiClient| AuditEntry::new(None, AuditAction::KeyCreated, &c.name, "", c.created_at);
    store.insert_api_client(&client, &key.hash(), &made(&client)).await.expect("insert");
    let found = store.api_client_by_key(&key.hash()).await.expect("lookup").expect("found");
    assert_eq!(
        (found.id, found.name.as_str(), found.channel),
        (client.id, "坪山 app", ClientChannel::Open311)
    );
    let centre = ApiClient::new("12345", ClientChannel::Hotline, jiesu_domain::time::now()).expect("valid");
    let centre_key = ApiKey::from_random([9; 20]);
    store.insert_api_client(&centre, &centre_key.hash(), &made(&centre)).await.expect("insert");
    let found = store.api_client_by_key(&centre_key.hash()).await.expect("lookup").expect("found");
    assert_eq!(found.channel, ClientChannel::Hotline, "the channel is read back");

    let other = ApiKey::from_random([7; 20]);
    assert_eq!(store.api_client_by_key(&other.hash()).await.expect("lookup"), None);
    let same_name =
        ApiClient::new("坪山 app", ClientChannel::Hotline, jiesu_domain::time::now()).expect("valid");
    let taken = store.insert_api_client(&same_name, &other.hash(), &made(&same_name)).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))));
}

pub async fn api_clients_are_listed_touched_and_revoked(store: impl Store) {
    let now = jiesu_domain::time::now();
    let (app, centre) = (
        ApiClient::new("坪山 app", ClientChannel::Open311, now).expect("valid"),
        ApiClient::new("12345", ClientChannel::Hotline, now).expect("valid"),
    );
    let (app_key, centre_key) = (ApiKey::from_random([42; 20]), ApiKey::from_random([9; 20]));
    for (c, k) in [(&app, &app_key), (&centre, &centre_key)] {
        let made = AuditEntry::new(None, AuditAction::KeyCreated, &c.name, "", now);
        store.insert_api_client(c, &k.hash(), &made).await.expect("insert");
    }
    let later = now + Duration::minutes(3);
    store.touch_api_client(app.id, later).await.expect("touch");
    let listed = store.api_clients().await.expect("list");
    let names: Vec<&str> = listed.iter().map(|k| k.client.name.as_str()).collect();
    assert_eq!(names, ["12345", "坪山 app"], "by name");
    assert_eq!((listed[1].last_used_at, listed[1].revoked_at), (Some(later), None));
    assert_eq!((listed[0].last_used_at, listed[0].client.channel), (None, ClientChannel::Hotline));

    let revoked = AuditEntry::new(None, AuditAction::KeyRevoked, &app.name, "", later);
    assert!(store.revoke_api_client(app.id, later, &revoked).await.expect("revoke"));
    assert_eq!(
        store.api_client_by_key(&app_key.hash()).await.expect("lookup"),
        None,
        "a revoked key opens nothing"
    );
    assert!(
        store.api_client_by_key(&centre_key.hash()).await.expect("lookup").is_some(),
        "the other still works"
    );
    let again = AuditEntry::new(None, AuditAction::KeyRevoked, &app.name, "", later);
    assert!(!store.revoke_api_client(app.id, later, &again).await.expect("revoke"), "already revoked");
    assert_eq!(store.api_clients().await.expect("list")[1].revoked_at, Some(later));
}

async fn seed_events(store: &impl Store) -> usize {
    let batch = [admission(new_request()), admission(new_request())];
    store.ingest(&batch).await.expect("ingest");
    batch.iter().map(|a| a.events.len()).sum()
}

pub async fn the_outbox_leases_oldest_first_and_not_twice(store: impl Store) {
    let total = seed_events(&store).await;
    let now = jiesu_domain::time::now();
    let first = store.lease_outbox(3, now, now + Duration::seconds(30)).await.expect("lease");
    assert_eq!(first.len(), 3);
    assert!(first.windows(2).all(|w| w[0].seq < w[1].seq), "oldest first");
    let rest = store.lease_outbox(100, now, now + Duration::seconds(30)).await.expect("lease");
    assert_eq!(rest.len(), total - 3, "leased events are not offered again");
    assert!(rest.iter().all(|e| e.seq > first[2].seq));
}

pub async fn an_expired_outbox_lease_is_offered_again(store: impl Store) {
    let total = seed_events(&store).await;
    let now = jiesu_domain::time::now();
    let leased = store.lease_outbox(100, now, now + Duration::seconds(30)).await.expect("lease");
    assert_eq!(leased.len(), total);
    // The relay holding them died; a minute later another relay takes them.
    let later = now + Duration::seconds(60);
    let again = store.lease_outbox(100, later, later + Duration::seconds(30)).await.expect("lease");
    assert_eq!(
        again.iter().map(|e| e.seq).collect::<Vec<_>>(),
        leased.iter().map(|e| e.seq).collect::<Vec<_>>()
    );
    assert_eq!(again[0].event, leased[0].event);
}

pub async fn published_events_leave_the_outbox(store: impl Store) {
    seed_events(&store).await;
    let now = jiesu_domain::time::now();
    let leased = store.lease_outbox(100, now, now + Duration::seconds(30)).await.expect("lease");
    let seqs: Vec<i64> = leased.iter().map(|e| e.seq).collect();
    store.mark_published(&seqs).await.expect("mark");
    let later = now + Duration::seconds(120);
    assert_eq!(store.lease_outbox(100, later, later).await.expect("lease"), []);
}

pub async fn concurrent_outbox_leases_do_not_overlap(store: impl Store) {
    let mut total = 0;
    for _ in 0..10 {
        total += seed_events(&store).await;
    }
    let now = jiesu_domain::time::now();
    let until = now + Duration::seconds(30);
    let leases = (0..4).map(|_| {
        let s = store.clone();
        tokio::spawn(async move { s.lease_outbox(5, now, until).await.expect("lease") })
    });
    let mut seen = Vec::new();
    for l in leases {
        seen.extend(l.await.expect("join").into_iter().map(|e| e.seq));
    }
    let n = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), n, "no event leased twice");
    assert_eq!(n, 20.min(total));
}

pub async fn ping_answers(store: impl Store) {
    store.ping().await.expect("ping");
}

/// Three requests received a minute apart: a street light (open), construction noise (open), and
/// an answered consultation (closed). Returned oldest first.
async fn seed_three(store: &impl Store) -> Vec<jiesu_domain::admission::Admission> {
    let base = jiesu_domain::time::now() - Duration::minutes(10);
    let mut out = Vec::new();
    for (i, mut new) in [new_request(), hotline_request(), answered_consultation()].into_iter().enumerate() {
        new.received_at = base + Duration::minutes(i as i64);
        // Public, all three: the list is the public's, and a confidential one is never in it.
        new.contact.confidential = false;
        out.push(admission(new));
    }
    store.ingest(&out).await.expect("ingest");
    out
}

fn trackings(views: &[jiesu_domain::ports::RequestView]) -> Vec<String> {
    views.iter().map(|v| v.request.submitted.tracking.to_string()).collect()
}

fn query() -> RequestQuery {
    RequestQuery { page: Page::first(100), ..RequestQuery::default() }
}

pub async fn listing_by_tracking_numbers_returns_exactly_those(store: impl Store) {
    let seeded = seed_three(&store).await;
    let want = [&seeded[0], &seeded[2]].map(|a| a.request.submitted.tracking.clone());
    // The list overrides every other filter (here: a category neither request has).
    let q = RequestQuery {
        tracking: want.to_vec(),
        categories: vec![CategoryCode::parse("9999").expect("code")],
        ..query()
    };
    let views = store.list_requests(&q).await.expect("list");
    assert_eq!(trackings(&views), [want[1].to_string(), want[0].to_string()], "newest first");
    assert_eq!(views[1].tasks, seeded[0].tasks, "each with its tasks");
    assert!(views[0].tasks.is_empty());
}

pub async fn listing_filters_by_category_status_and_time_newest_first(store: impl Store) {
    let seeded = seed_three(&store).await;
    let t = |i: usize| seeded[i].request.submitted.tracking.to_string();
    let all = store.list_requests(&query()).await.expect("list");
    assert_eq!(trackings(&all), [t(2), t(1), t(0)]);
    let open = store.list_requests(&RequestQuery { open: Some(true), ..query() }).await.expect("list");
    assert_eq!(trackings(&open), [t(1), t(0)]);
    let closed = store.list_requests(&RequestQuery { open: Some(false), ..query() }).await.expect("list");
    assert_eq!(trackings(&closed), [t(2)]);
    let lights = RequestQuery { categories: vec![CategoryCode::parse("010101").expect("code")], ..query() };
    assert_eq!(trackings(&store.list_requests(&lights).await.expect("list")), [t(0)]);
    let middle = RequestQuery {
        received_from: Some(seeded[1].request.submitted.received_at),
        received_to: Some(seeded[1].request.submitted.received_at),
        ..query()
    };
    assert_eq!(trackings(&store.list_requests(&middle).await.expect("list")), [t(1)], "bounds are inclusive");
}

pub async fn listing_pages_through_the_results(store: impl Store) {
    let seeded = seed_three(&store).await;
    let page = |n| RequestQuery { page: Page::numbered(n, 2), ..query() };
    let first = store.list_requests(&page(1)).await.expect("list");
    let second = store.list_requests(&page(2)).await.expect("list");
    assert_eq!(first.len(), 2);
    assert_eq!(trackings(&second), [seeded[0].request.submitted.tracking.to_string()]);
}

pub async fn the_histories_of_several_requests_come_back_together(store: impl Store) {
    let seeded = seed_three(&store).await;
    let ids: Vec<RequestId> = seeded.iter().map(|a| a.request.submitted.id).collect();
    let events = store.events_of_requests(&ids[..2]).await.expect("events");
    let want: Vec<_> = seeded[..2].iter().flat_map(|a| a.events.clone()).collect();
    assert_eq!(events, want, "all of them, in the order they happened");
    assert_eq!(store.events_of_requests(&[]).await.expect("events"), []);
}

pub async fn a_reference_still_on_the_queue_is_known_once_recorded(store: impl Store) {
    use jiesu_domain::request::{Channel, ChannelRef};
    let order = |no: &str| ChannelRef::parse(no).expect("ref");
    let key = jiesu_domain::secret::test_key();
    let number = |no: &str| TrackingNumber::for_key(&key, Channel::Hotline.as_str(), "12345", no);
    assert_eq!(store.tracking_for(Channel::Hotline, &order("GD1")).await.expect("lookup"), None);
    let refs = [(order("GD1"), number("GD1")), (order("GD2"), number("GD2"))];
    let now = jiesu_domain::time::now();
    store.record_queued(Channel::Hotline, &refs, now).await.expect("recorded");
    store.record_queued(Channel::Hotline, &refs[..1], now).await.expect("recording again is harmless");
    store.record_queued(Channel::Hotline, &[], now).await.expect("nothing to record");
    for (r, t) in &refs {
        assert_eq!(store.tracking_for(Channel::Hotline, r).await.expect("lookup"), Some(t.clone()));
    }
    assert_eq!(
        store.tracking_for(Channel::Open311, &order("GD1")).await.expect("lookup"),
        None,
        "per channel"
    );
}

pub async fn a_channel_reference_tells_its_tracking_number(store: impl Store) {
    let seeded = seed_three(&store).await;
    let s = &seeded[1].request.submitted;
    assert_eq!(
        store.tracking_for(s.channel, &s.channel_ref).await.expect("lookup"),
        Some(s.tracking.clone())
    );
    let unknown = jiesu_domain::request::ChannelRef::parse("no-such-order").expect("ref");
    assert_eq!(store.tracking_for(s.channel, &unknown).await.expect("lookup"), None);
}

pub async fn a_confidential_request_is_never_listed_and_pages_count_without_it(store: impl Store) {
    let seeded = seed_three(&store).await;
    let secret = admission(hotline_request());
    store.ingest(std::slice::from_ref(&secret)).await.expect("ingest");
    let t = &secret.request.submitted.tracking;
    assert!(store.request_by_tracking(t).await.expect("read").is_some(), "stored, for its own views");
    let all = store.list_requests(&query()).await.expect("list");
    assert_eq!(all.len(), 3, "the public list is the three public requests: {:?}", trackings(&all));
    let asked = RequestQuery { tracking: vec![t.clone()], ..query() };
    assert_eq!(store.list_requests(&asked).await.expect("list"), [], "not even when asked for by number");
    let second =
        store.list_requests(&RequestQuery { page: Page::numbered(2, 2), ..query() }).await.expect("list");
    assert_eq!(
        trackings(&second),
        [seeded[0].request.submitted.tracking.to_string()],
        "paging skips it in SQL"
    );
}

pub async fn the_first_server_secret_stored_is_the_one_every_caller_gets(store: impl Store) {
    let first = store.server_secret("tracking", "first-candidate").await.expect("secret");
    assert_eq!(first, "first-candidate");
    let again = store.server_secret("tracking", "second-candidate").await.expect("secret");
    assert_eq!(again, "first-candidate", "a later process gets what the first stored");
    let other = store.server_secret("other", "another").await.expect("secret");
    assert_eq!(other, "another", "each name has its own");
}
