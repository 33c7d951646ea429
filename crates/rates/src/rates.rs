//! The rates, defined once (README "The rates" quotes these definitions):
//!
//! | rate | numerator | denominator |
//! |---|---|---|
//! | 响应率 response | tasks claimed within the response limit | tasks dispatched |
//! | 解决率 resolution | return visits answering "solved" | return visits |
//! | 满意率 satisfaction | 满意 + 基本满意 × `weights.basically_satisfied` | visits that rated (满意, 基本满意, 不满意) |
//! | 办结率 closure | of the requests received, those closed | requests received |
//! | 按时办结率 on time | tasks resolved by their deadline (an approved extension moves it) | tasks resolved |
//! | 退单率 disclaim | disclaims | tasks dispatched |
//! | 重办率 reopen | of the requests received, visits answering "not solved" (each sends one back) | of those, requests closed |
//!
//! and the average handling time: working hours from dispatch to resolution per resolved task,
//! and the average rating: the stars return visits gave, per visit that gave stars.
//! A request a supervisor exempted for a bureau (an upheld appeal of an unfair return visit, an
//! approved final reply) counts in none of these for that bureau; it is counted as `exempted`.
//! Each is over one period's counts, numerator and denominator counted on the same day so the
//! rate stays within its bounds: a response on its task's dispatch day, a closing or reopening on
//! its request's day of receipt (a month's 办结率 is the share of that month's requests closed so
//! far), a visit's answers on the visit's day.

use serde::{Deserialize, Serialize};

use crate::counts::Counts;

/// How the rates weigh their parts (the exact weights differ by city and change: configurable).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// How much a 基本满意 counts towards the satisfaction rate (1.0: as much as 满意).
    pub basically_satisfied: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self { basically_satisfied: 1.0 }
    }
}

/// A rate as a fraction; no value when nothing was counted (0 of 0 is not 0%).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    pub numerator: f64,
    pub denominator: i64,
}

impl Rate {
    fn of(numerator: f64, denominator: i64) -> Self {
        Self { numerator, denominator }
    }

    /// The quotient (between 0 and 1 for every rate but the reopening one, where a request can
    /// come back more than once).
    pub fn value(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator / self.denominator as f64)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rates {
    pub response: Rate,
    pub resolution: Rate,
    pub satisfaction: Rate,
    pub closure: Rate,
    pub on_time: Rate,
    pub disclaim: Rate,
    pub reopen: Rate,
    /// 直办率: the share of requests answered on receipt, never dispatched.
    pub direct: Rate,
    /// Working hours from dispatch to resolution, per resolved task.
    pub handling_hours: Option<f64>,
    /// Stars per return visit that gave stars (1 to 5).
    pub average_stars: Option<f64>,
}

impl Rates {
    pub fn of(c: &Counts, w: &Weights) -> Self {
        let n = |v: i64| v as f64;
        let rated = c.satisfied + c.basically_satisfied + c.dissatisfied;
        Self {
            response: Rate::of(n(c.responded), c.dispatched),
            resolution: Rate::of(n(c.solved), c.visits),
            satisfaction: Rate::of(n(c.satisfied) + n(c.basically_satisfied) * w.basically_satisfied, rated),
            closure: Rate::of(n(c.closed), c.received),
            on_time: Rate::of(n(c.resolved_on_time), c.resolved),
            disclaim: Rate::of(n(c.disclaimed), c.dispatched),
            reopen: Rate::of(n(c.reopened), c.closed),
            direct: Rate::of(n(c.direct), c.received),
            handling_hours: (c.resolved > 0).then(|| n(c.handling_minutes) / 60.0 / n(c.resolved)),
            average_stars: (c.rated > 0).then(|| n(c.stars) / n(c.rated)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weight_counts_basically_satisfied_in_part_and_nothing_counted_is_no_rate() {
        let c = Counts { satisfied: 6, basically_satisfied: 2, dissatisfied: 2, ..Counts::default() };
        let r = Rates::of(&c, &Weights { basically_satisfied: 0.5 });
        assert_eq!(r.satisfaction.value(), Some(0.7));
        assert_eq!(Rates::of(&c, &Weights::default()).satisfaction.value(), Some(0.8));
        assert_eq!(r.response.value(), None, "no task dispatched: no response rate");
        assert_eq!(r.handling_hours, None);
        assert_eq!(r.average_stars, None, "no stars given: no average");
        let direct = Counts { received: 8, closed: 3, direct: 2, ..Counts::default() };
        assert_eq!(Rates::of(&direct, &Weights::default()).direct.value(), Some(0.25));
        let rated = Counts { rated: 4, stars: 17, ..Counts::default() };
        assert_eq!(Rates::of(&rated, &Weights::default()).average_stars, Some(4.25));
    }
}
