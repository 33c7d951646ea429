//! 我的诉求: a WeChat citizen's requests, newest first, each linking to its private page; and the
//! page a refused link gets.

use jiesu_domain::district::District;
use jiesu_domain::ports::RequestView;
use jiesu_words::names::category_name;
use jiesu_words::{Lang, status_name};
use maud::{Markup, html};

use super::super::text::text;
use super::{layout, other, when};

/// The list: each request with the link to its private page (`/track/visit?n=&k=`). `token` is
/// the list link's own, for the other language.
pub fn mine(d: &District, lang: Lang, items: &[(&RequestView, String)], token: &str) -> Markup {
    let t = text(lang);
    let body = html! {
        h1.page-title { (t.mine_title) }
        p.mine-intro { (t.mine_intro) }
        @if items.is_empty() {
            p #mine-none { (t.mine_none) }
        } @else {
            ul.mine #mine {
                @for (view, link) in items {
                    @let r = &view.request;
                    li.card {
                        a.mine-item href=(link) {
                            span.tracking-small { (r.submitted.tracking.grouped()) }
                            strong class={ "status status-" (r.status.as_str()) } { (status_name(r.status, lang)) }
                            span.mine-what {
                                (r.submitted.category.as_ref().and_then(|c| category_name(d, c, lang)).unwrap_or_else(|| t.mine_no_category.to_owned()))
                            }
                            span.mine-when { (when(r.submitted.received_at, lang)) }
                            // Their own words, so a request without a category is still known.
                            span.mine-desc { (r.submitted.description.as_str().chars().take(60).collect::<String>()) }
                        }
                    }
                }
            }
        }
        p.links { a href={ "/?lang=" (t.param) } { (t.report_another) } }
    };
    layout(t, t.mine_title, &format!("/track/mine?t={token}&lang={}", other(lang)), body)
}

/// A link that does not open the list: changed, not ours, or past its time.
pub fn mine_refused(lang: Lang, expired: bool) -> Markup {
    let t = text(lang);
    let body = html! {
        h1.page-title { (t.mine_title) }
        div.errors #errors role="alert" {
            p { (if expired { t.mine_expired } else { t.mine_invalid }) }
        }
        p { (t.mine_ask_again) }
        p.links { a href={ "/?lang=" (t.param) } { (t.report_another) } }
    };
    layout(t, t.mine_title, &format!("/track/mine?lang={}", other(lang)), body)
}
