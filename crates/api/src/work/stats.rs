//! `GET /api/v1/stats`: the rates of a period, in total and per group, read from the summary the
//! stats role keeps (`jiesu_rates`; never a scan of the requests). The definitions are the
//! domain's (`jiesu_rates::rates`), the weights the deployment's (`[rates]`).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use chrono::{Datelike, Duration, NaiveDate};
use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::district::District;
use jiesu_domain::ports::{Cases, Stats, StatsBy, StatsFilter, StatsQuery, StatsRow, Store};
use jiesu_domain::rates::{Counts, Rate, Rates, Weights};
use jiesu_domain::request::{Channel, Kind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::QueryOf;
use super::tasks::Api;
use crate::ApiError;
use crate::error::ErrorBody;
use crate::staff::Supervising;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsParams {
    /// The first day counted (district time, `2026-12-01`); default: the first of this month.
    pub from: Option<NaiveDate>,
    /// The last day counted; default: today.
    pub to: Option<NaiveDate>,
    /// `total` (default), `bureau`, `street`, `community`, `category` (top level), `category2`,
    /// `category3`, `channel`, `kind`, `day`, `week` (from Monday) or `month`.
    pub by: Option<String>,
    pub bureau: Option<String>,
    pub street: Option<String>,
    pub community: Option<String>,
    /// This category or any below it.
    pub category: Option<String>,
    pub channel: Option<String>,
    pub kind: Option<String>,
}

/// A rate: numerator over denominator, and their quotient (absent when nothing was counted).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RateView {
    pub value: Option<f64>,
    pub numerator: f64,
    pub denominator: i64,
}

impl From<Rate> for RateView {
    fn from(r: Rate) -> Self {
        Self { value: r.value(), numerator: r.numerator, denominator: r.denominator }
    }
}

/// The rates of some counts (README "The rates" defines each).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatesView {
    /// 响应率
    pub response: RateView,
    /// 解决率
    pub resolution: RateView,
    /// 满意率
    pub satisfaction: RateView,
    /// 办结率
    pub closure: RateView,
    /// 按时办结率
    pub on_time: RateView,
    /// 退单率
    pub disclaim: RateView,
    /// 重办率
    pub reopen: RateView,
    /// 直办率: requests answered on receipt (closed, never dispatched) ÷ received
    pub direct: RateView,
    /// Average working hours from dispatch to resolution.
    pub handling_hours: Option<f64>,
    /// Average stars of the return visits that gave stars (1 to 5).
    pub average_stars: Option<f64>,
}

impl RatesView {
    fn of(c: &Counts, w: &Weights) -> Self {
        let r = Rates::of(c, w);
        Self {
            response: r.response.into(),
            resolution: r.resolution.into(),
            satisfaction: r.satisfaction.into(),
            closure: r.closure.into(),
            on_time: r.on_time.into(),
            disclaim: r.disclaim.into(),
            reopen: r.reopen.into(),
            direct: r.direct.into(),
            handling_hours: r.handling_hours,
            average_stars: r.average_stars,
        }
    }
}

/// One group's counts and rates.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsGroup {
    /// The group's code (a bureau, an area, a category, a channel, a kind, a day `2026-12-07`,
    /// a week by its Monday, a month `2026-12`); empty for counts without one (a request no
    /// bureau holds yet, one without a category).
    pub group: String,
    /// Its name in the district's files, where it has one.
    pub name: Option<String>,
    #[schema(value_type = Object)]
    pub counts: Counts,
    pub rates: RatesView,
}

/// The rates of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsAnswer {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: String,
    /// How much a 基本满意 counts towards the satisfaction rate.
    pub basically_satisfied_weight: f64,
    pub total: StatsGroup,
    pub groups: Vec<StatsGroup>,
}

fn invalid(field: &str, why: &str) -> ApiError {
    ApiError::new(axum::http::StatusCode::BAD_REQUEST, "invalid_query", format!("`{field}` {why}"))
}

fn parse_by(raw: Option<&str>) -> Result<(StatsBy, Fold), ApiError> {
    Ok(match raw.unwrap_or("total") {
        "total" => (StatsBy::Nothing, Fold::No),
        "bureau" => (StatsBy::Bureau, Fold::No),
        "street" => (StatsBy::Street, Fold::No),
        "community" => (StatsBy::Community, Fold::No),
        "category" | "category1" => (StatsBy::Category(1), Fold::No),
        "category2" => (StatsBy::Category(2), Fold::No),
        "category3" => (StatsBy::Category(3), Fold::No),
        "channel" => (StatsBy::Channel, Fold::No),
        "kind" => (StatsBy::Kind, Fold::No),
        "day" => (StatsBy::Day, Fold::No),
        "week" => (StatsBy::Day, Fold::Week),
        "month" => (StatsBy::Day, Fold::Month),
        _ => return Err(invalid("by", "is not a grouping this API knows")),
    })
}

/// Days folded into longer periods after the store summed them.
#[derive(Debug, Clone, Copy)]
enum Fold {
    No,
    Week,
    Month,
}

fn fold(rows: Vec<StatsRow>, how: Fold) -> Vec<StatsRow> {
    let period = |day: &str| -> String {
        let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else { return day.to_owned() };
        match how {
            Fold::No => day.to_owned(),
            Fold::Week => (d - Duration::days(i64::from(d.weekday().num_days_from_monday()))).to_string(),
            Fold::Month => format!("{:04}-{:02}", d.year(), d.month()),
        }
    };
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for r in rows {
        *out.entry(period(&r.group)).or_default() += r.counts;
    }
    out.into_iter().map(|(group, counts)| StatsRow { group, counts }).collect()
}

fn name_of(d: &District, by: StatsBy, code: &str) -> Option<String> {
    match by {
        StatsBy::Bureau => d.bureau(&BureauCode::parse(code).ok()?).map(|b| b.name.clone()),
        StatsBy::Street | StatsBy::Community => {
            d.areas().get(&AreaCode::parse(code).ok()?).map(|a| a.name.clone())
        }
        StatsBy::Category(_) => d.taxonomy().get(&CategoryCode::parse(code).ok()?).map(|c| c.name.clone()),
        _ => None,
    }
}

/// A filter's value, if given: trimmed, parsed, or 400 saying what it should have been.
fn given<T>(
    field: &str,
    raw: Option<&String>,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match raw.map(|r| r.trim()).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => parse(r).map(Some).ok_or_else(|| invalid(field, &format!("is not {what}"))),
    }
}

fn filter(p: &StatsParams) -> Result<StatsFilter, ApiError> {
    let area = |r: &str| AreaCode::parse(r).ok();
    Ok(StatsFilter {
        bureau: given("bureau", p.bureau.as_ref(), "a bureau code", |r| BureauCode::parse(r).ok())?,
        street: given("street", p.street.as_ref(), "an area code", area)?,
        community: given("community", p.community.as_ref(), "an area code", area)?,
        category: given("category", p.category.as_ref(), "a category code", |r| CategoryCode::parse(r).ok())?,
        channel: given("channel", p.channel.as_ref(), "a channel", |r| {
            Channel::ALL.into_iter().find(|x| x.as_str() == r)
        })?,
        kind: given("kind", p.kind.as_ref(), "a kind", |r| Kind::ALL.into_iter().find(|x| x.as_str() == r))?,
    })
}

/// The summary keeps each dimension apart (a few hundred rows a day whatever the volume): a
/// query groups by one dimension (filtered to some of its values or not), or filters to one value
/// of one dimension and groups by time.
fn one_dimension(by: StatsBy, f: &StatsFilter) -> Result<(), ApiError> {
    let filtered = [
        ("bureau", f.bureau.is_some(), matches!(by, StatsBy::Bureau)),
        ("street", f.street.is_some(), matches!(by, StatsBy::Street)),
        ("community", f.community.is_some(), matches!(by, StatsBy::Community)),
        ("category", f.category.is_some(), matches!(by, StatsBy::Category(_))),
        ("channel", f.channel.is_some(), matches!(by, StatsBy::Channel)),
        ("kind", f.kind.is_some(), matches!(by, StatsBy::Kind)),
    ];
    let given: Vec<_> = filtered.iter().filter(|(_, on, _)| *on).collect();
    let by_time = matches!(by, StatsBy::Nothing | StatsBy::Day);
    match given.as_slice() {
        [] => Ok(()),
        [(_, _, same)] if by_time || *same => Ok(()),
        [(name, _, _)] => Err(invalid(
            name,
            "filters along another dimension than `by`: group by it, or by time (total, day, week, month)",
        )),
        _ => Err(invalid("by", "takes one filter at a time (the summary keeps each dimension apart)")),
    }
}

/// The rates of a period, in total and per group.
pub(crate) async fn answer<S: Store + Stats>(
    store: &S,
    d: &District,
    weights: &Weights,
    p: &StatsParams,
) -> Result<StatsAnswer, ApiError> {
    let today = jiesu_domain::time::now().with_timezone(&jiesu_domain::time::LOCAL).date_naive();
    let to = p.to.unwrap_or(today);
    let from = p.from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
    if from > to {
        return Err(invalid("from", "is after `to`"));
    }
    if (to - from).num_days() > 3 * 366 {
        return Err(invalid("from", "is more than three years before `to`"));
    }
    let (by, how) = parse_by(p.by.as_deref())?;
    let filter = filter(p)?;
    one_dimension(by, &filter)?;
    let until = to.succ_opt().unwrap_or(to);
    let q = StatsQuery { from, until, by, filter };
    let rows = fold(store.stats_totals(&q).await?, how);
    let mut total = Counts::default();
    for r in &rows {
        total += r.counts;
    }
    let group = |r: StatsRow| StatsGroup {
        name: name_of(d, by, &r.group),
        rates: RatesView::of(&r.counts, weights),
        group: r.group,
        counts: r.counts,
    };
    Ok(StatsAnswer {
        from,
        to,
        by: p.by.clone().unwrap_or_else(|| "total".to_owned()),
        basically_satisfied_weight: weights.basically_satisfied,
        total: group(StatsRow { group: String::new(), counts: total }),
        groups: if by == StatsBy::Nothing { Vec::new() } else { rows.into_iter().map(group).collect() },
    })
}

/// The rates of a period
///
/// Who: supervisors, admins. From the summary the stats role keeps: a change to a request
/// reaches it within moments of its event.
#[utoipa::path(
    get, operation_id = "stats", path = "/api/v1/stats", tag = "supervisors", params(StatsParams),
    responses(
        (status = 200, body = StatsAnswer), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub(super) async fn stats<S: Store + Cases + Stats>(
    State(api): Api<S>,
    Supervising(_): Supervising,
    QueryOf(p): QueryOf<StatsParams>,
) -> Result<Json<StatsAnswer>, ApiError> {
    let d = api.workflow.district();
    Ok(Json(answer(api.workflow.store(), &d, &api.weights, &p).await?))
}
