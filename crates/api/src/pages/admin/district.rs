//! The district in force, read-only (`/staff/admin/district`): the state of its files (when the
//! ones in force were loaded; the problems of a reload refused since), then its bureaus, areas
//! (with the streets drawn from its own polygons), category tree and rules, each rule with where
//! it is written (file and line) or the meeting it came from. One search box narrows every table
//! to what names it (code, name, keyword). Changing any of it is the files' business (or a
//! supervisor's, for rules from meetings): this page only shows.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use jiesu_domain::bureau::BureauKind;
use jiesu_domain::district::District;
use jiesu_domain::ports::{Accounts, Cases, RuleBook, Store};
use jiesu_words::Lang;
use jiesu_words::names::{area_name, bureau_name, local_name};
use maud::{Markup, html};
use serde::Deserialize;

use super::super::layout::{self, Section};
use super::super::{State, map};
use super::{Admin, Tab, tabs};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DistrictQuery {
    q: Option<String>,
}

/// Whether any of `texts` contains the search words (everything matches an empty search).
fn matches(q: &str, texts: &[&str]) -> bool {
    q.is_empty() || texts.iter().any(|t| t.to_lowercase().contains(q))
}

fn kind_name(k: BureauKind, lang: Lang) -> &'static str {
    match k {
        BureauKind::Department => lang.pick("职能部门", "department"),
        BureauKind::StreetOffice => lang.pick("街道办事处", "street office"),
        BureauKind::Community => lang.pick("社区", "community"),
        BureauKind::Utility => lang.pick("公用事业单位", "utility"),
        BureauKind::ServiceCentre => lang.pick("诉求服务中心", "service centre"),
    }
}

/// `GET /staff/admin/district`.
pub(crate) async fn page<S: Store + Cases + Accounts + RuleBook>(
    axum::extract::State(pages): State<S>,
    Admin(viewer): Admin<S>,
    Query(query): Query<DistrictQuery>,
) -> Response {
    let lang = viewer.lang;
    let rules = &pages.work.rules;
    let d = rules.district();
    let status = rules.files_status();
    let q = query.q.as_deref().map(str::trim).unwrap_or_default().to_lowercase();
    let now = jiesu_domain::time::now();
    let body = html! {
        h1 { (lang.pick("系统管理", "Administration")) }
        (tabs(Tab::District, lang))
        section.card #files-status aria-labelledby="h-files" {
            h2 #h-files { (lang.pick("配置文件", "The files")) }
            p {
                (lang.pick("现行配置载入于 ", "The files in force were loaded "))
                (jiesu_words::time::local_time(status.loaded_at, now, lang))
                (lang.pick("；修改文件后自动重新载入，未通过检查的修改不会生效。", "; edited files reload by themselves, and an edit that fails a check is not put in force."))
            }
            @if let Some(r) = &status.refused {
                div.flash.error #refused role="alert" {
                    p { (lang.pick("最近一次重新载入未通过检查（", "The last reload was refused (")) (jiesu_words::time::local_time(r.at, now, lang)) (lang.pick("），现行配置未变：", "); the files in force stay:")) }
                    ul { @for p in &r.problems { li { code { (p) } } } }
                }
            }
        }
        form.card.filters #district-search method="get" action="/staff/admin/district" {
            label for="f-q" { (lang.pick("查找（代码、名称、关键词）", "Find (code, name, keyword)"))
                input type="search" id="f-q" name="q" value=[query.q.as_deref()] autocomplete="off";
            }
            div.actions { button.secondary type="submit" id="find" { (lang.pick("查找", "Find")) } }
        }
        (bureaus(&d, &q, lang))
        (areas(&d, &q, lang))
        (categories(&d, &q, lang))
        (rule_table(&d, &q, lang))
    };
    let title = lang.pick("区划与职责清单", "The district");
    layout::respond(StatusCode::OK, layout::page(viewer.chrome(), Section::Admin, title, body))
}

/// A card holding one titled, counted, scrollable table (`id` names the table; the first of
/// `heads` heads the rows' own header cells), with `before` between the title and the table.
fn table_card(
    id: &str,
    title: &str,
    count: usize,
    heads: &[&str],
    before: Option<Markup>,
    rows: Markup,
) -> Markup {
    html! {
        section.card aria-labelledby={ "h-" (id) } {
            h2 id={ "h-" (id) } { (title) " " span.muted.small { "(" (count) ")" } }
            @if let Some(b) = before { (b) }
            div.table-wrap tabindex="0" role="region" aria-label=(title) {
                table id=(id) {
                    thead { tr {
                        @for (i, h) in heads.iter().enumerate() {
                            @if i == 0 { th scope="col" { (h) } } @else { th.text scope="col" { (h) } }
                        }
                    } }
                    tbody { (rows) }
                }
            }
        }
    }
}

fn bureaus(d: &District, q: &str, lang: Lang) -> Markup {
    let mut shown: Vec<_> = d
        .bureaus()
        .filter(|b| matches(q, &[b.code.as_str(), &b.name, b.name_en.as_deref().unwrap_or("")]))
        .collect();
    shown.sort_by(|a, b| a.code.cmp(&b.code));
    let heads = [
        lang.pick("代码", "Code"),
        lang.pick("名称", "Name"),
        lang.pick("类别", "Kind"),
        lang.pick("辖区", "Serves"),
    ];
    let rows = html! {
        @for b in &shown {
            tr {
                th scope="row" { code { (b.code.as_str()) } }
                td.text { (local_name(&b.name, b.name_en.as_deref(), lang)) }
                td.text { (kind_name(b.kind, lang)) }
                td.text { @if let Some(a) = &b.area { (area_name(d, a, lang)) } }
            }
        }
    };
    table_card("bureaus", lang.pick("单位", "Bureaus"), shown.len(), &heads, None, rows)
}

fn areas(d: &District, q: &str, lang: Lang) -> Markup {
    let shown: Vec<_> = d
        .areas()
        .iter()
        .filter(|a| matches(q, &[a.code.as_str(), &a.name, a.name_en.as_deref().unwrap_or("")]))
        .collect();
    let heads = [
        lang.pick("代码", "Code"),
        lang.pick("名称", "Name"),
        lang.pick("层级", "Level"),
        lang.pick("默认责任单位", "Default owner"),
        lang.pick("边界", "Boundary"),
    ];
    let rows = html! {
        @for a in &shown {
            tr {
                th scope="row" { code { (a.code.as_str()) } }
                td.text { (local_name(&a.name, a.name_en.as_deref(), lang)) }
                td.text { (match lang { Lang::Zh => a.level.name_zh(), Lang::En => a.level.as_str() }) }
                td.text { @if let Some(o) = &a.default_owner { (bureau_name(d, o, lang)) } }
                td.text { (if a.boundary.is_some() { lang.pick("有", "yes") } else { lang.pick("无", "none") }) }
            }
        }
    };
    let map = map::streets_map(d, |_| None, lang.pick("各街道辖区图", "The streets"), lang)
        .map(|m| html! { div.chart { (m) } });
    table_card("areas", lang.pick("区域", "Areas"), shown.len(), &heads, map, rows)
}

fn categories(d: &District, q: &str, lang: Lang) -> Markup {
    let shown: Vec<_> = d
        .taxonomy()
        .iter()
        .filter(|c| {
            let keywords = c.keywords.join(" ");
            matches(q, &[c.code.as_str(), &c.name, c.name_en.as_deref().unwrap_or(""), &keywords])
        })
        .collect();
    let heads = [lang.pick("代码", "Code"), lang.pick("名称", "Name"), lang.pick("关键词", "Keywords")];
    let rows = html! {
        @for c in &shown {
            // Indented by depth: the tree reads as a tree.
            @let depth = c.code.as_str().len() / 2;
            tr {
                th scope="row" { code { (c.code.as_str()) } }
                td.text style={ "padding-left:" (depth) "rem" } { (local_name(&c.name, c.name_en.as_deref(), lang)) }
                td.text.small { (c.keywords.join("、")) }
            }
        }
    };
    table_card("categories", lang.pick("事项分类", "Categories"), shown.len(), &heads, None, rows)
}

fn rule_table(d: &District, q: &str, lang: Lang) -> Markup {
    let shown: Vec<_> = d
        .rules()
        .iter()
        .filter(|r| {
            let mut texts: Vec<&str> = vec![r.id.as_str(), r.lead.as_str()];
            texts.extend(r.categories.iter().map(|c| c.as_str()));
            texts.extend(r.areas.iter().map(|a| a.as_str()));
            texts.extend(r.keywords.iter().map(String::as_str));
            texts.extend(r.assists.iter().map(|b| b.as_str()));
            matches(q, &texts)
        })
        .collect();
    let cat = |c: &jiesu_domain::category::CategoryCode| {
        d.taxonomy().get(c).map_or(c.as_str().to_owned(), |x| format!("{} {}", c.as_str(), x.name))
    };
    let heads = [
        lang.pick("规则", "Rule"),
        lang.pick("事项", "Categories"),
        lang.pick("区域", "Areas"),
        lang.pick("关键词", "Keywords"),
        lang.pick("牵头单位", "Lead"),
        lang.pick("协办单位", "Assisting"),
        lang.pick("出处", "Source"),
    ];
    let rows = html! {
        @for r in &shown {
            tr id={ "rule-" (r.id.as_str()) } {
                th scope="row" { code { (r.id.as_str()) } }
                td.text { (r.categories.iter().map(cat).collect::<Vec<_>>().join("、")) }
                td.text { (r.areas.iter().map(|a| area_name(d, a, lang)).collect::<Vec<_>>().join("、")) }
                td.text.small { (r.keywords.join("、")) }
                td.text { (bureau_name(d, &r.lead, lang)) }
                td.text { (r.assists.iter().map(|b| bureau_name(d, b, lang)).collect::<Vec<_>>().join("、")) }
                td.text.small {
                    @match (&r.source, &r.meeting) {
                        (Some(s), _) => code { (s) },
                        (None, Some(m)) => a href={ "/staff/meetings/" (m) } { (lang.pick("协调会决定", "a meeting's decision")) },
                        (None, None) => {},
                    }
                }
            }
        }
    };
    table_card("rules", lang.pick("职责规则", "Rules"), shown.len(), &heads, None, rows)
}
