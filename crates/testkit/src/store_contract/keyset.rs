//! Keyset pages of the public list (Open311 `GET requests`): a walk from cursor to cursor sees
//! every public request once, newest first, requests received at the same instant included (their
//! ids order them), confidential ones never; requests stored during the walk appear exactly when
//! they sort after the page already read.

use chrono::{DateTime, Duration, Utc};
use jiesu_domain::admission::Admission;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::ports::{Cursor, Page, RequestQuery, RequestView, Store};
use jiesu_domain::request::ChannelRef;
use uuid::Uuid;

use crate::fixtures::{admission, new_request};
use crate::paging::walk;

/// A request received at `at`, with this id if given (and the tracking number and channel
/// reference that go with it).
fn received(at: DateTime<Utc>, id: Option<u128>, confidential: bool) -> Admission {
    let mut new = new_request();
    if let Some(id) = id {
        new.id = RequestId::from_uuid(Uuid::from_u128(id));
        new.tracking = TrackingNumber::for_request(&jiesu_domain::secret::test_key(), new.id);
        new.channel_ref = ChannelRef::parse(&new.id.to_string()).expect("reference");
    }
    new.received_at = at;
    new.contact.confidential = confidential;
    admission(new)
}

fn ids(views: &[RequestView]) -> Vec<RequestId> {
    views.iter().map(|v| v.request.submitted.id).collect()
}

pub async fn public_list_pages_after_cursors_hold_every_public_request_once_newest_first(store: impl Store) {
    let t = jiesu_domain::time::now() - Duration::hours(1);
    let m = Duration::minutes;
    // Seven public, five received at one instant, and a confidential one among them: pages of two
    // cut through the tie.
    let mut seeded: Vec<_> =
        [t, t - m(1), t, t, t - m(2), t, t].into_iter().map(|at| received(at, None, false)).collect();
    let secret = received(t, None, true);
    seeded.push(secret.clone());
    store.ingest(&seeded).await.expect("ingest");
    // Received after the first page: one newer (passed: never shown), at the tie's instant the
    // lowest id (ahead: shown) and the highest (passed), one older than all (shown last).
    let (newer, highest) = (received(t + m(1), None, false), received(t, Some(u128::MAX), false));
    let late = [newer.clone(), received(t, Some(1), false), highest.clone(), received(t - m(9), None, false)];
    let query = |page| RequestQuery { page, ..RequestQuery::default() };
    let walked = walk(
        2,
        async |page| store.list_requests(&query(page)).await.expect("list"),
        Cursor::of_request,
        async |n| {
            if n == 0 {
                store.ingest(&late).await.expect("ingest");
            }
        },
    )
    .await;
    let all = store.list_requests(&query(Page::first(1000))).await.expect("list");
    let keys: Vec<_> =
        all.iter().map(|v| (v.request.submitted.received_at, v.request.submitted.id)).collect();
    assert!(keys.windows(2).all(|w| w[0] > w[1]), "newest first, ties by id: {keys:?}");
    assert!(!ids(&all).contains(&secret.request.submitted.id), "never a confidential request");
    let passed = [newer.request.submitted.id, highest.request.submitted.id];
    let want: Vec<_> = ids(&all).into_iter().filter(|id| !passed.contains(id)).collect();
    assert_eq!(ids(&walked), want, "each once, in order, but those stored behind the walk");
    assert_eq!(walked.len(), 7 + 2);
}
