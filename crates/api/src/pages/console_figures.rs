//! What the console and the printed report read: a month's figures from the summary tables (the
//! same `answer` as `GET /api/v1/stats`), for the district or one bureau, street or category, with the
//! month before, the district's bureaus and streets, and the trend by month, week or day.

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
    /// One category's figures (and everything below it); a bureau or street, if given, wins.
    pub(super) category: Option<String>,
    /// The trend by `month` (the twelve months to the chosen one, default), `week` (twelve weeks)
    /// or `day` (the chosen month's days).
    pub(super) trend: Option<String>,
}

/// What the console narrows to: at most one of these (the summary is filtered by one value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Scope {
    pub(super) bureau: Option<String>,
    pub(super) street: Option<String>,
    pub(super) category: Option<String>,
}

impl Scope {
    pub(super) fn is_district(&self) -> bool {
        *self == Self::default()
    }
}

impl ConsoleQuery {
    /// The scope as the stats' filter: the first given of bureau, street, category.
    pub(super) fn scope(&self) -> Scope {
        let given =
            |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        match (given(&self.bureau), given(&self.street), given(&self.category)) {
            (Some(b), _, _) => Scope { bureau: Some(b), ..Scope::default() },
            (None, Some(s), _) => Scope { street: Some(s), ..Scope::default() },
            (None, None, c) => Scope { category: c, ..Scope::default() },
        }
    }

    fn trend_by(&self) -> &'static str {
        match self.trend.as_deref() {
            Some("week") => "week",
            Some("day") => "day",
            _ => "month",
        }
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

/// A month's figures (`month` as `2026-12`; default: this month), for the district or the one
/// bureau or street asked for, and the month's first day: the month, the one before, by bureau
/// and by street (the district's only), and the trend.
pub(super) async fn figures<S: Store + Cases + Stats>(
    pages: &Pages<S>,
    q: &ConsoleQuery,
) -> Result<(NaiveDate, Figures), crate::ApiError> {
    let month = q.month.as_deref();
    let api = &pages.work;
    let d = api.workflow.district();
    let store = api.workflow.store();
    let today = jiesu_domain::time::now().with_timezone(&jiesu_domain::time::LOCAL).date_naive();
    let (from, to) = month_of(month, today);
    let (prev_from, prev_to) =
        month_of(Some(&(from - chrono::Duration::days(1)).format("%Y-%m").to_string()), today);
    let trend_by = q.trend_by();
    let trend_from = match trend_by {
        "day" => from,
        // Twelve weeks, the first from its Monday.
        "week" => {
            let start = to - chrono::Duration::weeks(11);
            start - chrono::Duration::days(i64::from(start.weekday().num_days_from_monday()))
        }
        _ => from.checked_sub_months(Months::new(11)).unwrap_or(from),
    };
    let w = &api.weights;
    let scope = q.scope();
    let scoped = |from, to, by: &str| StatsParams {
        bureau: scope.bureau.clone(),
        street: scope.street.clone(),
        category: scope.category.clone(),
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
    Ok((from, f))
}

/// The last day of the month `first` begins.
pub(super) fn last_day(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first)
}
