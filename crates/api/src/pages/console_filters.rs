//! The console's filter form: the period (a month, or a range of days compared with as many days
//! before) and one scope (a bureau, street, community, category, channel or kind: the summary
//! keeps each dimension apart, so the figures narrow along one at a time), and the trend's step.

use jiesu_domain::area::{AreaCode, AreaLevel};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::category::CategoryCode;
use jiesu_domain::district::District;
use jiesu_domain::request::{Channel, Kind};
use jiesu_words::Lang;
use jiesu_words::names::{area_name, bureau_name};
use maud::{Markup, html};

use super::console_figures::{ConsoleQuery, Period, Scope};
use super::words;

/// What the figures are about, in words.
pub(super) fn scope_name(d: &District, lang: Lang, scope: &Scope) -> String {
    let area = |a: &String| AreaCode::parse(a).map_or_else(|_| a.clone(), |c| area_name(d, &c, lang));
    if let Some(b) = &scope.bureau {
        return BureauCode::parse(b).map_or_else(|_| b.clone(), |c| bureau_name(d, &c, lang));
    }
    if let Some(a) = scope.street.as_ref().or(scope.community.as_ref()) {
        return area(a);
    }
    if let Some(c) = &scope.category {
        return CategoryCode::parse(c)
            .ok()
            .and_then(|c| d.taxonomy().get(&c))
            .map_or_else(|| c.clone(), |x| x.name.clone());
    }
    if let Some(c) = &scope.channel {
        return format!("{}{}", lang.pick("渠道：", "Channel: "), words::channel(c, lang));
    }
    if let Some(k) = &scope.kind {
        return format!("{}{}", lang.pick("类型：", "Kind: "), words::kind(k, lang));
    }
    lang.pick("全区", "The district").to_owned()
}

/// The period in words: a month, or a range of days.
pub(super) fn period_name(p: &Period, lang: Lang) -> String {
    match (p.range, lang) {
        (false, Lang::Zh) => p.from.format("%Y年%-m月").to_string(),
        (false, Lang::En) => p.from.format("%B %Y").to_string(),
        (true, Lang::Zh) => format!("{} 至 {}", p.from, p.to),
        (true, Lang::En) => format!("{} to {}", p.from, p.to),
    }
}

/// A select of one scope's values, the chosen one selected.
fn choice(
    id: &str,
    name: &str,
    label: &str,
    all: &str,
    chosen: Option<&str>,
    options: &[(String, String)],
) -> Markup {
    html! {
        label for=(id) { (label)
            select id=(id) name=(name) {
                option value="" { (all) }
                @for (code, text) in options { option value=(code) selected[chosen == Some(code.as_str())] { (text) } }
            }
        }
    }
}

/// The form, as the page was asked for.
pub(super) fn form(d: &District, lang: Lang, p: &Period, q: &ConsoleQuery, trend_by: &str) -> Markup {
    let asked = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let mut bureaus: Vec<(String, String)> =
        d.bureaus().map(|b| (b.code.as_str().to_owned(), bureau_name(d, &b.code, lang))).collect();
    bureaus.sort_by(|a, b| a.1.cmp(&b.1));
    let areas_at = |level: AreaLevel| -> Vec<(String, String)> {
        d.areas()
            .iter()
            .filter(|a| a.level == level)
            .map(|a| (a.code.as_str().to_owned(), area_name(d, &a.code, lang)))
            .collect()
    };
    let streets = areas_at(AreaLevel::Street);
    // Communities named with their street: several streets have a 社区 of the same name.
    let communities: Vec<(String, String)> = areas_at(AreaLevel::Community)
        .into_iter()
        .map(|(code, name)| {
            let street = AreaCode::parse(&code).ok().and_then(|c| c.parent()).map(|s| area_name(d, &s, lang));
            (code, street.map_or_else(|| name.clone(), |s| format!("{s} · {name}")))
        })
        .collect();
    // The two upper levels of the taxonomy: a supervisor asks about street lights, not one lamp.
    let categories: Vec<(String, String)> = d
        .taxonomy()
        .iter()
        .filter(|c| c.code.as_str().len() <= 4)
        .map(|c| {
            let indent = if c.code.as_str().len() > 2 { "　" } else { "" };
            (c.code.as_str().to_owned(), format!("{indent}{}", c.name))
        })
        .collect();
    let channels: Vec<(String, String)> =
        Channel::ALL.iter().map(|c| (c.as_str().to_owned(), words::channel(c.as_str(), lang))).collect();
    let kinds: Vec<(String, String)> =
        Kind::ALL.iter().map(|k| (k.as_str().to_owned(), words::kind(k.as_str(), lang))).collect();
    let month = p.from.format("%Y-%m").to_string();
    let all = lang.pick("全区", "The district");
    html! {
        details.filters-box #filters-box open {
        summary { (lang.pick("筛选：时段与范围", "Filters: period and scope")) }
        form.filters #console-filters method="get" action="/staff/console" hx-boost="false" {
            label for="month" { (lang.pick("月份", "Month"))
                input #month type="month" name="month" value=(month);
            }
            label for="from" { (lang.pick("或自定义起日", "Or from"))
                input #from type="date" name="from" value=[p.range.then(|| p.from.to_string())];
            }
            label for="to" { (lang.pick("止日", "to"))
                input #to type="date" name="to" value=[p.range.then(|| p.to.to_string())];
            }
            (choice("f-bureau", "bureau", lang.pick("单位", "Bureau"), all, asked(&q.bureau).as_deref(), &bureaus))
            (choice("f-street", "street", lang.pick("街道", "Street"), all, asked(&q.street).as_deref(), &streets))
            (choice("f-community", "community", lang.pick("社区", "Community"), all, asked(&q.community).as_deref(), &communities))
            (choice("f-category", "category", lang.pick("事项", "Category"), lang.pick("全部事项", "Every category"), asked(&q.category).as_deref(), &categories))
            (choice("f-channel", "channel", lang.pick("渠道", "Channel"), lang.pick("全部渠道", "Every channel"), asked(&q.channel).as_deref(), &channels))
            (choice("f-kind", "kind", lang.pick("类型", "Kind"), lang.pick("全部类型", "Every kind"), asked(&q.kind).as_deref(), &kinds))
            label for="f-trend" { (lang.pick("走势", "Trend"))
                select #f-trend name="trend" {
                    @for (v, n) in [("month", lang.pick("按月", "by month")), ("week", lang.pick("按周", "by week")), ("day", lang.pick("按日", "by day"))] {
                        option value=(v) selected[trend_by == v] { (n) }
                    }
                }
            }
            div.actions { button.secondary type="submit" id="show" { (lang.pick("查看", "Show")) } }
        }
        p.hint #filter-hint {
            (lang.pick(
                "一次按一个范围查看（单位、街道、社区、事项、渠道或类型，选了多个时按此顺序取第一个）；填写起止日期时按该时段统计，并与之前同样天数比较。",
                "One scope at a time (bureau, street, community, category, channel or kind; with several, the first in this order applies). With both dates, the figures are for those days, compared with as many days before.",
            ))
            @if q.scopes_asked() > 1 { " " strong #scope-warning { (lang.pick("本次只按第一项筛选。", "Only the first applies here.")) } }
        }
        }
    }
}
