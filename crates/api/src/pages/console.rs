//! The supervisors' console (`/staff/console`, 督办台): a month's (or any range of days') rates,
//! for the district or one bureau, street, community, category, channel or kind, with their change
//! against the period before, the bureaus' ranking, the streets on the district's own map, and a
//! year's trend, each chart drawn by ECharts with its table beside it (the tables are the page;
//! the charts are a reading aid, and the page reads and prints without them). Every figure comes from
//! `GET /api/v1/stats`'s answer (`work::stats::answer`), so the page and the API never disagree.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use jiesu_domain::area::AreaCode;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::district::District;
use jiesu_domain::ports::{Accounts, Cases, Stats, Store};
use jiesu_words::Lang;
use jiesu_words::names::{area_name, bureau_name};
use maud::{Markup, html};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::Pages;
pub(super) use super::console_figures::{ConsoleQuery, Figures, Period, figures};
use super::console_filters::{form as filters, period_name, scope_name};
use super::layout::{self, Section};
use super::session::{Checked, Viewer};
use super::{State, map, words};
use crate::staff::Supervising;
use crate::work::stats::{RateView, RatesView, StatsGroup};

/// A supervisor or administrator at a console page: anyone else gets the 403 page before the
/// handler runs, so no console handler can forget to ask.
pub(crate) struct Supervisor<S>(pub Viewer<S>);

impl<S: Store + Cases + Accounts> FromRequestParts<Arc<Pages<S>>> for Supervisor<S> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<Pages<S>>) -> Result<Self, Response> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        if viewer.me.is(Supervising::ROLES) { Ok(Self(viewer)) } else { Err(forbidden(viewer.lang)) }
    }
}

/// A supervisor's or administrator's console form, its token checked.
pub(crate) struct SupervisorForm<S, T>(pub Checked<S, T>);

impl<S: Store + Cases + Accounts, T: DeserializeOwned> FromRequest<Arc<Pages<S>>> for SupervisorForm<S, T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<Pages<S>>) -> Result<Self, Response> {
        let checked = Checked::from_request(req, state).await?;
        if checked.viewer.me.is(Supervising::ROLES) {
            Ok(Self(checked))
        } else {
            Err(forbidden(checked.viewer.lang))
        }
    }
}

/// The console's pages answer everyone but supervisors and administrators with this.
pub(super) fn forbidden(lang: Lang) -> Response {
    let why = lang
        .pick("督办台只对督办人员和系统管理员开放。", "The console is for supervisors and administrators.");
    layout::error_page(lang, StatusCode::FORBIDDEN, why)
}

/// `GET /staff/console`.
pub(crate) async fn console<S: Store + Cases + Accounts + Stats>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
    Query(q): Query<ConsoleQuery>,
) -> Response {
    let lang = viewer.lang;
    let d = pages.work.workflow.district();
    match figures(&pages, &q).await {
        Ok((period, f)) => {
            let title = lang.pick("督办台", "Supervision console");
            let body = body(&d, lang, &period, &f, &q);
            layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Console, title, body))
        }
        Err(e) => layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    }
}

/// A rate in percent with one decimal, or a dash when nothing was counted.
pub(super) fn percent(r: &RateView) -> String {
    r.value.map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

/// The change from the last period (the month before, or as many days before a range) in
/// percentage points, in words.
fn change(now: &RateView, before: &RateView, range: bool, lang: Lang) -> Option<String> {
    let (a, b) = (now.value?, before.value?);
    let pp = (a - b) * 100.0;
    Some(match (lang, range) {
        (Lang::Zh, false) => format!("较上月 {pp:+.1} 个百分点"),
        (Lang::Zh, true) => format!("较上期 {pp:+.1} 个百分点"),
        (Lang::En, false) => format!("{pp:+.1} pp on last month"),
        (Lang::En, true) => format!("{pp:+.1} pp on the period before"),
    })
}

/// A rate the console shows: its element id, its name, and where it is in an answer.
type Shown = (&'static str, &'static str, fn(&RatesView) -> &RateView);

/// The rates the console shows, in order.
pub(super) fn rates(lang: Lang) -> [Shown; 7] {
    [
        ("response", lang.pick("响应率", "Response"), |r| &r.response),
        ("resolution", lang.pick("解决率", "Resolution"), |r| &r.resolution),
        ("satisfaction", lang.pick("满意率", "Satisfaction"), |r| &r.satisfaction),
        ("closure", lang.pick("办结率", "Closure"), |r| &r.closure),
        ("on-time", lang.pick("按时办结率", "On time"), |r| &r.on_time),
        ("disclaim", lang.pick("退单率", "Disclaims"), |r| &r.disclaim),
        ("reopen", lang.pick("重办率", "Reopened"), |r| &r.reopen),
    ]
}

fn body(d: &District, lang: Lang, period: &Period, f: &Figures, q: &ConsoleQuery) -> Markup {
    let (now, before) = (&f.now.total, &f.before.total);
    let month = period.from;
    let (this, last) = if period.range {
        (lang.pick("本期", "This period"), lang.pick("上期 ", "the period before "))
    } else {
        (lang.pick("本月", "This month"), lang.pick("上月 ", "last month "))
    };
    html! {
        h1 { (lang.pick("督办台", "Supervision console")) }
        p.muted {
            (lang.pick("范围：", "Scope: ")) span #scope-name { (scope_name(d, lang, &q.scope())) }
            (lang.pick("；时段：", "; period: ")) span #period-name { (period_name(period, lang)) }
        }
        (filters(d, lang, period, q, f.trend_by))
        p.small #console-links {
            a href="/staff/console/escalations" { (lang.pick("升级事项", "Escalations")) }
            " · "
            a #link-extensions href="/staff/console/extensions" { (lang.pick("延期审批", "Extensions to decide")) }
            " · "
            a #link-exemptions href="/staff/console/exemptions" { (lang.pick("申诉与最终答复", "Appeals and final replies")) }
            " · "
            a #link-rules href="/staff/console/rules" { (lang.pick("规则审定", "Proposed rules")) }
            " · "
            a #link-meetings href="/staff/console/meetings" { (lang.pick("协调会日程", "Meetings by date")) }
            " · "
            a #link-hotspots href="/staff/console/hotspots" { (lang.pick("热点", "Hotspots")) }
            " · "
            a #link-notices href="/staff/console/notices" { (lang.pick("未送达通知", "Notices not delivered")) }
            " · "
            a #link-report href={ "/staff/console/report?month=" (month.format("%Y-%m")) } { (lang.pick("打印月报", "Monthly report")) }
        }
        p.small #exports {
            (this) (lang.pick("诉求导出：", "'s requests: "))
            a href={ "/api/v1/exports/requests.csv?from=" (period.from) "&to=" (period.to) } hx-boost="false" download { "CSV" }
            " · "
            a href={ "/api/v1/exports/requests.xlsx?from=" (period.from) "&to=" (period.to) } hx-boost="false" download { "Excel (XLSX)" }
        }
        section aria-labelledby="h-rates" {
            h2 #h-rates { (this) (lang.pick("三率及其他指标", "'s rates")) }
            div.kpis #kpis {
                div.kpi #kpi-received {
                    span.kpi-name { (lang.pick("受理量", "Received")) }
                    strong.kpi-value { (now.counts.received) }
                    span.kpi-change { (last) (before.counts.received) }
                    @if now.counts.exempted > 0 {
                        span.kpi-change #kpi-exempted { (lang.pick("另剔除 ", "exempted ")) (now.counts.exempted) }
                    }
                }
                @for (code, name, pick) in rates(lang) {
                    div.kpi id={ "kpi-" (code) } {
                        span.kpi-name { (name) }
                        strong.kpi-value { (percent(pick(&now.rates))) }
                        @if let Some(c) = change(pick(&now.rates), pick(&before.rates), period.range, lang) { span.kpi-change { (c) } }
                    }
                }
                div.kpi #kpi-hours {
                    span.kpi-name { (lang.pick("平均办理时长", "Average handling")) }
                    strong.kpi-value { (now.rates.handling_hours.map_or_else(|| "—".to_owned(), |h| format!("{h:.1} h"))) }
                    span.kpi-change { (lang.pick("工作时间（小时）", "working hours")) }
                }
                div.kpi #kpi-stars {
                    span.kpi-name { (lang.pick("平均星级", "Average rating")) }
                    strong.kpi-value { (now.rates.average_stars.map_or_else(|| "—".to_owned(), |s| format!("{s:.2}★"))) }
                    span.kpi-change { (lang.pick("评价人数 ", "rated by ")) (now.counts.rated) }
                }
                div.kpi #kpi-direct {
                    span.kpi-name { (lang.pick("直办", "Answered on receipt")) }
                    strong.kpi-value { (now.counts.direct) }
                    span.kpi-change { (lang.pick("占受理 ", "of received ")) (percent(&now.rates.direct)) }
                }
            }
            (definitions(lang, f.now.basically_satisfied_weight, false))
        }
        @if let Some(b) = &f.bureaus { (ranking(d, lang, &b.groups)) }
        @if let Some(s) = &f.streets { (streets(d, lang, &s.groups, q)) }
        (trend(lang, &f.trend.groups, f.trend_by))
        script src=(jiesu_assets::href("echarts.min.js")) {}
        script src=(jiesu_assets::href("console.js")) {}
    }
}

/// How each rate is counted; `open` for print, where a closed `details` would hide it.
pub(super) fn definitions(lang: Lang, weight: f64, open: bool) -> Markup {
    html! {
        details.small open[open] {
            summary { (lang.pick("指标口径", "How each rate is counted")) }
            @if lang == Lang::Zh {
                ul {
                    li { "响应率 = 时限内签收的任务 ÷ 派发的任务（按派发日计）" }
                    li { "解决率 = 回访答“已解决”的次数 ÷ 回访次数" }
                    li { "满意率 = （满意 + 基本满意 × " (weight) "）÷ 作出评价的回访" }
                    li { "办结率 = 本期受理的诉求中已办结的 ÷ 本期受理的诉求" }
                    li { "按时办结率 = 期限内办结的任务（含批准的延期）÷ 办结的任务" }
                    li { "退单率 = 退单次数 ÷ 派发的任务" }
                    li { "重办率 = 本期受理的诉求回访答“未解决”而重办的次数 ÷ 其中已办结的诉求" }
                    li { "平均星级 = 回访所给星级之和 ÷ 给出星级的回访" }
                    li { "直办 = 受理时当场答复并办结、未派发的诉求（市民采纳了秒回答复，或话务员在通话中解答）" }
                    li { "经督办审核剔除的诉求（申诉成立、同意最终答复）不计入该单位的任何指标，单列为“剔除”件数" }
                }
            } @else {
                ul {
                    li { "Response: tasks claimed within their limit ÷ tasks dispatched (by dispatch day)" }
                    li { "Resolution: visits answering “solved” ÷ visits" }
                    li { "Average rating: the stars return visits gave ÷ visits that gave stars" }
                    li { "Answered on receipt (直办): requests answered where they came in and closed without dispatch (a 秒回 answer the citizen accepted, an operator's answer on the call)" }
                    li { "Satisfaction: (satisfied + basically satisfied × " (weight) ") ÷ visits that rated" }
                    li { "Closure: of the period's requests, those closed ÷ the period's requests" }
                    li { "On time: tasks resolved by their deadline (extensions counted) ÷ tasks resolved" }
                    li { "Disclaims: disclaims ÷ tasks dispatched" }
                    li { "Reopened: the period's requests sent back by a visit answering “not solved” ÷ those of them closed" }
                    li { "Requests a supervisor exempted (an upheld appeal, an approved final reply) count in none of the bureau's figures; they are counted apart as “exempted”" }
                }
            }
        }
    }
}

/// A chart for ECharts to draw (its option as JSON); the table beside it carries the same figures.
fn chart(id: &str, label: &str, option: &serde_json::Value) -> Markup {
    html! { div.chart id=(id) role="img" aria-label=(label) data-chart=(option.to_string()) {} }
}

/// The bureaus with work this period, by satisfaction, then by response, those without a rate last.
pub(super) fn ranked(groups: &[StatsGroup]) -> Vec<&StatsGroup> {
    let mut rows: Vec<&StatsGroup> = groups.iter().filter(|g| !g.group.is_empty()).collect();
    let key = |g: &&StatsGroup| {
        let v = |r: &RateView| r.value.unwrap_or(-1.0);
        (-(v(&g.rates.satisfaction) * 1e6).round() as i64, -(v(&g.rates.response) * 1e6).round() as i64)
    };
    rows.sort_by_key(key);
    rows
}

/// The ranking's head and rows (the console's table and the printed report's).
pub(super) fn ranking_rows(d: &District, lang: Lang, rows: &[&StatsGroup]) -> Markup {
    let name = |g: &StatsGroup| {
        BureauCode::parse(&g.group).map_or_else(|_| g.group.clone(), |b| bureau_name(d, &b, lang))
    };
    html! {
        thead { tr {
            th scope="col" { "#" }
            th.text scope="col" { (lang.pick("单位", "Bureau")) }
            th scope="col" { (lang.pick("派单", "Dispatched")) }
            @for (_, n, _) in rates(lang) { th scope="col" { (n) } }
        } }
        tbody {
            @for (i, g) in rows.iter().enumerate() {
                tr {
                    td { (i + 1) }
                    th scope="row" { (name(g)) }
                    td { (g.counts.dispatched) }
                    @for (_, _, pick) in rates(lang) { td { (percent(pick(&g.rates))) } }
                }
            }
        }
    }
}

fn ranking(d: &District, lang: Lang, groups: &[StatsGroup]) -> Markup {
    let rows = ranked(groups);
    let name = |g: &StatsGroup| {
        BureauCode::parse(&g.group).map_or_else(|_| g.group.clone(), |b| bureau_name(d, &b, lang))
    };
    let option = json!({
        "grid": { "left": 8, "right": 16, "top": 8, "bottom": 8, "containLabel": true },
        "xAxis": { "type": "value", "max": 100 },
        "yAxis": { "type": "category", "inverse": true, "data": rows.iter().map(|g| name(g)).collect::<Vec<_>>() },
        "series": [{ "type": "bar", "name": lang.pick("满意率", "Satisfaction"),
            "data": rows.iter().map(|g| g.rates.satisfaction.value.map(|v| (v * 1000.0).round() / 10.0)).collect::<Vec<_>>() }],
        "tooltip": { "trigger": "axis" },
    });
    html! {
        section.card aria-labelledby="h-ranking" {
            h2 #h-ranking { (lang.pick("单位排名（按满意率）", "Bureaus ranked by satisfaction")) }
            @if rows.is_empty() {
                p.muted { (lang.pick("该时段尚无派单。", "Nothing dispatched in this period yet.")) }
            } @else {
                div.split {
                    (chart("chart-ranking", lang.pick("各单位满意率条形图", "Bar chart of each bureau's satisfaction"), &option))
                    div.table-wrap tabindex="0" role="region" aria-label=(lang.pick("单位排名表", "Bureau ranking table")) {
                        table #ranking { (ranking_rows(d, lang, &rows)) }
                    }
                }
            }
        }
    }
}

/// What may colour the streets' map: its query value, its name, and the figure (a rate as a
/// fraction; `None` where nothing was counted).
type Colouring = (&'static str, &'static str, fn(&StatsGroup) -> Option<f64>);

fn colourings(lang: Lang) -> [Colouring; 4] {
    [
        ("received", lang.pick("受理量", "requests received"), |g| Some(g.counts.received as f64)),
        ("satisfaction", lang.pick("满意率", "satisfaction"), |g| g.rates.satisfaction.value),
        ("closure", lang.pick("办结率", "closure"), |g| g.rates.closure.value),
        ("response", lang.pick("响应率", "response"), |g| g.rates.response.value),
    ]
}

/// The streets on the district's map, coloured by volume or by a rate (a rate's colours spread
/// from the lowest street's to the highest's, so close rates still differ), with their table.
fn streets(d: &District, lang: Lang, groups: &[StatsGroup], q: &ConsoleQuery) -> Markup {
    let all = colourings(lang);
    let chosen = all.iter().find(|c| Some(c.0) == q.colour.as_deref()).unwrap_or(&all[0]);
    let (by, by_name, figure) = *chosen;
    let found = |code: &AreaCode| groups.iter().find(|g| g.group == code.as_str());
    let words = |g: &StatsGroup| match lang {
        Lang::Zh => format!(
            "受理 {} 件，办结率 {}，满意率 {}",
            g.counts.received,
            percent(&g.rates.closure),
            percent(&g.rates.satisfaction)
        ),
        Lang::En => format!(
            "{} received, closure {}, satisfaction {}",
            g.counts.received,
            percent(&g.rates.closure),
            percent(&g.rates.satisfaction)
        ),
    };
    let values: Vec<f64> = groups.iter().filter(|g| !g.group.is_empty()).filter_map(figure).collect();
    let low = if by == "received" { 0.0 } else { values.iter().copied().fold(f64::INFINITY, f64::min) };
    let shade = |code: &AreaCode| {
        let g = found(code)?;
        // Above the lowest, so the lowest street is the lightest colour rather than blank.
        Some((figure(g)? - low + 1e-9, words(g)))
    };
    let label = match lang {
        Lang::Zh => format!("各街道{by_name}分布图（颜色越深{by_name}越高）"),
        Lang::En => format!("Map of the streets by {by_name} (darker: higher)"),
    };
    html! {
        section.card aria-labelledby="h-streets" {
            h2 #h-streets { (lang.pick("各街道", "Streets")) }
            p.small #map-colour {
                (lang.pick("地图着色：", "Colour the map by: "))
                @for (i, (code, name, _)) in all.iter().enumerate() {
                    @if i > 0 { " · " }
                    @if *code == by { strong aria-current="true" { (name) } }
                    @else { a href=(q.with_colour(code)) hx-boost="false" { (name) } }
                }
            }
            div.split {
                @if let Some(m) = map::streets_map(d, shade, &label, lang) { (m) }
                div.table-wrap tabindex="0" role="region" aria-label=(lang.pick("各街道数据表", "Streets table")) {
                    table #streets { (volume_rows(lang, lang.pick("街道", "Street"), groups, |g| street_name(d, g, lang))) }
                }
            }
        }
    }
}

/// A street's name, from its group's code.
pub(super) fn street_name(d: &District, g: &StatsGroup, lang: Lang) -> String {
    AreaCode::parse(&g.group).map_or_else(|_| g.group.clone(), |a| area_name(d, &a, lang))
}

/// Received, closure and satisfaction of each group with a code (the streets', the months'):
/// the console's tables and the printed report's.
pub(super) fn volume_rows(
    lang: Lang,
    head: &str,
    groups: &[StatsGroup],
    label: impl Fn(&StatsGroup) -> String,
) -> Markup {
    html! {
        thead { tr {
            th scope="col" { (head) }
            th scope="col" { (lang.pick("受理", "Received")) }
            th scope="col" { (lang.pick("办结率", "Closure")) }
            th scope="col" { (lang.pick("满意率", "Satisfaction")) }
        } }
        tbody {
            @for g in groups.iter().filter(|g| !g.group.is_empty()) {
                tr {
                    th scope="row" { (label(g)) }
                    td { (g.counts.received) }
                    td { (percent(&g.rates.closure)) }
                    td { (percent(&g.rates.satisfaction)) }
                }
            }
        }
    }
}

fn trend(lang: Lang, groups: &[StatsGroup], by: &str) -> Markup {
    let (title, head) = match by {
        "day" => (lang.pick("每日走势", "Day by day"), lang.pick("日期", "Day")),
        "week" => (
            lang.pick("近十二周走势", "The last twelve weeks"),
            lang.pick("周（自周一）", "Week (from Monday)"),
        ),
        _ => (lang.pick("近一年走势", "The last twelve months"), lang.pick("月份", "Month")),
    };
    let months: Vec<&str> = groups.iter().map(|g| g.group.as_str()).collect();
    let pct = |r: &RateView| r.value.map(|v| (v * 1000.0).round() / 10.0);
    let option = json!({
        "grid": { "left": 8, "right": 8, "top": 32, "bottom": 8, "containLabel": true },
        "legend": { "top": 0 },
        "tooltip": { "trigger": "axis" },
        "xAxis": { "type": "category", "data": months },
        "yAxis": [{ "type": "value", "name": lang.pick("件", "requests") }, { "type": "value", "max": 100, "name": "%" }],
        "series": [
            { "type": "bar", "name": lang.pick("受理量", "Received"), "data": groups.iter().map(|g| g.counts.received).collect::<Vec<_>>() },
            { "type": "line", "yAxisIndex": 1, "name": lang.pick("办结率", "Closure"), "data": groups.iter().map(|g| pct(&g.rates.closure)).collect::<Vec<_>>() },
            { "type": "line", "yAxisIndex": 1, "name": lang.pick("满意率", "Satisfaction"), "data": groups.iter().map(|g| pct(&g.rates.satisfaction)).collect::<Vec<_>>() },
        ],
    });
    html! {
        section.card aria-labelledby="h-trend" {
            h2 #h-trend { (title) }
            div.split {
                (chart("chart-trend", lang.pick("受理量、办结率和满意率走势图", "Chart of requests received, closure and satisfaction"), &option))
                div.table-wrap tabindex="0" role="region" aria-label=(lang.pick("走势数据表", "Trend table")) {
                    table #trend { (volume_rows(lang, head, groups, |g| g.group.clone())) }
                }
            }
        }
    }
}
