//! The hotspot part of the cases port: a request as the trigger sees it, the bounded neighbour
//! searches (members of open hotspots, free requests; of one category within a radius and a
//! window), hotspot members written with a workflow change (a request in at most one hotspot: a
//! second one refuses the whole change) or by a join, and linked requests read back by id. Every adapter runs every case through `hotspot_contract!`.

use chrono::Duration;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::escalation::{
    EscalationState, HotspotPolicy, Joined, Joining, Membership, Nearby, Neighbour,
};
use jiesu_domain::event::{Event, EventKind};
use jiesu_domain::geo::GeoPoint;
use jiesu_domain::ids::RequestId;
use jiesu_domain::ports::{Cases, Committed, Store, StoreError};
use jiesu_domain::request::{Kind, Location, NewRequest};
use jiesu_domain::text::{AddressText, Answer};
use jiesu_domain::workflow::{Caller, Case, Change, Command, Ctx, Policy, decide};

use crate::fixtures::{admission, district, new_request};

/// Instantiates the contract for an adapter: `hotspot_contract!(jiesu_testkit::sqlite_store);`.
#[macro_export]
macro_rules! hotspot_contract {
    ($factory:path) => {
        $crate::hotspot_contract!(@cases $factory;
            neighbours_are_open_requests_of_the_category_within_the_radius_and_the_window,
            members_name_their_hotspot_and_a_request_joins_at_most_one,
            a_join_adds_a_member_and_an_event_unless_taken_or_closed,
            the_subject_is_read_with_its_hotspot,
            linked_requests_are_read_back_by_id_in_the_order_asked,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (store, _guard) = $factory().await;
                $crate::hotspot_contract::$case(store).await;
            }
        )*
    };
}

const LAMP: &str = "010101";
const CENTER: (f64, f64) = (22.742, 114.387);

const POLICY: HotspotPolicy = HotspotPolicy { min_requests: 3, radius_m: 200.0, days: 30 };

/// A street-light report `north_m` metres north and `east_m` metres east of the centre,
/// received `minutes_ago`.
fn lamp_at(north_m: f64, east_m: f64, minutes_ago: i64) -> NewRequest {
    // Metres in a degree of latitude, on the sphere the domain measures on.
    let m_per_deg_lat = jiesu_domain::geo::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    let lat = CENTER.0 + north_m / m_per_deg_lat;
    let lon = CENTER.1 + east_m / (m_per_deg_lat * CENTER.0.to_radians().cos());
    let mut r = new_request();
    r.location = Location::new(Some(GeoPoint::new(lat, lon).expect("valid point")), None).expect("location");
    r.received_at = jiesu_domain::time::now() - Duration::minutes(minutes_ago);
    r
}

async fn stored<S: Store>(store: &S, requests: Vec<NewRequest>) -> Vec<RequestId> {
    let batch: Vec<_> = requests.into_iter().map(admission).collect();
    store.ingest(&batch).await.expect("ingest");
    batch.iter().map(|a| a.request.submitted.id).collect()
}

fn around_center() -> Nearby {
    let center = GeoPoint::new(CENTER.0, CENTER.1).expect("valid point");
    let category = CategoryCode::parse(LAMP).expect("code");
    Nearby::of(category, center, &POLICY, jiesu_domain::time::now())
}

fn flag(case: &Case, cluster: Vec<Neighbour>) -> Change {
    let policy = Policy {
        escalation: jiesu_domain::escalation::EscalationPolicy { hotspot: POLICY, ..Default::default() },
        ..Policy::default()
    };
    let ctx = Ctx { district: district(), policy: &policy, now: jiesu_domain::time::now() };
    decide(case.clone(), Caller::System, Command::FlagHotspot { cluster }, &ctx).expect("flagged")
}

async fn case_of<S: Cases>(store: &S, id: RequestId) -> Case {
    store.load_case(id).await.expect("load").expect("stored")
}

pub async fn neighbours_are_open_requests_of_the_category_within_the_radius_and_the_window<
    S: Store + Cases,
>(
    store: S,
) {
    let inside =
        stored(&store, vec![lamp_at(0.0, 0.0, 50), lamp_at(60.0, 0.0, 40), lamp_at(-100.0, 150.0, 30)]).await;
    let mut road = lamp_at(10.0, 10.0, 20);
    road.category = Some(CategoryCode::parse("010102").expect("code"));
    let mut answered = lamp_at(5.0, 0.0, 20);
    answered.kind = Kind::Consultation;
    answered.details.answer = Some(Answer::parse("已答复").expect("answer"));
    let outside = stored(
        &store,
        vec![
            lamp_at(0.0, 210.0, 10),          // past the radius (and the rectangle)
            lamp_at(145.0, 145.0, 10),        // the rectangle's corner: about 205 m
            lamp_at(20.0, 0.0, 31 * 24 * 60), // before the window
            road,                             // another category
            answered,                         // closed on receipt
        ],
    )
    .await;
    let found = store.free_requests_near(&around_center()).await.expect("search");
    let ids: Vec<RequestId> = found.iter().map(|n| n.request).collect();
    assert_eq!(ids, inside, "open, same category, within 200 m and 30 days, oldest first");
    assert!(outside.iter().all(|o| !ids.contains(o)));
    let distances: Vec<i64> = found.iter().map(|n| n.distance_m.round() as i64).collect();
    assert_eq!(distances, vec![0, 60, 180]);
    assert!(found.iter().all(|n| n.hotspot.is_none()));
    assert!(store.open_hotspots_near(&around_center()).await.expect("search").is_empty(), "no hotspot yet");

    // Bounded, and without the request searched around.
    let two = store.free_requests_near(&around_center().limited(2)).await.expect("search");
    assert_eq!(two.len(), 2);
    assert!(two.iter().all(|n| inside.contains(&n.request)));
    let mut except = around_center();
    except.except = Some(inside[1]);
    let found = store.free_requests_near(&except).await.expect("search");
    assert_eq!(found.iter().map(|n| n.request).collect::<Vec<_>>(), vec![inside[0], inside[2]]);
}

pub async fn members_name_their_hotspot_and_a_request_joins_at_most_one<S: Store + Cases>(store: S) {
    let ids =
        stored(&store, vec![lamp_at(0.0, 0.0, 50), lamp_at(30.0, 0.0, 40), lamp_at(60.0, 0.0, 30)]).await;
    let cluster = store.free_requests_near(&around_center()).await.expect("search");
    let anchor = case_of(&store, ids[0]).await;
    let change = flag(&anchor, cluster);
    assert_eq!(store.commit(&change).await.expect("commit"), Committed::Yes);
    let e = case_of(&store, ids[0]).await.escalations[0].clone();
    assert_eq!(e.linked, ids[1..].to_vec(), "the escalation reads back with its linked requests");
    let member = Membership { escalation: e.id, anchor: ids[0], state: EscalationState::Open };
    let found = store.open_hotspots_near(&around_center()).await.expect("search");
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|n| n.hotspot == Some(member)), "{found:?}");
    assert!(
        store.free_requests_near(&around_center()).await.expect("search").is_empty(),
        "members are not free"
    );

    // A worker that read the neighbours before that commit flags another cluster on another
    // anchor, taking one of those members: the store refuses its whole change.
    let late = stored(&store, vec![lamp_at(90.0, 0.0, 20), lamp_at(120.0, 0.0, 10)]).await;
    let stale_view: Vec<Neighbour> = found
        .iter()
        .filter(|n| n.request == ids[2])
        .map(|n| Neighbour { hotspot: None, ..n.clone() })
        .collect();
    let mut cluster = store.free_requests_near(&around_center()).await.expect("search");
    assert_eq!(cluster.iter().map(|n| n.request).collect::<Vec<_>>(), late);
    cluster.extend(stale_view);
    let other = case_of(&store, late[0]).await;
    let second = flag(&other, cluster);
    assert_eq!(second.escalations[0].linked, vec![ids[2], late[1]], "oldest first");
    match store.commit(&second).await {
        Err(StoreError::Conflict(_)) => {}
        got => panic!("expected a conflict, got {got:?}"),
    }
    let after = case_of(&store, late[0]).await;
    assert!(after.escalations.is_empty(), "nothing of the refused change was written");
    assert_eq!(after.version, other.version);
    let found = store.free_requests_near(&around_center()).await.expect("search");
    assert_eq!(found.iter().map(|n| n.request).collect::<Vec<_>>(), late, "still free");
}

/// A hotspot of three lamps around the centre, opened on the oldest: their ids and its membership.
async fn hotspot_of_three<S: Store + Cases>(store: &S) -> (Vec<RequestId>, Membership) {
    let ids =
        stored(store, vec![lamp_at(0.0, 0.0, 50), lamp_at(30.0, 0.0, 40), lamp_at(60.0, 0.0, 30)]).await;
    let cluster = store.free_requests_near(&around_center()).await.expect("search");
    let change = flag(&case_of(store, ids[0]).await, cluster);
    assert_eq!(store.commit(&change).await.expect("commit"), Committed::Yes);
    let e = case_of(store, ids[0]).await.escalations[0].id;
    let member = Membership { escalation: e, anchor: ids[0], state: EscalationState::Open };
    (ids, member)
}

pub async fn a_join_adds_a_member_and_an_event_unless_taken_or_closed<S: Store + Cases>(store: S) {
    let (ids, member) = hotspot_of_three(&store).await;
    let anchor_before = case_of(&store, ids[0]).await;
    // The newest report first, so `linked` shows it is read oldest first whatever the join order.
    let later = stored(&store, vec![lamp_at(90.0, 0.0, 5), lamp_at(100.0, 0.0, 10)]).await;
    let now = jiesu_domain::time::now();
    let closed = Membership { escalation: jiesu_domain::escalation::EscalationId::generate(), ..member };
    let joins = vec![
        Joining::new(later[0], member, now),
        Joining::new(later[0], member, now),
        Joining::new(later[1], closed, now),
        Joining::new(ids[1], member, now),
    ];
    let got = store.join_hotspots(&joins).await.expect("join");
    assert_eq!(got, vec![Joined::Yes, Joined::AlreadyMember, Joined::HotspotClosed, Joined::AlreadyMember]);

    let anchor = case_of(&store, ids[0]).await;
    assert_eq!(anchor.version, anchor_before.version, "the anchor's case is not decided on");
    assert_eq!(anchor.escalations[0].linked, vec![ids[1], ids[2], later[0]], "members, oldest first");
    let history = store.request_events(ids[0]).await.expect("history");
    let linked: Vec<&Event> =
        history.iter().filter(|e| matches!(e.kind, EventKind::HotspotLinked { .. })).collect();
    assert_eq!(linked.len(), 1, "one event for the one join that took");
    assert_eq!(linked[0].id, joins[0].event.id);
    let outbox = store.lease_outbox(1000, now, now + Duration::minutes(1)).await.expect("outbox");
    assert!(outbox.iter().any(|o| o.event.id == joins[0].event.id), "published like any event");
    let found = store.free_requests_near(&around_center()).await.expect("search");
    assert_eq!(found.iter().map(|n| n.request).collect::<Vec<_>>(), vec![later[1]]);
}

pub async fn the_subject_is_read_with_its_hotspot<S: Store + Cases>(store: S) {
    let (ids, member) = hotspot_of_three(&store).await;
    let mut answered = lamp_at(5.0, 0.0, 20);
    answered.kind = Kind::Consultation;
    answered.details.answer = Some(Answer::parse("已答复").expect("answer"));
    let mut nowhere = lamp_at(0.0, 0.0, 20);
    nowhere.location =
        Location::new(None, Some(AddressText::parse("坪山大道").expect("address"))).expect("location");
    let others = stored(&store, vec![answered, nowhere]).await;

    let s = store.hotspot_subject(ids[1]).await.expect("read").expect("found");
    assert_eq!(s.hotspot, Some(member));
    assert_eq!(s.category.as_ref().map(|c| c.as_str()), Some(LAMP));
    assert!(s.open && s.point.is_some());
    let closed = store.hotspot_subject(others[0]).await.expect("read").expect("found");
    assert!(!closed.open && closed.hotspot.is_none());
    let bare = store.hotspot_subject(others[1]).await.expect("read").expect("found");
    assert_eq!(bare.point, None, "an address alone has no point to search around");
    assert!(store.hotspot_subject(RequestId::generate()).await.expect("read").is_none());
}

pub async fn linked_requests_are_read_back_by_id_in_the_order_asked<S: Store + Cases>(store: S) {
    let ids = stored(&store, vec![lamp_at(0.0, 0.0, 50), lamp_at(30.0, 0.0, 40)]).await;
    let asked = vec![ids[1], RequestId::generate(), ids[0]];
    let views = store.requests_by_id(&asked).await.expect("read");
    let got: Vec<RequestId> = views.iter().map(|v| v.request.submitted.id).collect();
    assert_eq!(got, vec![ids[1], ids[0]], "unknown ids left out");
    assert!(views.iter().all(|v| !v.tasks.is_empty()), "with their tasks");
    assert!(store.requests_by_id(&[]).await.expect("read").is_empty());
}
