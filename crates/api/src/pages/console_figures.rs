//! What the console and the printed report read: a period's figures from the summary tables (the
//! same `answer` as `GET /api/v1/stats`): a month, or any range of days; for the district or one
//! bureau, street, community, category, channel or kind; with the period before (the month
//! before, or as many days just before), the district's bureaus and streets, and the trend by
//! month, week or day.

use chrono::{Datelike, Months, NaiveDate};
use jiesu_domain::ports::{Cases, Stats, Store};
use serde::Deserialize;

use super::Pages;
use crate::work::stats::{StatsAnswer, StatsParams, answer};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConsoleQuery {
    /// `2026-12`; default: this month.
    pub(super) month: Option<String>,
    /// One bureau's figures (its code) instead of the district's.
    pub(super) bureau: Option<String>,
    /// One street's figures (its area code); a bureau, if given, wins.
    pub(super) street: Option<String>,
    /// One community's figures (its area code); a bureau or street, if given, wins.
    pub(super) community: Option<String>,
    /// One category's figures (and everything below it); any of the above, if given, wins.
    pub(super) category: Option<String>,
    /// One channel's figures (`web`, `wechat`, `hotline`, `open311`); any of the above wins.
    pub(super) channel: Option<String>,
    /// One kind's figures (`help`, `complaint`, `report`, ...); any of the above wins.
    pub(super) kind: Option<String>,
    /// What colours the streets' map: `received` (default), `satisfaction`, `closure`, `response`.
    pub(super) colour: Option<String>,
    /// A range of days instead of a month: its first day (`2026-11-15`) ...
    pub(super) from: Option<String>,
    /// ... and its last (both needed, at most two years apart).
    pub(super) to: Option<String>,
    /// The trend by `month` (the twelve months to the chosen one, default), `week` (twelve weeks)
    /// or `day` (the chosen month's days).
    pub(super) trend: Option<String>,
}

/// A scope of one value along one dimension.
type ScopeOf = fn(String) -> Scope;

/// What the console narrows to: at most one of these (the summary is filtered by one value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Scope {
    pub(super) bureau: Option<String>,
    pub(super) street: Option<String>,
    pub(super) community: Option<String>,
    pub(super) category: Option<String>,
    pub(super) channel: Option<String>,
    pub(super) kind: Option<String>,
}

impl Scope {
    pub(super) fn is_district(&self) -> bool {
        *self == Self::default()
    }
}

impl ConsoleQuery {
    /// The scope as the stats' filter: the first given of bureau, street, community, category,
    /// channel, kind.
    pub(super) fn scope(&self) -> Scope {
        let given =
            |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let picks: [(Option<String>, ScopeOf); 6] = [
            (given(&self.bureau), |v| Scope { bureau: Some(v), ..Scope::default() }),
            (given(&self.street), |v| Scope { street: Some(v), ..Scope::default() }),
            (given(&self.community), |v| Scope { community: Some(v), ..Scope::default() }),
            (given(&self.category), |v| Scope { category: Some(v), ..Scope::default() }),
            (given(&self.channel), |v| Scope { channel: Some(v), ..Scope::default() }),
            (given(&self.kind), |v| Scope { kind: Some(v), ..Scope::default() }),
        ];
        picks.into_iter().find_map(|(v, make)| v.map(make)).unwrap_or_default()
    }

    /// The same page with `colour` set: the period and the trend kept (the map is the district's,
    /// so no scope).
    pub(super) fn with_colour(&self, colour: &str) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("month", &self.month), ("from", &self.from), ("to", &self.to), ("trend", &self.trend)]
        {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                out.append_pair(k, v);
            }
        }
        out.append_pair("colour", colour);
        format!("/staff/console?{}", out.finish())
    }

    /// How many scopes were asked for (only the first is applied).
    pub(super) fn scopes_asked(&self) -> usize {
        [&self.bureau, &self.street, &self.community, &self.category, &self.channel, &self.kind]
            .into_iter()
            .filter(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
            .count()
    }

    fn trend_by(&self) -> &'static str {
        match self.trend.as_deref() {
            Some("week") => "week",
            Some("day") => "day",
            _ => "month",
        }
    }
}

/// The longest range of days the console takes.
const MAX_RANGE_DAYS: i64 = 731;

/// The period shown and the one it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Period {
    pub(super) from: NaiveDate,
    pub(super) to: NaiveDate,
    pub(super) before_from: NaiveDate,
    pub(super) before_to: NaiveDate,
    /// A range of days asked for, rather than a month.
    pub(super) range: bool,
}

impl Period {
    /// A range of days when both ends are given and make sense, else the month asked for (or
    /// this one). A range is compared with as many days just before it; a month with the month
    /// before.
    pub(super) fn of(q: &ConsoleQuery, today: NaiveDate) -> Self {
        let day = |v: &Option<String>| {
            v.as_deref().and_then(|v| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok())
        };
        if let (Some(from), Some(to)) = (day(&q.from), day(&q.to))
            && from <= to
            && (to - from).num_days() < MAX_RANGE_DAYS
        {
            let days = (to - from).num_days() + 1;
            let before_to = from - chrono::Duration::days(1);
            let before_from = from - chrono::Duration::days(days);
            return Self { from, to, before_from, before_to, range: true };
        }
        let (from, to) = month_of(q.month.as_deref(), today);
        let (before_from, before_to) =
            month_of(Some(&(from - chrono::Duration::days(1)).format("%Y-%m").to_string()), today);
        Self { from, to, before_from, before_to, range: false }
    }
}

/// The month shown: its first day and its last.
fn month_of(raw: Option<&str>, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = raw
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    (first, last_day(first))
}

fn params(from: NaiveDate, to: NaiveDate, by: &str) -> StatsParams {
    StatsParams { from: Some(from), to: Some(to), by: Some(by.to_owned()), ..StatsParams::default() }
}

/// The figures of one console page (and of the printed report).
pub(super) struct Figures {
    pub(super) now: StatsAnswer,
    pub(super) before: StatsAnswer,
    /// By bureau and by street: the district's console only (a scoped one has one of each).
    pub(super) bureaus: Option<StatsAnswer>,
    pub(super) streets: Option<StatsAnswer>,
    pub(super) trend: StatsAnswer,
    pub(super) trend_by: &'static str,
}

/// A period's figures (`Period::of`), for the district or the one scope asked for: the period,
/// the one before, by bureau and by street (the district's only), and the trend.
pub(super) async fn figures<S: Store + Cases + Stats>(
    pages: &Pages<S>,
    q: &ConsoleQuery,
) -> Result<(Period, Figures), crate::ApiError> {
    let api = &pages.work;
    let d = api.workflow.district();
    let store = api.workflow.store();
    let today = jiesu_domain::time::now().with_timezone(&jiesu_domain::time::LOCAL).date_naive();
    let period = Period::of(q, today);
    let Period { from, to, before_from: prev_from, before_to: prev_to, .. } = period;
    let trend_by = q.trend_by();
    let trend_from = match trend_by {
        "day" => from,
        // Twelve weeks, the first from its Monday.
        "week" => {
            let start = to - chrono::Duration::weeks(11);
            start - chrono::Duration::days(i64::from(start.weekday().num_days_from_monday()))
        }
        // Twelve months to the period's last (a longer range: from its first).
        _ => to.with_day(1).and_then(|m| m.checked_sub_months(Months::new(11))).unwrap_or(from).min(from),
    };
    let w = &api.weights;
    let scope = q.scope();
    let scoped = |from, to, by: &str| StatsParams {
        bureau: scope.bureau.clone(),
        street: scope.street.clone(),
        community: scope.community.clone(),
        category: scope.category.clone(),
        channel: scope.channel.clone(),
        kind: scope.kind.clone(),
        ..params(from, to, by)
    };
    let district_wide = scope.is_district();
    let f = Figures {
        now: answer(store, &d, w, &scoped(from, to, "total")).await?,
        before: answer(store, &d, w, &scoped(prev_from, prev_to, "total")).await?,
        bureaus: if district_wide {
            Some(answer(store, &d, w, &params(from, to, "bureau")).await?)
        } else {
            None
        },
        streets: if district_wide {
            Some(answer(store, &d, w, &params(from, to, "street")).await?)
        } else {
            None
        },
        trend: answer(store, &d, w, &scoped(trend_from, to, trend_by)).await?,
        trend_by,
    };
    Ok((period, f))
}

/// The last day of the month `first` begins.
fn last_day(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(month: Option<&str>, from: Option<&str>, to: Option<&str>) -> ConsoleQuery {
        ConsoleQuery {
            month: month.map(str::to_owned),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            ..ConsoleQuery::default()
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_range_is_compared_with_as_many_days_before_and_a_bad_one_falls_back_to_the_month() {
        let today = day("2026-12-07");
        let p = Period::of(&q(None, Some("2026-11-10"), Some("2026-11-19")), today);
        assert!(p.range);
        assert_eq!((p.before_from, p.before_to), (day("2026-10-31"), day("2026-11-09")), "ten days before");
        let month = Period::of(&q(Some("2026-03"), None, None), today);
        assert_eq!(
            (month.from, month.to, month.before_from, month.before_to),
            (day("2026-03-01"), day("2026-03-31"), day("2026-02-01"), day("2026-02-28"))
        );
        for (from, to) in [("2026-11-19", "2026-11-10"), ("2023-01-01", "2026-11-10"), ("2026-11-10", "bad")]
        {
            let p = Period::of(&q(None, Some(from), Some(to)), today);
            assert!(!p.range, "{from}..{to}");
            assert_eq!(p.from, day("2026-12-01"), "this month instead");
        }
    }

    #[test]
    fn the_first_scope_given_applies_and_blank_ones_are_not_counted() {
        let asked = ConsoleQuery {
            street: Some(" ".to_owned()),
            community: Some("pingshan.kengzi.x".to_owned()),
            channel: Some("web".to_owned()),
            ..ConsoleQuery::default()
        };
        assert_eq!(
            asked.scope(),
            Scope { community: Some("pingshan.kengzi.x".to_owned()), ..Scope::default() }
        );
        assert_eq!(asked.scopes_asked(), 2);
        assert!(ConsoleQuery::default().scope().is_district());
    }
}
