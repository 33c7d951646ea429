//! Hotspots (热点问题): many open requests of one category close together, flagged to supervisors
//! as one problem to solve at its root. This module says which requests are neighbours (the store
//! pre-filters by a bounding box, the exact great-circle distance decides here) and which cluster
//! a new request belongs to; the workflow decides the escalation on the cluster's anchor.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use jiesu_model::category::CategoryCode;
use jiesu_model::geo::{BoundingBox, GeoPoint, haversine_m};
use jiesu_model::ids::RequestId;
use jiesu_model::records::CorruptRow;

use super::{EscalationId, EscalationState, HotspotPolicy};

/// Which requests count as neighbours of a point: open, of one category, received since a time,
/// within a radius.
#[derive(Debug, Clone, PartialEq)]
pub struct Nearby {
    pub category: CategoryCode,
    pub center: GeoPoint,
    pub radius_m: f64,
    /// Received at or after this time.
    pub since: DateTime<Utc>,
}

impl Nearby {
    /// The neighbours of `center` under the policy, as of `now`.
    pub fn of(category: CategoryCode, center: GeoPoint, policy: &HotspotPolicy, now: DateTime<Utc>) -> Self {
        Self {
            category,
            center,
            radius_m: policy.radius_m,
            since: now - chrono::Duration::days(policy.days.into()),
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
            if n.distance_m <= self.radius_m {
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
        let hotspot = match (r.escalation_id, r.anchor_id, r.escalation_state.as_deref()) {
            (Some(e), Some(a), Some(s)) => Some(Membership {
                escalation: EscalationId::from_uuid(e),
                anchor: RequestId::from_uuid(a),
                state: EscalationState::parse(s).ok_or_else(|| bad(format!("escalation state `{s}`")))?,
            }),
            (None, _, _) => None,
            _ => return Err(bad(format!("hotspot membership of {} without its escalation", r.id))),
        };
        Ok(Neighbour {
            request: RequestId::from_uuid(r.id),
            point,
            received_at: r.received_at,
            distance_m: haversine_m(center, point),
            hotspot,
        })
    }
}

/// What the hotspot trigger does for one request, given its neighbours (oldest first, the request
/// itself among them).
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing: the trigger is off, the request is in a hotspot already (a redelivered event),
    /// or too few requests are close together.
    Nothing,
    /// Flag the cluster on its anchor: open the hotspot there, or link the new members to the one
    /// the anchor has.
    Flag { anchor: RequestId, cluster: Vec<Neighbour> },
}

/// Decides where a request goes, by these rules:
///
/// - a request already in a hotspot stays there (so a redelivered event does nothing);
/// - a request near a member of an open hotspot joins that hotspot (the oldest such member's):
///   the sixth report of a broken lamp is linked to the problem already flagged, whatever the
///   minimum, rather than opening a second one;
/// - otherwise the neighbours in no hotspot form a cluster; with at least `min_requests` of them,
///   the oldest anchors it. Members of a closed hotspot (dismissed: not a hotspot; resolved: fixed)
///   do not count again: a problem that returns needs enough fresh reports.
pub fn plan(request: RequestId, neighbours: &[Neighbour], policy: &HotspotPolicy) -> Plan {
    if policy.min_requests == 0 {
        return Plan::Nothing;
    }
    let Some(me) = neighbours.iter().find(|n| n.request == request) else {
        // Closed, or received before the window: it does not count.
        return Plan::Nothing;
    };
    if me.hotspot.is_some() {
        return Plan::Nothing;
    }
    let open = neighbours.iter().find_map(|n| n.hotspot.filter(|m| m.state.is_open()));
    if let Some(m) = open {
        return Plan::Flag { anchor: m.anchor, cluster: vec![me.clone()] };
    }
    let free: Vec<Neighbour> = neighbours.iter().filter(|n| n.hotspot.is_none()).cloned().collect();
    match free.first() {
        Some(oldest) if free.len() >= policy.min_requests as usize => {
            Plan::Flag { anchor: oldest.request, cluster: free }
        }
        _ => Plan::Nothing,
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
        let plan = plan(all[2].request, &all, &POLICY);
        assert_eq!(plan, Plan::Flag { anchor: all[0].request, cluster: all.clone() });
    }

    #[test]
    fn too_few_or_disabled_or_already_in_a_hotspot_is_nothing() {
        let two = vec![near(0, None), near(5, None)];
        assert_eq!(plan(two[1].request, &two, &POLICY), Plan::Nothing);
        let five: Vec<_> = (0..5).map(|m| near(m, None)).collect();
        let off = HotspotPolicy { min_requests: 0, ..POLICY };
        assert_eq!(plan(five[4].request, &five, &off), Plan::Nothing);
        assert_eq!(plan(RequestId::generate(), &five, &POLICY), Plan::Nothing, "not among its neighbours");
        let mut redelivered = five.clone();
        redelivered[4].hotspot = member_of(five[0].request, EscalationState::Open);
        assert_eq!(plan(five[4].request, &redelivered, &POLICY), Plan::Nothing);
    }

    #[test]
    fn a_request_near_an_open_hotspot_joins_it_whatever_the_minimum() {
        let anchor = RequestId::generate();
        let all = vec![near(0, member_of(anchor, EscalationState::Open)), near(7, None)];
        let expected = Plan::Flag { anchor, cluster: vec![all[1].clone()] };
        assert_eq!(plan(all[1].request, &all, &POLICY), expected);
    }

    #[test]
    fn members_of_a_closed_hotspot_neither_count_nor_are_joined() {
        let closed = member_of(RequestId::generate(), EscalationState::Dismissed);
        let all = vec![near(0, closed), near(1, closed), near(5, None), near(9, None)];
        assert_eq!(plan(all[3].request, &all, &POLICY), Plan::Nothing);
        let mut more = all.clone();
        more.push(near(12, None));
        let expected = Plan::Flag { anchor: all[2].request, cluster: more[2..].to_vec() };
        assert_eq!(plan(more[4].request, &more, &POLICY), expected);
    }

    #[test]
    fn keep_computes_the_exact_distance_and_orders_oldest_first() {
        let center = GeoPoint::new(22.742, 114.387).expect("valid");
        let n = Nearby {
            category: CategoryCode::parse("010101").expect("code"),
            center,
            radius_m: 200.0,
            since: t0(),
        };
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
