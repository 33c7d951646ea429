//! The citizens' pages, as HTML, in WeUI's style (Tencent's design system, vendored and served by
//! Jiesu) so they look at home inside WeChat's browser. Everything interpolated is escaped by
//! maud; the style sheets and the one script are static files (`jiesu_assets`), so the pages need
//! no inline code and their security policy allows none.

mod mine;
mod report;
mod track;

use jiesu_assets::href;
use jiesu_words::Lang;
use maud::{DOCTYPE, Markup, html};

use super::text::Text;
use crate::open311::datetime;

pub use mine::{mine, mine_refused};
pub use report::{answered, received, report_form};
pub use track::{Notice, Quiet, track_form, track_result};

/// A page's own style sheets and scripts, beyond WeUI's and ours (the map's, on the form).
#[derive(Debug, Clone, Copy, Default)]
struct Extras {
    styles: &'static [&'static str],
    scripts: &'static [&'static str],
}

/// The page around a body: WeUI's sheet, then ours; the district's name, the other language,
/// and the sample-data note.
fn layout(t: &Text, title: &str, switch_to: &str, body: Markup) -> Markup {
    layout_with(t, title, switch_to, body, Extras::default())
}

fn layout_with(t: &Text, title: &str, switch_to: &str, body: Markup, extras: Extras) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t.html_lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover";
                title { (title) " · " (t.site) }
                link rel="stylesheet" href=(href("weui.min.css"));
                @for s in extras.styles { link rel="stylesheet" href=(href(s)); }
                link rel="stylesheet" href=(href("citizen.css"));
            }
            body data-weui-theme="light" {
                header.topbar {
                    a.brand href={ "/?lang=" (t.param) } { (t.site) }
                    a #lang lang=(other_html_lang(t)) href=(switch_to) { (t.other_language) }
                }
                main.page { (body) }
                footer.weui-footer { p.weui-footer__text { (t.sample_note) } }
                script src=(href("citizen.js")) defer {}
                @for s in extras.scripts { script src=(href(s)) defer {} }
            }
        }
    }
}

fn other_html_lang(t: &Text) -> &'static str {
    if t.html_lang == "en" { "zh-CN" } else { "en" }
}

fn other(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "en",
        Lang::En => "zh",
    }
}

fn errors_box(t: &Text, errors: &[&str]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.errors #errors role="alert" {
                p { (t.errors) }
                ul { @for e in errors { li { (e) } } }
            }
        }
    }
}

/// A time as people read it, in district time ("12月7日 18:02", with the year when it is not this
/// one), marked up with the exact instant for machines.
fn when(at: chrono::DateTime<chrono::Utc>, lang: Lang) -> Markup {
    let shown = jiesu_words::time::local_time(at, jiesu_domain::time::now(), lang);
    html! { time datetime=(datetime(at)) { (shown) } }
}
