//! The printable monthly report (`/staff/console/report?month=2026-11`, 月度报告): what the
//! monthly meeting reads on paper. The same figures as the console (the same summary tables, the
//! same rates and weights), as tables only: the month's rates beside last month's, every bureau
//! ranked, the streets, the last twelve months, and how each rate is defined. The top bar and the
//! forms do not print (the style sheet's print rules); the browser prints it or saves a PDF.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use jiesu_domain::ports::{Accounts, Cases, Stats, Store};
use jiesu_words::Lang;
use jiesu_words::names::local_name;
use maud::html;

use super::console::{
    ConsoleQuery, Supervisor, definitions, figures, percent, ranked, ranking_rows, rates, street_name,
    volume_rows,
};
use super::layout::{self, Section};
use super::{State, words};

/// `GET /staff/console/report`.
pub(crate) async fn report<S: Store + Cases + Accounts + Stats>(
    axum::extract::State(pages): State<S>,
    Supervisor(viewer): Supervisor<S>,
    Query(q): Query<ConsoleQuery>,
) -> Response {
    let lang = viewer.lang;
    // The district's report: a month, whatever scope the console had.
    let whole = ConsoleQuery { month: q.month, ..ConsoleQuery::default() };
    let (month, f) = match figures(&pages, &whole).await {
        Ok((period, f)) => (period.from, f),
        Err(e) => return layout::error_page(lang, e.status, &words::refusal(&e, lang)),
    };
    let d = pages.work.workflow.district();
    let root = d.areas().root();
    let district = local_name(&root.name, root.name_en.as_deref(), lang);
    let title = match lang {
        Lang::Zh => format!("{district}接诉即办工作月报（{}年{}月）", month.year(), month.month()),
        Lang::En => format!("{district}: monthly report, {}", month.format("%B %Y")),
    };
    let now = jiesu_domain::time::now();
    let (total, before) = (&f.now.total, &f.before.total);
    let body = html! {
        p.no-print { a href={ "/staff/console?month=" (month.format("%Y-%m")) } hx-boost="false" { (lang.pick("← 返回督办台", "← Back to the console")) } }
        h1 #report-title { (title) }
        p.muted { (lang.pick("生成于 ", "Made ")) (jiesu_words::time::local_time(now, now, lang))
            span.no-print { (lang.pick("。用浏览器的打印功能（Ctrl+P）打印或另存为 PDF。", ". Print it, or save a PDF, with the browser's print (Ctrl+P).")) } }
        section aria-labelledby="r-rates" {
            h2 #r-rates { (lang.pick("一、主要指标", "1. The rates")) }
            table.report #report-rates {
                thead { tr {
                    th scope="col" { (lang.pick("指标", "Rate")) }
                    th scope="col" { (lang.pick("本月", "This month")) }
                    th scope="col" { (lang.pick("上月", "Last month")) }
                } }
                tbody {
                    tr { th scope="row" { (lang.pick("受理诉求（件）", "Requests received")) } td { (total.counts.received) } td { (before.counts.received) } }
                    tr #report-exempted { th scope="row" { (lang.pick("经审核剔除（件）", "Exempted after review")) } td { (total.counts.exempted) } td { (before.counts.exempted) } }
                    @for (id, name, pick) in rates(lang) {
                        tr id={ "report-" (id) } { th scope="row" { (name) } td { (percent(pick(&total.rates))) } td { (percent(pick(&before.rates))) } }
                    }
                }
            }
        }
        section aria-labelledby="r-bureaus" {
            h2 #r-bureaus { (lang.pick("二、单位排名（按满意率）", "2. Bureaus ranked by satisfaction")) }
            // Ten columns do not fit a phone: the table scrolls there, and prints whole.
            div.table-wrap tabindex="0" role="region" aria-label=(lang.pick("单位排名表", "Bureau ranking table")) {
                table.report #report-bureaus { (ranking_rows(&d, lang, &ranked(f.bureaus.as_ref().map_or(&[][..], |b| &b.groups)))) }
            }
        }
        section aria-labelledby="r-streets" {
            h2 #r-streets { (lang.pick("三、各街道", "3. Streets")) }
            table.report #report-streets { (volume_rows(lang, lang.pick("街道", "Street"), f.streets.as_ref().map_or(&[][..], |s| &s.groups), |g| street_name(&d, g, lang))) }
        }
        section aria-labelledby="r-trend" {
            h2 #r-trend { (lang.pick("四、近十二个月", "4. The last twelve months")) }
            table.report #report-trend { (volume_rows(lang, lang.pick("月份", "Month"), &f.trend.groups, |g| g.group.clone())) }
        }
        section aria-labelledby="r-definitions" {
            h2 #r-definitions { (lang.pick("五、指标说明", "5. How each rate is counted")) }
            (definitions(lang, f.now.basically_satisfied_weight, true))
        }
    };
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Console, &title, body))
}
