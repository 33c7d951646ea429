//! The counters one request contributes, and the key they are summed under.

use std::collections::BTreeMap;
use std::ops::{AddAssign, Sub};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use jiesu_model::area::AreaCode;
use jiesu_model::bureau::BureauCode;
use jiesu_model::category::CategoryCode;
use jiesu_model::request::{Channel, Kind};

/// Where a count is summed: the district-local day it happened and the request's dimensions.
/// Categories are kept at the request's own (deepest) level: a higher level is a prefix of the
/// code (`01` holds `0101` and `010101`), so any level sums from these rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub day: NaiveDate,
    /// The bureau the count is about: a task's, a disclaim's, else the request's lead.
    pub bureau: Option<BureauCode>,
    pub street: Option<AreaCode>,
    pub community: Option<AreaCode>,
    pub category: Option<CategoryCode>,
    pub channel: Channel,
    pub kind: Kind,
}

macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// The counters of the summary table, each documented with what it counts and on which
        /// day. A request's tallies are these per key; the table sums them.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct Counts {
            $($(#[$doc])* pub $name: i64,)*
        }

        impl Counts {
            /// The counters' names, in the order of `values` (the table's columns).
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];

            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$name),*]
            }

            /// From values in the order of `NAMES`; missing ones are zero.
            pub fn from_values(values: &[i64]) -> Self {
                let mut it = values.iter().copied();
                Self { $($name: it.next().unwrap_or(0),)* }
            }
        }

        impl AddAssign for Counts {
            fn add_assign(&mut self, o: Self) {
                $(self.$name += o.$name;)*
            }
        }

        impl Sub for Counts {
            type Output = Counts;
            fn sub(self, o: Self) -> Self {
                Self { $($name: self.$name - o.$name,)* }
            }
        }
    };
}

counters!(
    /// Requests received (on the day received; bureau: the lead).
    received,
    /// Requests closed, counted on the day they were received (bureau: the lead): a period's
    /// closure rate is the share of its requests closed so far, never over 100%.
    closed,
    /// Tasks dispatched to a bureau (on the day dispatched).
    dispatched,
    /// Of those, claimed within the response limit (counted on the dispatch day, so a period's
    /// response rate is about the tasks dispatched in it).
    responded,
    /// Disclaims (退单), on the day made, to the disclaiming bureau.
    disclaimed,
    /// Tasks resolved (on the day resolved).
    resolved,
    /// Of those, resolved by their deadline as it stood (an approved extension moves it).
    resolved_on_time,
    /// Working minutes from dispatch to resolution, summed over the resolved tasks (hours on
    /// working days; weekends and holidays do not count).
    handling_minutes,
    /// Return visits (on the day made; bureau: the lead).
    visits,
    /// Of those, answering "solved".
    solved,
    /// 满意.
    satisfied,
    /// 基本满意.
    basically_satisfied,
    /// 不满意.
    dissatisfied,
    /// Reopened (重办): each visit answering "not solved" sends the request back; counted, like
    /// `closed`, on the day the request was received.
    reopened,
    /// Requests a supervisor exempted from a bureau's rates (an upheld appeal, an approved final
    /// reply), on the day received, to that bureau. Such a request counts nothing else for it:
    /// none of the counters above, received included.
    exempted,
    /// Return visits that gave stars (on the day made; bureau: the lead).
    rated,
    /// The stars they gave, summed: the average rating is `stars / rated` (Pingshan's 4.59★).
    stars,
    /// Requests answered where they came in and closed on receipt (直办: a 秒回 answer the
    /// citizen accepted, an operator's answer on the call), on the day received. Also in
    /// `received` and `closed`; never dispatched, so in no bureau's work.
    direct,
);

impl Counts {
    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }
}

/// A dimension of the summary: every count is summed once under each (`Key::along`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    Total,
    Bureau,
    Street,
    Community,
    Category,
    Channel,
    Kind,
}

impl Dim {
    pub const ALL: [Dim; 7] =
        [Self::Total, Self::Bureau, Self::Street, Self::Community, Self::Category, Self::Channel, Self::Kind];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Bureau => "bureau",
            Self::Street => "street",
            Self::Community => "community",
            Self::Category => "category",
            Self::Channel => "channel",
            Self::Kind => "kind",
        }
    }
}

impl Key {
    /// The key's value along a dimension ('' where it has none, and for the total).
    pub fn along(&self, dim: Dim) -> String {
        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
        match dim {
            Dim::Total => String::new(),
            Dim::Bureau => text(self.bureau.as_ref().map(|b| b.as_str())),
            Dim::Street => text(self.street.as_ref().map(|a| a.as_str())),
            Dim::Community => text(self.community.as_ref().map(|a| a.as_str())),
            Dim::Category => text(self.category.as_ref().map(|c| c.as_str())),
            Dim::Channel => self.channel.as_str().to_owned(),
            Dim::Kind => self.kind.as_str().to_owned(),
        }
    }
}

/// A request's tallies: its counts per key.
pub type Tallies = BTreeMap<Key, Counts>;

/// What the summary must move by when a request's tallies go from `old` to `new`: the non-zero
/// differences, key by key.
pub fn delta(old: &Tallies, new: &Tallies) -> Vec<(Key, Counts)> {
    let keys: std::collections::BTreeSet<&Key> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let d = new.get(k).copied().unwrap_or_default() - old.get(k).copied().unwrap_or_default();
            (!d.is_zero()).then(|| (k.clone(), d))
        })
        .collect()
}
