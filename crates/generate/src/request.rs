//! What citizens send: when (weekdays and office hours weighted), through which channel, about
//! which category, where, and who they are. All drawn from the request's own seeded generator.

use std::sync::Arc;

use chrono::{DateTime, Duration, Timelike, Utc};
use geo::BoundingRect;
use jiesu_domain::area::AreaCode;
use jiesu_domain::category::Category;
use jiesu_domain::contact::{Contact, PhoneNumber};
use jiesu_domain::district::District;
use jiesu_domain::geo::GeoPoint;
use jiesu_domain::ids::{RequestId, TrackingNumber};
use jiesu_domain::request::{Channel, ChannelRef, Details, Kind, Location, NewRequest, Urgency};
use jiesu_domain::secret::ServerKey;
use jiesu_domain::text::{AddressText, Answer, CategoryText, Description, OperatorId, PersonName, Title};
use jiesu_domain::time::LOCAL;
use jiesu_domain::workflow::Policy;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::Options;

/// Everything every request's simulation reads: the district, the policy, the server key, the
/// time span and the weights, prepared once.
#[derive(Debug)]
pub struct Plan {
    pub(crate) district: Arc<District>,
    pub(crate) policy: Policy,
    key: ServerKey,
    seed: u64,
    requests: u64,
    pub(crate) end: DateTime<Utc>,
    start: DateTime<Utc>,
    /// Cumulative weight of each hour from `start`.
    hours: Vec<f64>,
    /// Leaf categories and their cumulative weights (a few categories take most requests).
    categories: Vec<(Category, f64)>,
    /// Where points are drawn: the district's outline box.
    bbox: (f64, f64, f64, f64),
    /// Address keywords of the gazetteer, for requests that come with an address only.
    places: Vec<(String, AreaCode)>,
    pub(crate) leaf_areas: Vec<AreaCode>,
}

impl Plan {
    pub fn new(district: Arc<District>, policy: Policy, key: ServerKey, o: &Options) -> Self {
        let start = o.end - Duration::days(365 * i64::from(o.years.max(1)));
        let n_hours = (o.end - start).num_hours().max(1);
        let mut total = 0.0;
        let hours = (0..n_hours)
            .map(|h| {
                total += hour_weight(start + Duration::hours(h));
                total
            })
            .collect();
        let mut total = 0.0;
        let categories = district
            .taxonomy()
            .leaves()
            .enumerate()
            .map(|(rank, c)| {
                // Zipf-like: the most common complaints dominate, as in every 12345 statistics.
                total += 1.0 / ((rank + 1) as f64).powf(0.8);
                (c.clone(), total)
            })
            .collect();
        let areas = district.areas();
        let bbox = areas
            .root()
            .boundary
            .as_ref()
            .and_then(|b| b.shape().bounding_rect())
            .or_else(|| areas.iter().filter_map(|a| a.boundary.as_ref()?.shape().bounding_rect()).next())
            .map_or((22.70, 22.76, 114.30, 114.40), |r| (r.min().y, r.max().y, r.min().x, r.max().x));
        let places = district.gazetteer().entries().to_vec();
        let deepest = areas.iter().map(|a| a.code.as_str().matches('.').count()).max().unwrap_or(0);
        let leaf_areas = areas
            .iter()
            .filter(|a| a.code.as_str().matches('.').count() == deepest)
            .map(|a| a.code.clone())
            .collect();
        Self {
            district,
            policy,
            key,
            seed: o.seed,
            requests: o.requests.max(1),
            end: o.end,
            start,
            hours,
            categories,
            bbox,
            places,
            leaf_areas,
        }
    }

    /// The generator of request `index`: independent of every other request's.
    pub(crate) fn rng(&self, index: u64) -> StdRng {
        StdRng::seed_from_u64(self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index)
    }

    /// When request `index` came in: requests in index order, spread by the hour weights.
    fn received_at(&self, index: u64, rng: &mut StdRng) -> DateTime<Utc> {
        let total = self.hours.last().copied().unwrap_or(1.0);
        let at = (index as f64 + rng.random::<f64>()) / self.requests as f64 * total;
        let h = self.hours.partition_point(|&c| c < at).min(self.hours.len() - 1);
        let t = self.start
            + Duration::hours(h as i64)
            + Duration::microseconds(rng.random_range(0..3_600_000_000));
        t.min(self.end - Duration::seconds(1))
    }

    pub(crate) fn new_request(&self, index: u64, rng: &mut StdRng) -> NewRequest {
        let received_at = self.received_at(index, rng);
        let mut bytes = [0u8; 10];
        rng.fill(&mut bytes);
        let millis = u64::try_from(received_at.timestamp_millis()).unwrap_or(0);
        let id = RequestId::from_uuid(uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid());
        let channel = pick(
            rng,
            &[(Channel::Hotline, 45), (Channel::Wechat, 25), (Channel::Web, 15), (Channel::Open311, 15)],
        );
        let category = self.category(rng);
        let kind = category.kind.unwrap_or(Kind::Complaint);
        let mut details = Details {
            urgency: pick(rng, &[(Urgency::Normal, 965), (Urgency::Urgent, 30), (Urgency::Critical, 5)]),
            ..Details::default()
        };
        let mut code = Some(category.code.clone());
        let (point, address) = match channel {
            // The call centre writes an address and a work order, often a category in words.
            Channel::Hotline => {
                details.title = Title::parse(&category.name).ok();
                details.operator = OperatorId::parse(&format!("A{:04}", rng.random_range(1..200))).ok();
                if rng.random_bool(0.3) {
                    details.category_text = CategoryText::parse(&category.name).ok();
                    code = None;
                }
                if kind == Kind::Consultation && rng.random_bool(0.6) {
                    details.answer = Answer::parse("已按政策口径当场答复").ok();
                }
                (None, Some(self.address(rng)))
            }
            _ => (Some(self.point(rng)), rng.random_bool(0.5).then(|| self.address(rng))),
        };
        // A few requests nobody can place: the dispatch desk finds where they are.
        let (point, address) = if rng.random_bool(0.01) {
            (None, AddressText::parse("路口旁边").ok())
        } else {
            (point, address)
        };
        let channel_ref = match channel {
            Channel::Hotline => format!("GD{}{:08}", received_at.format("%Y%m%d"), index % 100_000_000),
            _ => id.to_string(),
        };
        NewRequest {
            id,
            tracking: TrackingNumber::for_request(&self.key, id),
            channel,
            channel_ref: ChannelRef::parse(&channel_ref).unwrap_or_else(|_| unreachable_ref(id)),
            kind,
            category: code,
            description: Description::parse(&format!(
                "{}：{}",
                category.name,
                category.description.as_deref().unwrap_or("请尽快处理")
            ))
            .expect("a category's name is a valid description"),
            location: Location::new(point, address).expect("every request has a point or an address"),
            contact: self.contact(channel, rng),
            attributes: Default::default(),
            media: Vec::new(),
            details,
            received_at,
        }
    }

    fn category(&self, rng: &mut StdRng) -> &Category {
        let total = self.categories.last().map_or(1.0, |c| c.1);
        let at = rng.random::<f64>() * total;
        let i = self.categories.partition_point(|c| c.1 < at).min(self.categories.len() - 1);
        &self.categories[i].0
    }

    /// A point inside some area of the district (drawn in its box until one lands inside).
    fn point(&self, rng: &mut StdRng) -> GeoPoint {
        let (lat0, lat1, lon0, lon1) = self.bbox;
        let mut last = None;
        for _ in 0..50 {
            let p = GeoPoint::new(rng.random_range(lat0..=lat1), rng.random_range(lon0..=lon1)).ok();
            if let Some(p) = p
                && self.district.areas().locate(p).is_some()
            {
                return p;
            }
            last = p;
        }
        last.unwrap_or_else(|| {
            GeoPoint::new(22.742, 114.387).unwrap_or_else(|_| unreachable!("a valid point"))
        })
    }

    fn address(&self, rng: &mut StdRng) -> AddressText {
        let place = &self.places
            [rng.random_range(0..self.places.len().max(1)).min(self.places.len().saturating_sub(1))];
        AddressText::parse(&format!("坪山区{}{}号", place.0, rng.random_range(1..300)))
            .unwrap_or_else(|_| unreachable!("a valid address"))
    }

    fn contact(&self, channel: Channel, rng: &mut StdRng) -> Contact {
        let phone = PhoneNumber::parse(&format!(
            "1{}{:09}",
            rng.random_range(3..10),
            rng.random_range(0..1_000_000_000)
        ))
        .ok();
        Contact {
            name: (channel == Channel::Hotline && rng.random_bool(0.6))
                .then(|| {
                    PersonName::parse(["张先生", "李女士", "王先生", "陈女士"][rng.random_range(0..4)]).ok()
                })
                .flatten(),
            phone: (channel != Channel::Open311 || rng.random_bool(0.5)).then_some(phone).flatten(),
            confidential: channel == Channel::Hotline && rng.random_bool(0.05),
            ..Contact::default()
        }
    }
}

fn unreachable_ref(id: RequestId) -> ChannelRef {
    ChannelRef::parse(&id.to_string()).unwrap_or_else(|_| unreachable!("a request id is a valid reference"))
}

/// How busy an hour is: office hours on working days most, nights least.
fn hour_weight(t: DateTime<Utc>) -> f64 {
    let local = t.with_timezone(&LOCAL);
    let hour = match local.hour() {
        0..=6 => 0.1,
        7 | 19..=21 => 0.5,
        8..=18 => 1.0,
        _ => 0.25,
    };
    let weekday = if chrono::Datelike::weekday(&local).number_from_monday() >= 6 { 0.55 } else { 1.0 };
    hour * weekday
}

/// One of the choices, by integer weights.
pub(crate) fn pick<T: Copy>(rng: &mut StdRng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|c| c.1).sum();
    let mut at = rng.random_range(0..total.max(1));
    for &(c, w) in choices {
        if at < w {
            return c;
        }
        at -= w;
    }
    choices[0].0
}
