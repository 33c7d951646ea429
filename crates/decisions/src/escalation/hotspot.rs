//! Hotspots (热点问题): many open requests of one category close together, flagged to supervisors
//! as one problem to solve at its root. This module says which requests are neighbours (the store
//! pre-filters by a bounding box and a planar circle, the exact great-circle distance decides here)
//! and what a newly routed request does: nothing, join the open hotspot next to it, or make a new
//! one with its free neighbours (the workflow decides that on the cluster's anchor).
//!
//! Every search is bounded (`Nearby::limit`), so the work per routed request does not grow with
//! the size of the cluster around it: to join a hotspot one open member nearby is enough, and to
//! open one, `min_requests` free neighbours.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use jiesu_events::event::{Actor, Event, EventKind};
use jiesu_model::category::CategoryCode;
use jiesu_model::geo::{BoundingBox, EARTH_RADIUS_M, GeoPoint, haversine_m};
use jiesu_model::ids::RequestId;
use jiesu_model::records::CorruptRow;

use super::{EscalationId, EscalationState, HotspotPolicy};

/// How many members of open hotspots a search returns: one is enough to join, a few let the
/// oldest of them win when two hotspots meet.
pub const OPEN_MEMBERS_LIMIT: u32 = 8;

/// The most free neighbours a search returns, and so the most requests a new hotspot links when
/// it opens. Far above any sensible `min_requests`; it bounds the work when the trigger is first
/// switched on over a district full of unflagged reports.
pub const FREE_LIMIT: u32 = 500;

/// Which requests count as neighbours of a point: open, of one category, received since a time,
/// within a radius; at most `limit` of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Nearby {
    pub category: CategoryCode,
    pub center: GeoPoint,
    pub radius_m: f64,
    /// Received at or after this time.
    pub since: DateTime<Utc>,
    /// The request searched around, left out of the answer.
    pub except: Option<RequestId>,
    pub limit: u32,
}

/// The circle as a store can test it with arithmetic alone: metres from the centre on a plane
/// tangent at the centre (at a few hundred metres the plane and the sphere differ by far less
/// than a metre), with a margin, so a row the exact distance keeps is never cut off by a `LIMIT`
/// before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Planar {
    pub lat: f64,
    pub lon: f64,
    /// Metres per degree of latitude and of longitude at the centre.
    pub m_per_lat: f64,
    pub m_per_lon: f64,
    /// The squared radius, with the margin, in square metres.
    pub max_sq_m: f64,
}

impl Nearby {
    /// The neighbours of `center` under the policy, as of `now`.
    pub fn of(category: CategoryCode, center: GeoPoint, policy: &HotspotPolicy, now: DateTime<Utc>) -> Self {
        Self {
            category,
            center,
            radius_m: policy.radius_m,
            since: now - chrono::Duration::days(policy.days.into()),
            except: None,
            limit: FREE_LIMIT,
        }
    }

    /// The same search for at most `limit` rows.
    #[must_use]
    pub fn limited(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// The circle in plane coordinates, one part in a thousand wider than the radius.
    pub fn planar(&self) -> Planar {
        let m_per_lat = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let margin = self.radius_m * 1.001;
        Planar {
            lat: self.center.lat(),
            lon: self.center.lon(),
            m_per_lat,
            m_per_lon: m_per_lat * self.center.lat().to_radians().cos(),
            max_sq_m: margin * margin,
        }
    }

    /// The rectangle the store searches (by index) before the exact distance is computed.
    pub fn bounds(&self) -> BoundingBox {
        BoundingBox::around(self.center, self.radius_m)
    }

    /// Turns the rows the store found in the rectangle into the neighbours within the radius,
    /// oldest first (ties by id, so every worker orders a cluster alike).
    pub fn keep(&self, rows: Vec<NeighbourRecord>) -> Result<Vec<Neighbour>, CorruptRow> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let n = Neighbour::try_from((row, self.center))?;
            if n.distance_m <= self.radius_m && Some(n.request) != self.except {
                out.push(n);
            }
        }
        out.sort_by_key(|n| (n.received_at, n.request));
        Ok(out)
    }
}

/// The hotspot a request already belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub escalation: EscalationId,
    /// The request whose case holds the hotspot's escalation (the oldest of its cluster).
    pub anchor: RequestId,
    pub state: EscalationState,
}

/// An open request near a point.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    pub request: RequestId,
    pub point: GeoPoint,
    pub received_at: DateTime<Utc>,
    /// From the point searched around.
    pub distance_m: f64,
    /// A request belongs to at most one hotspot.
    pub hotspot: Option<Membership>,
}

/// A neighbour as both SQL adapters read it: the request's id, point and time, and the hotspot it
/// is a member of (all three `None` when it is in none).
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourRecord {
    pub id: Uuid,
    pub lat: f64,
    pub lon: f64,
    pub received_at: DateTime<Utc>,
    pub escalation_id: Option<Uuid>,
    pub anchor_id: Option<Uuid>,
    pub escalation_state: Option<String>,
}

impl TryFrom<(NeighbourRecord, GeoPoint)> for Neighbour {
    type Error = CorruptRow;
    fn try_from((r, center): (NeighbourRecord, GeoPoint)) -> Result<Self, CorruptRow> {
        let bad = |message: String| CorruptRow { table: "requests", message };
        let point = GeoPoint::new(r.lat, r.lon).map_err(|e| bad(e.to_string()))?;
        let hotspot = membership(r.id, r.escalation_id, r.anchor_id, r.escalation_state.as_deref())?;
        Ok(Neighbour {
            request: RequestId::from_uuid(r.id),
            point,
            received_at: r.received_at,
            distance_m: haversine_m(center, point),
            hotspot,
        })
    }
}

/// A routed request as the hotspot trigger sees it: where it is, of what, whether it is still
/// open, and the hotspot it is already in.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub request: RequestId,
    pub category: Option<CategoryCode>,
    pub point: Option<GeoPoint>,
    pub received_at: DateTime<Utc>,
    pub open: bool,
    pub hotspot: Option<Membership>,
}

impl Subject {
    /// The request as its own neighbour and the search around it, or `None` when it cannot be
    /// part of a hotspot: no category or no point, closed, received before the window, or the
    /// trigger is off.
    pub fn search(&self, policy: &HotspotPolicy, now: DateTime<Utc>) -> Option<(Neighbour, Nearby)> {
        let (Some(category), Some(point)) = (self.category.clone(), self.point) else {
            return None;
        };
        let mut near = Nearby::of(category, point, policy, now);
        if policy.min_requests == 0 || !self.open || self.received_at < near.since {
            return None;
        }
        near.except = Some(self.request);
        let me = Neighbour {
            request: self.request,
            point,
            received_at: self.received_at,
            distance_m: 0.0,
            hotspot: self.hotspot,
        };
        Some((me, near))
    }
}

/// A subject's row as both SQL adapters read it (the membership columns as in `NeighbourRecord`).
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectRecord {
    pub id: Uuid,
    pub category: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub received_at: DateTime<Utc>,
    pub closed: bool,
    pub escalation_id: Option<Uuid>,
    pub anchor_id: Option<Uuid>,
    pub escalation_state: Option<String>,
}

impl TryFrom<SubjectRecord> for Subject {
    type Error = CorruptRow;
    fn try_from(r: SubjectRecord) -> Result<Self, CorruptRow> {
        let bad = |message: String| CorruptRow { table: "requests", message };
        let point = match (r.lat, r.lon) {
            (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon).map_err(|e| bad(e.to_string()))?),
            _ => None,
        };
        Ok(Subject {
            request: RequestId::from_uuid(r.id),
            category: r
                .category
                .as_deref()
                .map(CategoryCode::parse)
                .transpose()
                .map_err(|e| bad(e.to_string()))?,
            point,
            received_at: r.received_at,
            open: !r.closed,
            hotspot: membership(r.id, r.escalation_id, r.anchor_id, r.escalation_state.as_deref())?,
        })
    }
}

/// A request joining the open hotspot next to it: one member row and one event on the anchor's
/// history, written without deciding on the anchor's case (so joins neither wait for one another
/// nor rewrite anything that grows with the cluster).
#[derive(Debug, Clone, PartialEq)]
pub struct Joining {
    pub request: RequestId,
    pub escalation: EscalationId,
    /// `HotspotLinked` on the anchor, naming the request.
    pub event: Event,
}

impl Joining {
    pub fn new(request: RequestId, to: Membership, now: DateTime<Utc>) -> Self {
        let kind = EventKind::HotspotLinked { escalation: to.escalation, linked: vec![request] };
        Self {
            request,
            escalation: to.escalation,
            event: Event::new(to.anchor, None, Actor::System, kind, now),
        }
    }
}

/// What the store made of a joining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// The member row and the event are written.
    Yes,
    /// The request was in a hotspot already (a redelivered event, or another worker): nothing
    /// written.
    AlreadyMember,
    /// The hotspot closed since the neighbours were read: nothing written; look again.
    HotspotClosed,
}

/// What the hotspot trigger does for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing: the request is in a hotspot already (a redelivered event), or too few requests
    /// are close together.
    Nothing,
    /// Join the open hotspot of a member nearby.
    Join(Membership),
    /// Flag the cluster on its anchor: open the hotspot there (or, if another worker just did,
    /// link the new members to it).
    Flag { anchor: RequestId, cluster: Vec<Neighbour> },
}

/// Decides where a request (`me`) goes, given members of open hotspots near it (`open`) and free
/// neighbours (`free`, searched only when `open` is empty), each oldest first, by these rules:
///
/// - a request already in a hotspot stays there (so a redelivered event does nothing);
/// - a request near a member of an open hotspot joins that hotspot (the oldest such member's):
///   the sixth report of a broken lamp is linked to the problem already flagged, whatever the
///   minimum, rather than opening a second one;
/// - otherwise the neighbours in no hotspot form a cluster with it; with at least `min_requests`
///   of them, the oldest anchors it. Members of a closed hotspot (dismissed: not a hotspot;
///   resolved: fixed) do not count again: a problem that returns needs enough fresh reports.
pub fn plan(me: &Neighbour, open: &[Neighbour], free: &[Neighbour], policy: &HotspotPolicy) -> Plan {
    if policy.min_requests == 0 || me.hotspot.is_some() {
        return Plan::Nothing;
    }
    let joinable = open.iter().filter(|n| n.request != me.request);
    if let Some(m) = joinable.filter_map(|n| n.hotspot.filter(|m| m.state.is_open())).next() {
        return Plan::Join(m);
    }
    let mut cluster: Vec<Neighbour> =
        free.iter().filter(|n| n.hotspot.is_none() && n.request != me.request).cloned().collect();
    cluster.push(me.clone());
    cluster.sort_by_key(|n| (n.received_at, n.request));
    match cluster.first() {
        Some(oldest) if cluster.len() >= policy.min_requests as usize => {
            Plan::Flag { anchor: oldest.request, cluster: cluster.clone() }
        }
        _ => Plan::Nothing,
    }
}

/// A hotspot membership from its three columns (all `None`: in no hotspot).
fn membership(
    id: Uuid,
    escalation: Option<Uuid>,
    anchor: Option<Uuid>,
    state: Option<&str>,
) -> Result<Option<Membership>, CorruptRow> {
    let bad = |message: String| CorruptRow { table: "hotspot_members", message };
    match (escalation, anchor, state) {
        (Some(e), Some(a), Some(s)) => Ok(Some(Membership {
            escalation: EscalationId::from_uuid(e),
            anchor: RequestId::from_uuid(a),
            state: EscalationState::parse(s).ok_or_else(|| bad(format!("escalation state `{s}`")))?,
        })),
        (None, _, _) => Ok(None),
        _ => Err(bad(format!("hotspot membership of {id} without its escalation"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: HotspotPolicy = HotspotPolicy { min_requests: 3, radius_m: 200.0, days: 30 };

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default()
    }

    fn near(minutes: i64, hotspot: Option<Membership>) -> Neighbour {
        Neighbour {
            request: RequestId::generate(),
            point: GeoPoint::new(22.742, 114.387).expect("valid"),
            received_at: t0() + chrono::Duration::minutes(minutes),
            distance_m: 10.0,
            hotspot,
        }
    }

    fn member_of(anchor: RequestId, state: EscalationState) -> Option<Membership> {
        Some(Membership { escalation: EscalationId::generate(), anchor, state })
    }

    #[test]
    fn enough_free_neighbours_are_flagged_on_the_oldest() {
        let all = vec![near(0, None), near(5, None), near(9, None)];
        let plan = plan(&all[2], &[], &all[..2], &POLICY);
        assert_eq!(plan, Plan::Flag { anchor: all[0].request, cluster: all.clone() });
        // The search may find the request itself; it counts once.
        assert_eq!(super::plan(&all[2], &[], &all, &POLICY), plan);
    }

    #[test]
    fn too_few_or_disabled_or_already_in_a_hotspot_is_nothing() {
        let two = [near(0, None), near(5, None)];
        assert_eq!(plan(&two[1], &[], &two[..1], &POLICY), Plan::Nothing);
        let five: Vec<_> = (0..5).map(|m| near(m, None)).collect();
        let off = HotspotPolicy { min_requests: 0, ..POLICY };
        assert_eq!(plan(&five[4], &[], &five[..4], &off), Plan::Nothing);
        let mut redelivered = five[4].clone();
        redelivered.hotspot = member_of(five[0].request, EscalationState::Open);
        assert_eq!(plan(&redelivered, &[], &five[..4], &POLICY), Plan::Nothing);
    }

    #[test]
    fn a_request_near_an_open_hotspot_joins_it_whatever_the_minimum() {
        let anchor = RequestId::generate();
        let member = near(0, member_of(anchor, EscalationState::Open));
        let me = near(7, None);
        let Plan::Join(m) = plan(&me, std::slice::from_ref(&member), &[], &POLICY) else {
            panic!("joins");
        };
        assert_eq!(Some(m), member.hotspot);
        let joining = Joining::new(me.request, m, t0());
        assert_eq!(joining.event.request_id, anchor, "the link is told on the anchor's history");
        assert!(matches!(&joining.event.kind,
            EventKind::HotspotLinked { escalation, linked } if *escalation == m.escalation && *linked == vec![me.request]));
    }

    #[test]
    fn members_of_a_closed_hotspot_neither_count_nor_are_joined() {
        let closed = member_of(RequestId::generate(), EscalationState::Dismissed);
        let all = vec![near(0, closed), near(1, closed), near(5, None), near(9, None)];
        assert_eq!(plan(&all[3], &all[..2], &all[..3], &POLICY), Plan::Nothing);
        let later = near(12, None);
        let expected = Plan::Flag {
            anchor: all[2].request,
            cluster: vec![all[2].clone(), all[3].clone(), later.clone()],
        };
        assert_eq!(plan(&later, &all[..2], &all, &POLICY), expected);
    }

    #[test]
    fn a_subject_is_searched_around_only_when_it_can_be_in_a_hotspot() {
        let now = t0();
        let subject = Subject {
            request: RequestId::generate(),
            category: Some(CategoryCode::parse("010101").expect("code")),
            point: Some(GeoPoint::new(22.742, 114.387).expect("valid")),
            received_at: now - chrono::Duration::days(2),
            open: true,
            hotspot: None,
        };
        let (me, search) = subject.search(&POLICY, now).expect("searched");
        assert_eq!(
            (me.request, search.except, search.limit),
            (subject.request, Some(subject.request), FREE_LIMIT)
        );
        let off = HotspotPolicy { min_requests: 0, ..POLICY };
        for (s, p) in [
            (Subject { open: false, ..subject.clone() }, POLICY),
            (Subject { point: None, ..subject.clone() }, POLICY),
            (Subject { category: None, ..subject.clone() }, POLICY),
            (Subject { received_at: now - chrono::Duration::days(31), ..subject.clone() }, POLICY),
            (subject.clone(), off),
        ] {
            assert!(s.search(&p, now).is_none(), "{s:?}");
        }
    }

    #[test]
    fn the_planar_circle_holds_the_exact_one() {
        let center = GeoPoint::new(22.742, 114.387).expect("valid");
        let n = Nearby::of(CategoryCode::parse("010101").expect("code"), center, &POLICY, t0());
        let p = n.planar();
        // Points on the exact circle, all round: inside the planar test, barely.
        for deg in (0..360).step_by(15) {
            let a = f64::from(deg).to_radians();
            let m_per_lat = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
            let lat = center.lat() + 199.9 * a.cos() / m_per_lat;
            let lon = center.lon() + 199.9 * a.sin() / (m_per_lat * center.lat().to_radians().cos());
            let q = GeoPoint::new(lat, lon).expect("valid");
            assert!(haversine_m(center, q) <= 200.0);
            let (dy, dx) = ((lat - p.lat) * p.m_per_lat, (lon - p.lon) * p.m_per_lon);
            assert!(dy * dy + dx * dx <= p.max_sq_m, "{deg}°");
            assert!(dy * dy + dx * dx >= 199.0 * 199.0, "{deg}°: the margin is small");
        }
    }

    #[test]
    fn keep_computes_the_exact_distance_and_orders_oldest_first() {
        let center = GeoPoint::new(22.742, 114.387).expect("valid");
        let mut n = Nearby::of(CategoryCode::parse("010101").expect("code"), center, &POLICY, t0());
        n.since = t0();
        let b = n.bounds();
        let row = |lat, lon, minutes: i64| NeighbourRecord {
            id: Uuid::now_v7(),
            lat,
            lon,
            received_at: t0() + chrono::Duration::minutes(minutes),
            escalation_id: None,
            anchor_id: None,
            escalation_state: None,
        };
        // The rectangle's corner is about 283 m away: the store finds it, the distance drops it.
        let corner = row(b.max_lat, b.max_lon, 0);
        let inside = row(22.7425, 114.3872, 9);
        let older = row(22.7415, 114.3868, 3);
        let kept = n.keep(vec![corner, inside.clone(), older.clone()]).expect("valid rows");
        let ids: Vec<Uuid> = kept.iter().map(|k| k.request.as_uuid()).collect();
        assert_eq!(ids, vec![older.id, inside.id]);
        assert!(kept.iter().all(|k| k.distance_m < 200.0 && k.distance_m > 0.0));
        let orphan = NeighbourRecord { escalation_id: Some(Uuid::now_v7()), ..inside };
        assert!(n.keep(vec![orphan]).is_err(), "a membership without its escalation is corrupt");
    }
}
